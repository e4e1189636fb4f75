// What one answering `serve` process runs (src/cli/commands/serve.ts has the
// options and forks). Start-up is all or nothing (issue 12 §3): a daemon that
// runs half-started (DNS sockets open, no ops endpoint, no data dir) looks
// healthy to systemd or Kubernetes forever. So, in this order:
//   1. check every option that can be checked without touching anything;
//   2. read every file the configuration names (root hints, keys, trust
//      anchors, TSIG keys, the zone file);
//   3. open and lock the data dir;
//   4. bind every socket: DNS UDP+TCP, the ops endpoint;
//   5. only then load and serve, start the drift monitor, log "ready".
// A failure at any step closes what the steps before opened and is thrown
// (an OperatorError: main prints one line and exits with its status).

import cluster from 'node:cluster';
import { open } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseHostPort } from '../ops/http.js';
import { monitoringConfig, startMonitoring, type Monitoring } from '../ops/monitoring.js';
import { readRootHints, rootTargets, type RootServer } from '../monitor/root-hints.js';
import { prepareMirror, type Mirror, type PreparedMirror } from '../refresh/mirror.js';
import { DataDir } from '../refresh/data-dir.js';
import { checkSourcesAgainstLayers } from '../refresh/config.js';
import { readTsigKeyFiles } from '../refresh/tsig-key-files.js';
import { Acl } from '../server/acl.js';
import { isLoopbackAddress, type RateLimitOptions } from '../server/rate-limit.js';
import { RootFallback } from '../server/fallback.js';
import { readiness } from '../zone/readiness.js';
import { signatureDeadline } from '../refresh/expiry.js';
import { createWorkerZonePipeline } from '../refresh/worker-pipeline.js';
import { checkVerifierFiles } from '../refresh/key-check-record.js';
import { loadVerifiers } from '../verify/layer-verifiers.js';
import { Name } from '../dns/name.js';
import { parseListen, startServer, type RunningServer } from '../server/server.js';
import { ZoneStore, type OnExpired } from '../zone/store.js';
import { readZoneBytes } from '../zone/parser.js';
import type { DnssecMode, Zone } from '../zone/zone.js';
import { layersFromArgs, mirrorConfigFromArgs, verifierOptions } from './mirror-options.js';
import { monitoringSettings } from './monitoring-options.js';
import { checkNotifyKeys, freshnessOptions, notifyPolicy, startNotifier, startTrigger } from './freshness.js';
import type { RefreshTrigger } from '../refresh/refresh-trigger.js';
import { defaultSignaturePath, readSignature } from './zone-input.js';
import { announceCurrent, announceZone, followLeader, imageFromLeader, onRelayedNotify, relayNotify, shareImage } from './follower.js';
import type { WorkerSetup } from './worker-messages.js';
import { UsageError, bool, defaultedNum, defaultedStr, list, str, type ParsedArgs } from './options.js';

/** Load, check, optionally verify and build the zone file; with when its apex RRSIGs expire (before --dnssec strip drops them). */
async function zoneFromFile(path: string, dnssec: DnssecMode, args: ParsedArgs, log: Logger): Promise<{ zone: Zone; signaturesExpireAt: number | undefined }> {
  const layers = args.explicit.has('verify') ? layersFromArgs(args) : [];
  // Read as `verify` and `lookup` read it: size capped, .gz inflated (capped too).
  const bytes = await readZoneBytes(path);
  // Unverified, the origin is the file's SOA owner; verified, the root (as the refresher verifies).
  const verified = layers.length > 0;
  const files = verified ? mirrorConfigFromArgs(args) : { pgpKeys: [], trustAnchors: [], layers };
  // Read here so a bad key or anchor file is named before anything is served; the worker reads them again.
  await loadVerifiers(files, verifierOptions(args));
  const signature = verified ? await readSignature(defaultSignaturePath(path), false) : undefined;
  // Checked and built in a worker thread, as a refresh is: the parse's garbage never lands on the serving thread's heap.
  const pipeline = createWorkerZonePipeline({
    files: { layers, pgpKeys: files.pgpKeys, trustAnchors: files.trustAnchors },
    allSignatures: verifierOptions(args).allSignatures ?? false,
    dnssec,
    onWarning: (w) => log.warn(w),
    ...(verified ? { origin: Name.root } : {}),
  });
  return pipeline.check({ bytes, signature, source: path, pgpApplies: true }, Date.now());
}

/** A running `serve`: listeners, the mirror (fetching mode), monitoring. */
export interface Daemon {
  readonly server: RunningServer;
  /** The addresses bound, as --listen takes them (ports resolved). */
  readonly listen: readonly string[];
  readonly store: ZoneStore;
  readonly mirror: Mirror | undefined;
  readonly monitoring: Monitoring | undefined;
  /** Stop refreshing, close listeners (draining TCP) and the ops endpoint. */
  stop(): Promise<void>;
}

/** A file the configuration names must be a readable file: ConfigError (EX_CONFIG) otherwise. */
async function checkReadable(path: string, option: string): Promise<void> {
  try {
    const fh = await open(path, 'r');
    try {
      if (!(await fh.stat()).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError(`${option} ${path}: cannot read it (${code}); check the path and its permissions`, { cause: e });
  }
}

/** A RangeError from a parser of option values (CIDR, ADDR:PORT, durations) is a usage error. */
function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * --rate-limit and its companions. RRL is for a mirror serving other machines:
 * when every listener is on loopback only this host can ask, and a resolver
 * here must never be limited, so it is off unless --rate-limit-loopback.
 */
function rateLimitFromArgs(args: ParsedArgs, listen: readonly string[]): { readonly options?: RateLimitOptions; readonly offOnLoopback: boolean } {
  const perSecond = defaultedNum(args, 'rate-limit');
  const slip = defaultedNum(args, 'rate-limit-slip');
  const ipv4Prefix = defaultedNum(args, 'rate-limit-ipv4-prefix');
  const ipv6Prefix = defaultedNum(args, 'rate-limit-ipv6-prefix');
  const whole = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
  if (!whole(perSecond, 0, 1e9)) throw new UsageError(`--rate-limit ${perSecond}: expected a whole number of responses per second (0 = off)`);
  if (!whole(slip, 0, 1e9)) throw new UsageError(`--rate-limit-slip ${slip}: expected a whole number (0 never slips, 1 always)`);
  if (!whole(ipv4Prefix, 0, 32)) throw new UsageError(`--rate-limit-ipv4-prefix ${ipv4Prefix}: expected 0 to 32`);
  if (!whole(ipv6Prefix, 0, 128)) throw new UsageError(`--rate-limit-ipv6-prefix ${ipv6Prefix}: expected 0 to 128`);
  if (perSecond === 0) return { offOnLoopback: false };
  const loopback = bool(args, 'rate-limit-loopback');
  if (!loopback && listen.every((l) => isLoopbackAddress(parseListen(l).address))) return { offOnLoopback: true };
  return { options: { responsesPerSecond: perSecond, slip, ipv4Prefix, ipv6Prefix, loopback }, offOnLoopback: false };
}

/** Step 1: every option that can be checked without opening anything. */
function checkOptions(args: ParsedArgs) {
  const dnssec = defaultedStr(args, 'dnssec') as DnssecMode;
  const zoneFile = str(args, 'zone-file');
  const onExpired = defaultedStr(args, 'on-expired') as OnExpired;
  const mon = asUsage(() => monitoringConfig(monitoringSettings(args)));
  const listen = list(args, 'listen');
  if (listen.length === 0) throw new UsageError('--listen: at least one ADDR:PORT is needed');
  asUsage(() => {
    for (const l of listen) parseListen(l);
    new Acl(list(args, 'allow-query'));
    new Acl(list(args, 'allow-transfer'));
    parseHostPort(mon.http);
  });
  const rateLimit = rateLimitFromArgs(args, listen);
  const ixfr = defaultedNum(args, 'ixfr-versions');
  if (!Number.isInteger(ixfr) || ixfr < 0 || ixfr > 100) throw new UsageError(`--ixfr-versions ${ixfr}: expected 0 to 100`);
  // Fetching mode: sources' schemes, layers against keys (UsageError already).
  const mirrorConfig = zoneFile === undefined ? mirrorConfigFromArgs(args) : undefined;
  const fresh = freshnessOptions(args, zoneFile);
  return { dnssec, zoneFile, onExpired, mon, listen, mirrorConfig, rateLimit, fresh };
}

/**
 * Start everything `serve` starts, from its parsed options, and log the ready
 * line. All or nothing: see the top of this file. `worker`: this is one of
 * --workers N (cluster-primary.ts): its sockets are its own (SO_REUSEPORT);
 * a follower keeps no copy, runs no ops endpoint, sends no NOTIFY, and in
 * fetching mode serves what the leader stored (follower.ts).
 */
export async function startDaemon(args: ParsedArgs, log: Logger, worker?: WorkerSetup): Promise<Daemon> {
  const { dnssec, zoneFile, onExpired, mon, listen: listenArgs, mirrorConfig, rateLimit, fresh } = checkOptions(args);
  const listen = worker?.listen ?? listenArgs;
  const leads = worker?.role !== 'follower';

  // 2. Files. Root hints are read even when only the monitor needs them, so a bad path fails now.
  let hints: RootServer[] | undefined;
  if (onExpired === 'fallback' || mon.monitorIntervalMs > 0) hints = await readRootHints(mon.rootHints);
  // The zone file is only looked at here (parsing it takes a while, and is step 5).
  if (zoneFile !== undefined) await checkReadable(zoneFile, '--zone-file');
  // Key and anchor files are read now (a bad one exits 78 before anything is bound; key files that passed before, byte for byte, are not parsed again: key-check-record.ts); each check reads them again in its child.
  const keyCheck = mirrorConfig !== undefined ? await checkVerifierFiles(mirrorConfig, mirrorConfig.dataDir) : undefined;
  if (keyCheck?.pgpKeysRemembered) log.debug('--pgp-key files unchanged since they last passed the key check (key-check-record.ts); not parsed again here');
  // The same keys sign transfers in (axfr:// sources) and are required of transfers out.
  const tsigKeys =
    mirrorConfig !== undefined
      ? await readTsigKeyFiles(mirrorConfig.tsigKeyFiles ?? [], checkSourcesAgainstLayers(mirrorConfig.sources, mirrorConfig.layers))
      : await readTsigKeyFiles(list(args, 'tsig-key'), []);
  checkNotifyKeys(fresh, tsigKeys);
  const ixfrVersions = defaultedNum(args, 'ixfr-versions');

  // From here on every step opens something: undo them in reverse on failure.
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const store = new ZoneStore(onExpired);
    const fallback =
      onExpired === 'fallback' && hints !== undefined
        ? new RootFallback({ servers: rootTargets(hints, mon.rootPort, 'both').map((t) => ({ address: t.address, port: t.port })) })
        : undefined;

    // 3. The data dir: a directory, writable, and ours.
    let prepared: PreparedMirror | undefined;
    if (mirrorConfig !== undefined && leads) {
      const dataDir = new DataDir(mirrorConfig.dataDir);
      await dataDir.open();
      undo.push(() => dataDir.unlock());
      await keyCheck?.remember();
      prepared = prepareMirror({ config: mirrorConfig, store, dnssec, allSignatures: verifierOptions(args).allSignatures ?? false, log, dataDir, tsigKeys });
      undo.push(() => prepared!.close());
    }

    // 4. Sockets. NOTIFY in reaches the trigger once the mirror has started (step 5).
    let trigger: RefreshTrigger | undefined;
    // A follower's socket gets its share of the NOTIFYs too: the leader's trigger decides on them.
    const policy = notifyPolicy(fresh, tsigKeys, leads ? (serial, client) => trigger?.notify(serial, client) : relayNotify);
    const server: RunningServer = await startServer({
      listen,
      store,
      allowQuery: list(args, 'allow-query'),
      allowTransfer: list(args, 'allow-transfer'),
      tcpIdleTimeoutMs: defaultedNum(args, 'tcp-idle-timeout') * 1000,
      maxTcpConnections: defaultedNum(args, 'max-tcp-connections'),
      ixfrVersions,
      ...(tsigKeys.size > 0 ? { tsigKeys } : {}),
      log,
      ...(fallback ? { fallback } : {}),
      ...(rateLimit.options ? { rateLimit: rateLimit.options } : {}),
      ...(policy ? { notify: policy } : {}),
      reusePort: worker !== undefined,
      // The first leader checks the ports are free; later workers (listen given by the primary) join its sockets.
      claimPort: worker?.role === 'leader' && worker.listen === undefined,
    });
    undo.push(() => server.close());
    if (rateLimit.options) {
      const { responsesPerSecond, slip, ipv4Prefix, ipv6Prefix, loopback } = rateLimit.options;
      log.info('rate limiting UDP responses', { perSecond: responsesPerSecond, slip, ipv4Prefix, ipv6Prefix, loopback });
    } else if (rateLimit.offOnLoopback) {
      log.info('--rate-limit not applied: every --listen address is loopback, and a resolver on this host is never limited (--rate-limit-loopback applies it anyway)');
    }
    let monitoring: Monitoring | undefined;
    if (leads) {
      monitoring = await startMonitoring({
        store,
        ...(prepared ? { refresher: prepared.refresher } : {}),
        ...mon,
        counters: server.counters,
        log,
      });
      const started = monitoring;
      undo.push(() => started.stop());
    }

    // 5. Serve. NOTIFY out listens first, so the first serial served is announced too.
    const notifier = leads ? startNotifier({ options: fresh, store, counters: server.counters, keys: tsigKeys, log }) : undefined;
    undo.push(async () => notifier?.stop());
    if (zoneFile !== undefined) {
      // --workers: the leader builds the file, the followers open its image (follower.ts); failing that, they build it too.
      const shared = worker?.role === 'follower' ? await imageFromLeader() : undefined;
      if (shared?.problem !== undefined) log.warn(`follower: ${shared.problem}; building the zone file here`);
      else if (shared !== undefined) log.info(`follower: serving the leader's image of the zone file, serial ${shared.zone.serial}`);
      const loaded = shared !== undefined && shared.problem === undefined ? shared : await zoneFromFile(zoneFile, dnssec, args, log);
      if (worker?.role === 'leader') shareImage(loaded.zone, loaded.signaturesExpireAt);
      // Served as asked, but not "ready" once its signatures have expired (src/zone/readiness.ts).
      store.setDeadline(loaded.signaturesExpireAt === undefined ? undefined : signatureDeadline(loaded.signaturesExpireAt));
      store.swap(loaded.zone);
    }
    // The leader announces before its mirror starts, so the first zone it serves reaches the followers too.
    const unannounce = worker?.role === 'leader' && mirrorConfig !== undefined ? announceZone(store) : undefined;
    const unrelay = worker?.role === 'leader' ? onRelayedNotify((serial, client) => trigger?.notify(serial, client)) : undefined;
    const follower = !leads && mirrorConfig !== undefined ? await followLeader({ store, dataDir: mirrorConfig.dataDir, dnssec, log }) : undefined;
    const mirror = prepared !== undefined ? await prepared.start() : undefined;
    if (unannounce !== undefined) announceCurrent(store);
    trigger = startTrigger({ options: fresh, mirror, monitoring, jitterMs: defaultedNum(args, 'refresh-jitter') * 1000, log });
    if (store.state.kind === 'serving') {
      // The monitor was started (step 4) before the zone was served, so it did not run at once; it does when a zone is served.
      monitoring?.monitor?.runOnce().catch((e: unknown) => log.error('monitor run failed', { error: e }));
    }
    const served = store.zone;
    const listenTexts = server.addresses.map((a) => `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`);
    // The same readiness as /readyz: "ready" is the line tests and operators wait for; it says whether we are.
    const r = readiness(store, Date.now());
    log[r.ready ? 'info' : 'warn']('ready', {
      ready: r.ready,
      reason: r.reason,
      listen: listenTexts,
      serial: served?.serial ?? null,
      mode: zoneFile !== undefined ? 'zone-file' : 'mirror',
      dnssec,
      onExpired,
      http: monitoring ? `${monitoring.http.address.host}:${monitoring.http.address.port}` : null,
      ...(worker !== undefined ? { worker: cluster.worker?.id, role: worker.role, pid: process.pid } : {}),
    });
    return {
      server,
      listen: listenTexts,
      store,
      mirror,
      monitoring,
      async stop() {
        trigger?.stop();
        notifier?.stop();
        unannounce?.();
        unrelay?.();
        follower?.stop();
        mirror?.stop();
        await Promise.all([server.close(), monitoring?.stop()]);
      },
    };
  } catch (e) {
    for (const close of undo.reverse()) await close().catch(() => undefined);
    throw e;
  }
}
