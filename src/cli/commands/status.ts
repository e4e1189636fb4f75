// `rootmirror status`: what the running daemon says about itself (GET /status
// on the ops endpoint), as a table for a human or, with --json, the document
// itself. Exit 0 when the status could be read, whatever it says, and 1 when it
// could not (like `curl -f`): whether the mirror is healthy is for `healthcheck`
// (ready or not) and `check` (against the live roots) to answer in an exit code.
// It finds the endpoint as `healthcheck` does: the same ROOTMIRROR_HTTP as
// `serve`, a wildcard listen address asked on loopback.

import http from 'node:http';
import { OperatorError } from '../../errors.js';
import { parseHostPort } from '../../ops/http.js';
import { LOOPBACK_FOR_WILDCARD } from '../listen-default.js';
import { UsageError, bool, defaultedNum, defaultedStr, type Command } from '../options.js';
import { httpOption, jsonOption } from '../shared-options.js';
import { formatStatus, type StatusView } from '../status-table.js';

/** /status is a few kB (the change report included); more than this is not our endpoint. */
const MAX_BODY = 4 << 20;

/** GET http://HOST:PORT/status: the body on 200; an OperatorError (exit 1) saying what failed otherwise. */
export function readStatus(host: string, port: number, timeoutMs: number): Promise<string> {
  const target = `http://${host.includes(':') ? `[${host}]` : host}:${port}/status`;
  const fail = (why: string) => new OperatorError(`cannot read ${target}: ${why}; is \`rootmirror serve\` running with --http there?`);
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/status', timeout: timeoutMs, headers: { connection: 'close', accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size > MAX_BODY) req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
        else chunks.push(d);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(fail(`HTTP ${res.statusCode}: ${body.trim().split('\n')[0] ?? ''}`));
        else resolve(body);
      });
      res.on('error', (e) => reject(fail(e.message)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(fail(e.message)));
  });
}

export const command: Command = {
  name: 'status',
  summary: "show the running daemon's status (GET /status): serial, age, expiry, refresh, live serial per root; exit 1 if it cannot be read",
  usage: '',
  options: [
    httpOption({ help: 'the ops endpoint `rootmirror serve` listens on (the same variable serve reads; a wildcard address is asked on loopback)' }),
    { name: 'timeout', type: 'duration', default: 3, metavar: 'D', help: 'give up after this long' },
    jsonOption({ help: 'print the /status document as JSON instead of a table' }),
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
    const host = LOOPBACK_FOR_WILDCARD[target.host] ?? target.host;
    const body = await readStatus(host, target.port, timeout * 1000);
    let doc: StatusView;
    try {
      doc = JSON.parse(body) as StatusView;
    } catch {
      throw new OperatorError(`${host}:${target.port}/status did not answer JSON: is --http pointing at rootmirror's ops endpoint?`);
    }
    process.stdout.write(bool(args, 'json') ? JSON.stringify(doc, null, 2) + '\n' : formatStatus(doc));
    return 0;
  },
};
