// What one answering `serve` process runs (src/cli/commands/serve.ts has the
// options and forks): load the zone file or start the mirror, the UDP+TCP
// listeners, the ops endpoint and the drift monitor, then log one "ready" line.

import cluster from 'node:cluster';
import type { Logger } from '../ops/log.js';
import { monitoringConfig, startMonitoring, type Monitoring } from '../ops/monitoring.js';
import { opsCounters } from '../ops/server-counters.js';
import { readRootHints, rootTargets } from '../monitor/root-hints.js';
import { PACKAGE_KEYS_DIR } from '../refresh/config.js';
import { startMirror, type Mirror } from '../refresh/daemon.js';
import { loadVerifiers } from '../refresh/verifier.js';
import { createZonePipeline } from '../refresh/zone-pipeline.js';
import { RootFallback } from '../server/fallback.js';
import { readiness } from '../server/readiness.js';
import { apexSignatureExpiry, signatureDeadline } from '../refresh/expiry.js';
import { startServer, type RunningServer } from '../server/server.js';
import { ZoneStore, type OnExpired } from '../server/zone-store.js';
import { buildZone } from '../zone/build.js';
import { parseZoneText, readZoneBytes } from '../zone/parser.js';
import type { DnssecMode } from '../zone/zone.js';
import { layersFromArgs, mirrorConfigFromArgs, verifierOptions } from './mirror-options.js';
import { defaultSignaturePath, readSignature } from './zone-input.js';
import { UsageError, list, num, str, type ParsedArgs } from './options.js';

const DEFAULT_ROOT_HINTS = PACKAGE_KEYS_DIR + 'root.hints';

/** Load, check, optionally verify and build the zone file; with when its apex RRSIGs expire (before --dnssec strip drops them). */
async function zoneFromFile(path: string, dnssec: DnssecMode, args: ParsedArgs): Promise<{ zone: ReturnType<typeof buildZone>; signaturesExpireAt: number | undefined }> {
  const layers = args.explicit.has('verify') ? layersFromArgs(args) : [];
  // Read as `verify` and `lookup` read it: size capped, .gz inflated (capped too).
  const bytes = await readZoneBytes(path);
  if (layers.length > 0) {
    const config = mirrorConfigFromArgs(args);
    const verifiers = await loadVerifiers(config, verifierOptions(args));
    const pipeline = createZonePipeline({ layers, dnssec, verifiers });
    const signature = await readSignature(defaultSignaturePath(path), false);
    const out = await pipeline.check({ bytes, signature, source: path, transport: 'http' }, Date.now());
    return { zone: out.zone, signaturesExpireAt: out.signaturesExpireAt };
  }
  const records = parseZoneText(bytes, { file: path });
  const zone = buildZone(records, { dnssec });
  return { zone, signaturesExpireAt: apexSignatureExpiry(records, zone.origin, Date.now()) };
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
    const loaded = await zoneFromFile(zoneFile, dnssec, args);
    // Served as asked, but not "ready" once its signatures have expired (src/server/readiness.ts).
    store.setDeadline(loaded.signaturesExpireAt === undefined ? undefined : signatureDeadline(loaded.signaturesExpireAt));
    store.swap(loaded.zone);
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
      counters: opsCounters(server.counters),
      log,
    });
  }
  const zone = store.zone;
  // The same readiness as /readyz: "ready" is the line tests and operators wait for; it says whether we are.
  const r = readiness(store, Date.now());
  log[r.ready ? 'info' : 'warn']('ready', {
    ready: r.ready,
    reason: r.reason,
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
