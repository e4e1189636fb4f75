// `rootmirror status`: what the running daemon says about itself (GET /status
// on the ops endpoint), as a table for a human or, with --json, the document
// itself. Exit 0 when the status could be read, whatever it says, and 1 when it
// could not (like `curl -f`): whether the mirror is healthy is for `healthcheck`
// (ready or not) and `check` (against the live roots) to answer in an exit code.
// It finds the endpoint as `healthcheck` does: the same ROOTMIRROR_HTTP as
// `serve`, a wildcard listen address asked on loopback.

import { OperatorError } from '../../errors.js';
import { UsageError, bool, type Command } from '../options.js';
import { getOps, hostPort, opsClientOptions, opsTarget, type OpsTarget } from '../ops-client.js';
import { jsonOption } from '../shared-options.js';
import { formatStatus, type StatusView } from '../status-table.js';

/** /status is a few kB (the change report included); more than this is not our endpoint. */
const MAX_BODY = 4 << 20;

/** GET /status: the body on 200; an OperatorError (exit 1) saying what failed otherwise. */
export async function readStatus(t: OpsTarget): Promise<string> {
  const fail = (why: string) => new OperatorError(`cannot read http://${hostPort(t)}/status: ${why}; is \`rootmirror serve\` running with --http there?`);
  let r: { status: number; body: string };
  try {
    r = await getOps(t, '/status', { maxBytes: MAX_BODY, overflow: 'fail', accept: 'application/json' });
  } catch (e) {
    throw fail((e as Error).message);
  }
  if (r.status !== 200) throw fail(`HTTP ${r.status}: ${r.body.trim().split('\n')[0] ?? ''}`);
  return r.body;
}

export const command: Command = {
  name: 'status',
  summary: "show the running daemon's status (GET /status): serial, age, expiry, refresh, live serial per root; exit 1 if it cannot be read",
  usage: '',
  options: [
    ...opsClientOptions(),
    jsonOption({ help: 'print the /status document as JSON instead of a table' }),
  ],
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const t = opsTarget(args);
    const body = await readStatus(t);
    let doc: StatusView;
    try {
      doc = JSON.parse(body) as StatusView;
    } catch {
      throw new OperatorError(`${hostPort(t)}/status did not answer JSON: is --http pointing at rootmirror's ops endpoint?`);
    }
    process.stdout.write(bool(args, 'json') ? JSON.stringify(doc, null, 2) + '\n' : formatStatus(doc));
    return 0;
  },
};
