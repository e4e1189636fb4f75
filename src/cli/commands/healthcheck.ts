// `rootmirror healthcheck`: GET /readyz on the ops endpoint; exit 0 on 200,
// 1 otherwise, one line either way. It is the container's HEALTHCHECK, so it
// reads the same ROOTMIRROR_HTTP as `serve`, and a wildcard listen address
// (0.0.0.0:8053, for a kubelet or Prometheus outside) is asked on loopback.

import http from 'node:http';
import { parseHostPort } from '../../ops/http.js';
import { LOOPBACK_FOR_WILDCARD } from '../listen-default.js';
import { UsageError, defaultedNum, defaultedStr, type Command } from '../options.js';
import { httpOption } from '../shared-options.js';


export interface HealthResult {
  readonly ok: boolean;
  readonly line: string;
}

/** One GET of `http://HOST:PORT/readyz`; never throws. */
export function probeReady(host: string, port: number, timeoutMs: number): Promise<HealthResult> {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/readyz', timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < 512) body += d;
      });
      res.on('end', () => {
        const text = body.trim().split('\n')[0] ?? '';
        resolve({ ok: res.statusCode === 200, line: `${res.statusCode === 200 ? 'healthy' : 'unhealthy'}: ${target}/readyz ${res.statusCode}: ${text}` });
      });
      res.on('error', (e) => resolve({ ok: false, line: `unhealthy: ${target}/readyz: ${e.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ ok: false, line: `unhealthy: ${target}/readyz: ${e.message}` }));
  });
}

export const command: Command = {
  name: 'healthcheck',
  summary: 'ask the ops endpoint whether a verified, unexpired zone is served (GET /readyz); exit 0 if so, else 1',
  usage: '',
  options: [
    httpOption({ help: 'the ops endpoint `rootmirror serve` listens on (the same variable serve reads; a wildcard address is asked on loopback)' }),
    { name: 'timeout', type: 'duration', default: 3, metavar: 'D', help: 'give up after this long' },
  ],
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    let target: { host: string; port: number };
    try {
      target = parseHostPort(defaultedStr(args, 'http'));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const timeout = defaultedNum(args, 'timeout');
    if (timeout <= 0) throw new UsageError('--timeout must be more than 0');
    const r = await probeReady(LOOPBACK_FOR_WILDCARD[target.host] ?? target.host, target.port, timeout * 1000);
    (r.ok ? process.stdout : process.stderr).write(r.line + '\n');
    return r.ok ? 0 : 1;
  },
};
