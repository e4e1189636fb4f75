// `rootmirror serve`: the daemon. With --zone-file it serves that file (the
// operator vouches for it; only the layers named with --verify are checked).
// Without, it serves the last verified copy from --data-dir at once and keeps
// it fresh (src/refresh). Either way: UDP+TCP listeners on loopback, the ops
// endpoint and the drift monitor, one "ready" line, clean stop on SIGTERM/SIGINT.
//
// This module holds the options and the process shape only; the daemon
// itself (src/cli/serve-process.ts) is loaded by the processes that answer, so the
// --workers primary (src/cli/cluster-primary.ts), which only forks, relays and
// restarts them, stays small.

import cluster from 'node:cluster';
import { createLogger } from '../../log.js';
import { LOOPBACK } from '../../server/acl.js';
import { EXIT_CODES_HELP } from '../../errors.js';
import { MIRROR_OPTIONS } from '../mirror-options.js';
import { MONITORING_OPTIONS } from '../monitoring-options.js';
import { UsageError, defaultedNum, defaultedStr, type Command, type OptionSpec } from '../options.js';
import { dnssecOption, listenOption, logLevelOption } from '../shared-options.js';
import { runPrimary } from '../cluster-primary.js';
import { toPrimary, workerSetup } from '../worker-messages.js';

export const SERVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'zone-file', type: 'string', metavar: 'FILE', help: 'serve this zone file (gzip accepted) instead of fetching (no refresh; only --verify layers named explicitly are checked)' },
  listenOption({ help: 'UDP+TCP listen address, repeatable; IPv6 as [::1]:53' }),
  dnssecOption({ help: 'strip DNSSEC records (dnscache/tinydns-era resolvers) or keep them (validating resolvers, RFC 8806)' }),
  { name: 'allow-query', type: 'list', metavar: 'CIDR', default: LOOPBACK, help: 'answer only these clients; others get REFUSED' },
  { name: 'allow-transfer', type: 'list', metavar: 'CIDR', default: LOOPBACK, help: 'clients allowed to AXFR/IXFR the zone (TCP); with --tsig-key they must also sign with one of its keys' },
  { name: 'ixfr-versions', type: 'number', default: 3, metavar: 'N', help: 'previous serials kept as differences for IXFR out (RFC 1995); 0: every IXFR gets the whole zone' },
  { name: 'tcp-idle-timeout', type: 'duration', default: 10, metavar: 'D', help: 'close TCP connections idle this long (RFC 7766)' },
  { name: 'max-tcp-connections', type: 'number', default: 256, metavar: 'N', help: 'concurrent TCP connections; the oldest idle ones are closed first' },
  {
    name: 'rate-limit',
    type: 'number',
    default: 0,
    metavar: 'N',
    help: 'UDP responses per second per client network (RRL, as NSD/BIND), for a mirror serving other machines; over it they are dropped or slipped. 0 = off. Not applied when every --listen address is loopback (see --rate-limit-loopback)',
  },
  { name: 'rate-limit-slip', type: 'number', default: 2, metavar: 'N', help: 'every Nth response over --rate-limit goes out as an empty TC=1 reply, so a real client retries over TCP (never limited); 0 never, 1 always' },
  { name: 'rate-limit-ipv4-prefix', type: 'number', default: 24, metavar: 'BITS', help: 'IPv4 clients sharing this prefix count as one network for --rate-limit' },
  { name: 'rate-limit-ipv6-prefix', type: 'number', default: 56, metavar: 'BITS', help: 'IPv6 clients sharing this prefix count as one network for --rate-limit' },
  { name: 'rate-limit-loopback', type: 'boolean', help: 'apply --rate-limit on loopback too, listeners and clients (to try a deployment on one host); otherwise a resolver on this host is never limited' },
  {
    name: 'notify-from',
    type: 'list',
    metavar: 'CIDR',
    help: 'accept NOTIFY for . (RFC 1996) from these addresses and check the sources at once; with --tsig-key the NOTIFY must be TSIG-signed (default: none, NOTIFY gets NOTIMP)',
  },
  { name: 'notify-min-interval', type: 'duration', default: 5, metavar: 'D', help: 'at least this between two refreshes started by NOTIFY; NOTIFYs in between are folded into one at its end' },
  {
    name: 'notify',
    type: 'list',
    metavar: 'ADDR[:PORT][?tsig=KEY]',
    help: 'send NOTIFY for . with the new SOA to this downstream after every swap to a new serial, retried per RFC 1996 §3.6 (port 53 unless given; ?tsig= signs with that --tsig-key key)',
  },
  { name: 'workers', type: 'number', default: 1, metavar: 'N', help: 'answering processes, each with its own UDP and TCP socket on every --listen address (SO_REUSEPORT: the kernel spreads the queries); one leader keeps the copy, monitors and sends NOTIFY, the others serve the image it stores' },
  logLevelOption(),
];

/** Resolve on the first SIGTERM or SIGINT, with its name. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => (): void => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      resolve(signal);
    };
    const term = on('SIGTERM');
    const int = on('SIGINT');
    process.once('SIGTERM', term);
    process.once('SIGINT', int);
  });
}

export const command: Command = {
  name: 'serve',
  summary: 'serve the root zone on loopback (UDP+TCP), keep it verified and fresh, monitor it',
  usage: '',
  options: [...SERVER_OPTIONS, ...MIRROR_OPTIONS, ...MONITORING_OPTIONS],
  exitCodes: EXIT_CODES_HELP,
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]} (the zone file goes after --zone-file)`);
    const log = createLogger({ level: defaultedStr(args, 'log-level') as 'info', fields: { cmd: 'serve' } });
    const workers = defaultedNum(args, 'workers');
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers ${workers}: expected 1 to 64`);
    if (workers > 1 && cluster.isPrimary) return runPrimary(workers, log);

    const { startDaemon } = await import('../serve-process.js');
    const setup = cluster.isWorker ? workerSetup() : undefined;
    try {
      const daemon = await startDaemon(args, log, setup);
      // Tell the --workers primary this worker started (a worker that dies before this is not restarted), and where it listens.
      if (setup !== undefined) toPrimary({ type: 'rootmirror:ready', listen: daemon.listen });
      const signal = await untilSignal();
      log.info('stopping', { signal });
      await daemon.stop();
      // Per process: with --workers, /metrics shows the leader's counters only; this line is each worker's share.
      log.info('stopped', { queries: daemon.server.counters.totalQueries, ...(setup !== undefined ? { role: setup.role } : {}) });
      return 0;
    } finally {
      // A worker's IPC channel to the primary would keep it alive, stopped or failed: let go of it.
      if (cluster.isWorker) cluster.worker?.disconnect();
    }
  },
};
