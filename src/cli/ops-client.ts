// The client side of the ops endpoint for the commands that read it
// (`healthcheck`: GET /readyz, `status`: GET /status): where to ask (--http,
// a wildcard address asked on loopback, --timeout) and one bounded GET.

import { parseHostPort } from '../ops/http.js';
import { LOOPBACK_FOR_WILDCARD } from './listen-default.js';
import { UsageError, defaultedNum, defaultedStr, type OptionSpec, type ParsedArgs } from './options.js';
import { httpOption } from './shared-options.js';

// Not an ESM import: see src/ops/http.ts (node:http's facade loads undici).
const http = process.getBuiltinModule('node:http');

/** --http and --timeout, as both commands take them. */
export function opsClientOptions(): OptionSpec[] {
  return [
    httpOption({ help: 'the ops endpoint `rootmirror serve` listens on (the same variable serve reads; a wildcard address is asked on loopback)' }),
    { name: 'timeout', type: 'duration', default: 3, metavar: 'D', help: 'give up after this long' },
  ];
}

export interface OpsTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

/** Where to ask, from --http and --timeout; UsageError when either is malformed. */
export function opsTarget(args: ParsedArgs): OpsTarget {
  let target: { host: string; port: number };
  try {
    target = parseHostPort(defaultedStr(args, 'http'));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const timeout = defaultedNum(args, 'timeout');
  if (timeout <= 0) throw new UsageError('--timeout must be more than 0');
  return { host: LOOPBACK_FOR_WILDCARD[target.host] ?? target.host, port: target.port, timeoutMs: timeout * 1000 };
}

/** `host:port`, the IPv6 address bracketed. */
export function hostPort(t: OpsTarget): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

/**
 * GET `path`: the status code and the body, of which at most `maxBytes` are
 * kept (`overflow: 'truncate'`) or past which the request fails ('fail').
 * Rejects with the error of the connection, the answer or the timeout.
 */
export function getOps(t: OpsTarget, path: string, o: { maxBytes: number; overflow: 'truncate' | 'fail'; accept?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close', ...(o.accept !== undefined ? { accept: o.accept } : {}) };
    const req = http.get({ host: t.host, port: t.port, path, timeout: t.timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        if (size >= o.maxBytes && o.overflow === 'truncate') return;
        size += d.length;
        if (size > o.maxBytes && o.overflow === 'fail') req.destroy(new Error(`answer larger than ${o.maxBytes} bytes`));
        else chunks.push(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${t.timeoutMs} ms`)));
    req.on('error', reject);
  });
}
