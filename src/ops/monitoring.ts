// Everything issue 5 adds to `serve`, started with one call: the ops HTTP
// endpoint, the drift monitor, the webhook alerter, state-change logging and
// the change report on each swap. It reads the store and the refresher through
// small structural interfaces (no writes anywhere).

import { systemClock, type Clock } from '../clock.js';
import { readiness } from '../zone/readiness.js';
import type { ZoneStore } from '../zone/store.js';
import type { Zone } from '../zone/zone.js';
import { logChangeReport } from '../zone/change-report.js';
import { changeBetween } from '../zone/zone-change.js';
import { DEFAULT_MONITOR_INTERVAL_MS, DEFAULT_THRESHOLDS, type Thresholds } from '../monitor/drift.js';
import { DriftMonitor, cronFor } from '../monitor/monitor.js';
import { readRootHints, rootTargets, type AddressFamilies } from '../monitor/root-hints.js';
import type { ProbeOptions } from '../monitor/soa-probe.js';
import { startOpsServer, type OpsServer } from './http.js';
import { nullLogger, type Logger } from '../log.js';
import type { CopyMeta } from '../refresh/data-dir.js';
import type { ServerCounters } from '../server/counters.js';
import { ALARM_LABEL, OpsState, type AlarmLike, type RefreshOutcomeLike, type ServedZone } from './status.js';
import { WebhookAlerter } from './webhook.js';
import { ProcessMetrics } from './process-metrics.js';

/** What monitoring reads from src/refresh's Refresher (it satisfies this). */
export interface RefresherLike {
  on(event: 'refresh', listener: (ev: RefreshOutcomeLike) => void): unknown;
  off(event: 'refresh', listener: (ev: RefreshOutcomeLike) => void): unknown;
  on(event: 'alarm', listener: (ev: AlarmLike) => void): unknown;
  off(event: 'alarm', listener: (ev: AlarmLike) => void): unknown;
  readonly held: { readonly meta: Pick<CopyMeta, 'serial' | 'source' | 'fetchedAt' | 'confirmedAt' | 'signaturesExpireAt' | 'layers'> } | undefined;
}

export interface MonitoringOptions {
  store: ZoneStore;
  /** Absent with --zone-file (no refresh): the zone is then shown without source/layers. */
  refresher?: RefresherLike;
  /** `--http ADDR:PORT` (port 0: any free port). */
  http: string;
  /** `--root-hints FILE`. */
  rootHints: string;
  /** `--root-port` (53 unless testing against fake roots). */
  rootPort?: number;
  family?: AddressFamilies;
  /** `--monitor-interval`; 0 disables the monitor. */
  monitorIntervalMs?: number;
  thresholds?: Thresholds;
  probe?: ProbeOptions;
  /** `--alert-webhook URL`. */
  webhook?: string;
  /** The server's counters (src/server/counters.ts), read on each scrape. */
  counters?: ServerCounters;
  clock?: Clock;
  log?: Logger;
}

export interface Monitoring {
  readonly state: OpsState;
  readonly monitor: DriftMonitor | undefined;
  readonly alerter: WebhookAlerter | undefined;
  readonly http: OpsServer;
  stop(): Promise<void>;
}

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export async function startMonitoring(o: MonitoringOptions): Promise<Monitoring> {
  const clock = o.clock ?? systemClock;
  const log = o.log ?? nullLogger;
  const state = new OpsState(clock);
  state.counters = o.counters;
  const refresher = o.refresher;

  const servedMeta = () => {
    const z = o.store.state.zone;
    const meta = refresher?.held?.meta;
    return z !== undefined && meta !== undefined && meta.serial === z.serial ? meta : undefined;
  };
  state.live = {
    serving: () => o.store.state.kind === 'serving',
    readiness: () => readiness(o.store, clock.now(), servedMeta()?.layers),
    zone: (): ServedZone | undefined => {
      const z = o.store.state.zone;
      if (z === undefined) return undefined;
      // The store's deadline: the refresher's expiry for a fetched copy, the RRSIGs for a --zone-file.
      const expiresAt = o.store.deadline?.at;
      const meta = servedMeta();
      if (meta === undefined) return { serial: z.serial, expiresAt };
      return {
        serial: z.serial,
        source: meta.source,
        fetchedAt: ms(meta.fetchedAt),
        confirmedAt: ms(meta.confirmedAt),
        expiresAt,
        apexSigExpiresAt: ms(meta.signaturesExpireAt),
        layers: meta.layers,
      };
    },
  };

  const onRefresh = (ev: RefreshOutcomeLike) => state.onRefresh(ev);
  refresher?.on('refresh', onRefresh);

  const onSwap = (next: Zone, previous: Zone | undefined) => {
    if (previous === undefined || previous.serial === next.serial) return;
    // Off the swap path: the diff walks both zones once.
    setImmediate(() => {
      try {
        // Computed in the refresh worker when the zone came from one (zone/zone-change.ts).
        const r = changeBetween(previous, next).report;
        state.changeReport = r;
        logChangeReport(log.child({ component: 'change-report' }), r);
      } catch (e) {
        log.error('change report failed', { error: e });
      }
    });
  };
  o.store.on('swap', onSwap);

  const alerter = o.webhook ? new WebhookAlerter({ url: o.webhook, clock, log: log.child({ component: 'webhook' }) }) : undefined;
  state.webhook = alerter;

  let monitor: DriftMonitor | undefined;
  const interval = o.monitorIntervalMs ?? DEFAULT_MONITOR_INTERVAL_MS;
  if (interval > 0) {
    const servers = await readRootHints(o.rootHints);
    monitor = new DriftMonitor({
      targets: rootTargets(servers, o.rootPort ?? 53, o.family ?? 'both'),
      ours: () => {
        const z = state.live!.zone();
        const st = o.store.state;
        return {
          serial: z?.serial,
          confirmedAt: z?.confirmedAt,
          expiresAt: z?.expiresAt,
          failedVerifications: state.failedVerificationStreak,
          ...(st.kind === 'unavailable' ? { notServingReason: st.reason } : {}),
          ...(state.alarm ? { alarm: `${ALARM_LABEL[state.alarm.kind]}: ${state.alarm.message}` } : {}),
        };
      },
      clock,
      thresholds: o.thresholds ?? DEFAULT_THRESHOLDS,
      ...(o.probe ? { probe: o.probe } : {}),
      intervalMs: interval,
      log: log.child({ component: 'monitor' }),
    });
    monitor.on('report', (r) => {
      state.monitor = r;
      void alerter?.observe(r);
    });
  }

  const onAlarm = (ev: AlarmLike) => {
    state.onAlarm(ev);
    log.error(`refresh alarm: ${ALARM_LABEL[ev.kind]}: ${ev.message}`, { kind: ev.kind, serial: ev.serial, source: ev.source });
    // Now, not at the next interval: the report turns CRITICAL and the webhook says so.
    monitor?.runOnce().catch((e: unknown) => log.error('monitor run after an alarm failed', { error: e }));
  };
  refresher?.on('alarm', onAlarm);

  // Started with the endpoint that reads it (and stopped again if that cannot bind).
  const runtime = new ProcessMetrics().start();
  state.runtime = runtime;
  const http = await startOpsServer(o.http, () => state.snapshot()).catch((e: unknown) => {
    runtime.stop();
    throw e;
  });
  log.info('ops endpoint listening', { address: `${http.address.host}:${http.address.port}`, paths: '/metrics /healthz /readyz /status' });
  monitor?.start(o.store.state.kind === 'serving');

  return {
    state,
    monitor,
    alerter,
    http,
    async stop() {
      refresher?.off('refresh', onRefresh);
      refresher?.off('alarm', onAlarm);
      o.store.off('swap', onSwap);
      await monitor?.stop();
      await http.close();
      runtime.stop();
    },
  };
}

/** The monitoring options as given (src/cli/monitoring-options.ts fills them from its table, defaults included). */
export interface MonitoringSettings {
  readonly http: string;
  readonly rootHints: string;
  readonly rootPort: number;
  readonly family: string;
  readonly monitorIntervalSec: number;
  readonly warnBehindSec: number;
  readonly critBehindSec: number;
  readonly webhook?: string;
}

/** Check the settings and turn them into MonitoringOptions fields; RangeError naming the option when one cannot work. */
export function monitoringConfig(s: MonitoringSettings): Required<Pick<MonitoringOptions, 'http' | 'rootHints' | 'rootPort' | 'family' | 'monitorIntervalMs' | 'thresholds'>> & Pick<MonitoringOptions, 'webhook'> {
  const port = s.rootPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`--root-port ${port} is not a port number`);
  const warn = s.warnBehindSec * 1000;
  const crit = s.critBehindSec * 1000;
  if (crit < warn) throw new RangeError(`--crit-behind (${crit / 1000}s) is shorter than --warn-behind (${warn / 1000}s)`);
  const interval = s.monitorIntervalSec * 1000;
  if (interval > 0) cronFor(interval); // throws with a hint when the interval cannot be scheduled
  const webhook = s.webhook;
  if (webhook !== undefined) {
    let u: URL;
    try {
      u = new URL(webhook);
    } catch {
      throw new RangeError(`--alert-webhook "${webhook}" is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`--alert-webhook must be http(s), got ${u.protocol}`);
  }
  return {
    http: s.http,
    rootHints: s.rootHints,
    rootPort: port,
    family: s.family as AddressFamilies,
    monitorIntervalMs: interval,
    thresholds: { warnBehindMs: warn, critBehindMs: crit },
    ...(webhook !== undefined ? { webhook } : {}),
  };
}
