// `rootmirror serve`: the daemon. With --zone-file it serves that file (the
// operator vouches for it; only the layers named with --verify are checked).
// Without, it serves the last verified copy from --data-dir at once and keeps
// it fresh (src/refresh). Either way: UDP+TCP listeners on loopback, the ops
// endpoint and the drift monitor, one "ready" line, clean stop on SIGTERM/SIGINT.

import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { createLogger, type Logger } from '../../ops/log.js';
import { MONITORING_OPTIONS, monitoringConfig, startMonitoring, type Monitoring } from '../../ops/monitoring.js';
import type { ServerCounters as OpsCounters } from '../../ops/status.js';
import { readRootHints, rootTargets } from '../../monitor/root-hints.js';
import { PACKAGE_KEYS_DIR } from '../../refresh/config.js';
import { startMirror, type Mirror } from '../../refresh/daemon.js';
import { parseLayers } from '../../refresh/pipeline.js';
import { loadVerifiers } from '../../refresh/verifier.js';
import { createZonePipeline } from '../../refresh/zone-pipeline.js';
import { LOOPBACK } from '../../server/acl.js';
import type { ServerCounters } from '../../server/counters.js';
import { RootFallback } from '../../server/fallback.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { ZoneStore, type OnExpired } from '../../server/zone-store.js';
import { typeToString } from '../../dns/types.js';
import { buildZone } from '../../zone/build.js';
import { parseZoneText } from '../../zone/parser.js';
import type { DnssecMode } from '../../zone/zone.js';
import { UsageError, list, num, str, type Command, type OptionSpec, type ParsedArgs } from '../options.js';
import { MIRROR_OPTIONS, mirrorConfigFromArgs, verifierOptions } from './fetch.js';

const DEFAULT_ROOT_HINTS = PACKAGE_KEYS_DIR + 'root.hints';

export const SERVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'zone-file', type: 'string', metavar: 'FILE', help: 'serve this zone file instead of fetching (no refresh; only --verify layers named explicitly are checked)' },
  { name: 'listen', type: 'list', metavar: 'ADDR:PORT', default: ['127.53.53.53:53'], help: 'UDP+TCP listen address, repeatable; IPv6 as [::1]:53' },
  { name: 'dnssec', type: 'string', choices: ['strip', 'keep'], default: 'strip', help: 'strip DNSSEC records (dnscache/tinydns-era resolvers) or keep them (validating resolvers, RFC 8806)' },
  { name: 'allow-query', type: 'list', metavar: 'CIDR', default: LOOPBACK, help: 'answer only these clients; others get REFUSED' },
  { name: 'allow-transfer', type: 'list', metavar: 'CIDR', default: LOOPBACK, help: 'clients allowed to AXFR the zone (TCP)' },
  { name: 'tcp-idle-timeout', type: 'duration', default: 10, metavar: 'D', help: 'close TCP connections idle this long (RFC 7766)' },
  { name: 'max-tcp-connections', type: 'number', default: 256, metavar: 'N', help: 'concurrent TCP connections; the oldest idle ones are closed first' },
  { name: 'workers', type: 'number', default: 1, metavar: 'N', help: 'answering processes sharing the sockets (--zone-file mode)' },
  { name: 'log-level', type: 'string', choices: ['debug', 'info', 'warn', 'error'], default: 'info', help: 'least severe log level printed' },
];

function counterAdapter(c: ServerCounters): () => OpsCounters {
  return () => ({
    queries: [...c.queries].map(([k, count]) => {
      const [transport, qtype, rcode] = k.split(' ') as ['udp' | 'tcp', string, string];
      return { transport, qtype: typeToString(Number(qtype)), rcode: RCODE_NAMES[Number(rcode)] ?? rcode, count };
    }),
    truncated: c.truncated,
    malformed: c.malformed,
    dropped: c.dropped,
    // A counter of accepted connections, as the metric says (it was fed the open count).
    tcpConnections: c.tcpOpened,
    fallbackForwarded: c.fallbackForwarded,
    doOnStripped: c.doOnStripped,
    servfailOnException: c.servfailOnException,
  });
}

const RCODE_NAMES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 9: 'NOTAUTH', 16: 'BADVERS' };

/** Load, check, optionally verify and build the zone file. */
async function zoneFromFile(path: string, dnssec: DnssecMode, args: ParsedArgs): Promise<ReturnType<typeof buildZone>> {
  const layers = args.explicit.has('verify') ? parseLayers(str(args, 'verify') ?? 'none') : [];
  if (layers.length > 0) {
    const config = mirrorConfigFromArgs(args);
    const verifiers = await loadVerifiers(config, verifierOptions(args));
    const pipeline = createZonePipeline({ layers, dnssec, verifiers });
    const bytes = new Uint8Array(await readFile(path));
    let signature: Uint8Array | undefined;
    try {
      signature = new Uint8Array(await readFile(`${path}.sig`));
    } catch {
      signature = undefined;
    }
    const out = await pipeline.check({ bytes, signature, source: path, transport: 'http' }, Date.now());
    return out.zone;
  }
  const text = await readFile(path);
  return buildZone(parseZoneText(text, { file: path }), { dnssec });
}

/** A running `serve`: listeners, the mirror (fetching mode), monitoring. */
export interface Daemon {
  readonly server: RunningServer;
  readonly store: ZoneStore;
  readonly mirror: Mirror | undefined;
  readonly monitoring: Monitoring | undefined;
  /** Stop refreshing, close listeners (draining TCP) and the ops endpoint. */
  stop(): Promise<void>;
}

/** Start everything `serve` starts, from its parsed options, and log the ready line. */
export async function startDaemon(args: ParsedArgs, log: Logger): Promise<Daemon> {
  const dnssec = (str(args, 'dnssec') ?? 'strip') as DnssecMode;
  const zoneFile = str(args, 'zone-file');
  const onExpired = (str(args, 'on-expired') ?? 'fallback') as OnExpired;
  const store = new ZoneStore(onExpired);
  let mon: ReturnType<typeof monitoringConfig>;
  try {
    mon = monitoringConfig(args.values, DEFAULT_ROOT_HINTS);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let fallback: RootFallback | undefined;
  if (onExpired === 'fallback') {
    const hints = await readRootHints(mon.rootHints!);
    fallback = new RootFallback({ servers: rootTargets(hints, mon.rootPort ?? 53, 'both').map((t) => ({ address: t.address, port: t.port })) });
  }

  let mirror: Mirror | undefined;
  if (zoneFile !== undefined) {
    store.swap(await zoneFromFile(zoneFile, dnssec, args));
  }
  const server: RunningServer = await startServer({
    listen: list(args, 'listen'),
    store,
    allowQuery: list(args, 'allow-query'),
    allowTransfer: list(args, 'allow-transfer'),
    tcpIdleTimeoutMs: (num(args, 'tcp-idle-timeout') ?? 10) * 1000,
    maxTcpConnections: num(args, 'max-tcp-connections') ?? 256,
    log,
    ...(fallback ? { fallback } : {}),
  });
  if (zoneFile === undefined) {
    const config = mirrorConfigFromArgs(args);
    mirror = await startMirror({ config, store, dnssec, verifiers: await loadVerifiers(config, verifierOptions(args)), log });
  }
  const isFirstWorker = !cluster.isWorker || cluster.worker?.id === 1;
  let monitoring: Monitoring | undefined;
  if (isFirstWorker) {
    monitoring = await startMonitoring({
      store,
      ...(mirror ? { refresher: mirror.refresher } : {}),
      ...mon,
      counters: counterAdapter(server.counters),
      log,
    });
  }
  const zone = store.zone;
  log.info('ready', {
    listen: server.addresses.map((a) => `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`),
    serial: zone?.serial ?? null,
    mode: zoneFile !== undefined ? 'zone-file' : 'mirror',
    dnssec,
    onExpired,
    http: monitoring ? `${monitoring.http.address.host}:${monitoring.http.address.port}` : null,
    ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}),
  });
  return {
    server,
    store,
    mirror,
    monitoring,
    async stop() {
      mirror?.stop();
      await Promise.all([server.close(), monitoring?.stop()]);
    },
  };
}

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
  options: [...SERVER_OPTIONS, ...MIRROR_OPTIONS, ...(MONITORING_OPTIONS as readonly OptionSpec[])],
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]} (the zone file goes after --zone-file)`);
    const log = createLogger({ level: (str(args, 'log-level') ?? 'info') as 'info', fields: { cmd: 'serve' } });
    const zoneFile = str(args, 'zone-file');
    const workers = num(args, 'workers') ?? 1;
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers ${workers}: expected 1 to 64`);
    if (workers > 1 && zoneFile === undefined) {
      throw new UsageError('--workers > 1 needs --zone-file (in fetching mode one process keeps the copy; use --workers 1)');
    }
    if (workers > 1 && cluster.isPrimary) return runPrimary(workers, log);

    const daemon = await startDaemon(args, log);
    const signal = await untilSignal();
    log.info('stopping', { signal });
    await daemon.stop();
    return 0;
  },
};

/** --workers N: fork N answering processes sharing the listening sockets (node:cluster). */
function runPrimary(workers: number, log: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    let alive = 0;
    const fork = (): void => {
      alive++;
      cluster.fork();
    };
    cluster.on('exit', (w, code) => {
      alive--;
      if (!stopping) {
        log.error('worker died; starting another', { worker: w.id, code });
        fork();
      } else if (alive === 0) resolve(0);
    });
    for (let i = 0; i < workers; i++) fork();
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
