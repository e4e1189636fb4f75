// `--http ADDR:PORT` (default 127.0.0.1:8053): /metrics, /healthz, /readyz,
// /status. GET and HEAD only, no request bodies, short timeouts: this listens
// on loopback for a scraper and an orchestrator, not for the world.

import net from 'node:net';
import { once } from 'node:events';
import { explainBindError } from '../server/bind-error.js';
import { renderMetrics } from './metrics.js';
import { isReady, statusDocument, type OpsSnapshot } from './status.js';

// Not `import http from 'node:http'`: an ESM import makes Node build the
// module's ESM facade, which reads every export, and node:http's lazy
// WebSocket/EventSource getters then load Node's bundled undici: 30-60 ms and
// ~14 MB resident at every start, for nothing we use (nodejs/node#57649,
// #59686, open). process.getBuiltinModule returns the CommonJS exports as
// require() does, without the facade.
const http = process.getBuiltinModule('node:http');

/** Parse `ADDR:PORT` or `[V6]:PORT`. Throws RangeError with a hint. */
export function parseHostPort(text: string, what = '--http'): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !net.isIP(m[1]!) || port > 65535) throw new RangeError(`${what} wants ADDR:PORT or [IPv6]:PORT with a literal address, got "${text}"`);
  return { host: m[1]!, port };
}

export interface OpsServer {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export async function startOpsServer(listen: string, snapshot: () => OpsSnapshot): Promise<OpsServer> {
  const { host, port } = parseHostPort(listen);
  const server = http.createServer((req, res) => {
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    try {
      switch (path) {
        case '/healthz':
          return send(200, 'text/plain; charset=utf-8', 'ok\n');
        case '/readyz': {
          const s = snapshot();
          return isReady(s) ? send(200, 'text/plain; charset=utf-8', `ready: ${s.readiness.reason}\n`) : send(503, 'text/plain; charset=utf-8', `not ready: ${s.readiness.reason}\n`);
        }
        case '/metrics':
          return send(200, 'text/plain; version=0.0.4; charset=utf-8', renderMetrics(snapshot()));
        case '/status':
          return send(200, 'application/json', JSON.stringify(statusDocument(snapshot()), null, 2) + '\n');
        default:
          return send(404, 'text/plain; charset=utf-8', 'not found: try /metrics /healthz /readyz /status\n');
      }
    } catch (e) {
      return send(500, 'text/plain; charset=utf-8', `internal error: ${(e as Error).message}\n`);
    }
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  server.maxHeadersCount = 50;
  try {
    server.listen(port, host);
    await once(server, 'listening');
  } catch (e) {
    // Said in operator terms, as the DNS listeners say it (port in use, no permission, not an address of this host).
    throw explainBindError(e as NodeJS.ErrnoException, { address: host, port }, '--http');
  }
  const a = server.address() as net.AddressInfo;
  return {
    address: { host: a.address, port: a.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
