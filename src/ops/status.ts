// What the ops endpoint reads: one snapshot, built on each request. Verdicts and
// server counters are the owners' types (src/verify/verdict.ts,
// src/server/counters.ts): a counter the server adds reaches /metrics with no
// adapter in between. Refresh events are read through structural interfaces. The daemon
// wires an `OpsState` to the store ('swap'), the refresher ('refresh') and the
// monitor ('report'); tests drive it directly.

import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { ChangeReport } from '../zone/change-report.js';
import type { DriftReport } from '../monitor/drift.js';
import { redactUrl, redactUrlsIn } from '../redact-url.js';
import type { ServerCounters } from '../server/counters.js';
import type { ProcessMetrics } from './process-metrics.js';
import { readiness, type Readiness } from '../zone/readiness.js';
import type { Layer, Verdict } from '../verify/verdict.js';

/** The served zone as ops sees it. Times in ms since the epoch. */
export interface ServedZone {
  readonly serial: number;
  readonly source?: string | undefined;
  readonly fetchedAt?: number | undefined;
  readonly confirmedAt?: number | undefined;
  /** When the copy stops being usable (SOA EXPIRE after confirmation, or signatures). */
  readonly expiresAt?: number | undefined;
  /** Earliest expiration of the apex RRSIGs. */
  readonly apexSigExpiresAt?: number | undefined;
  readonly layers?: Partial<Record<Layer, Verdict>> | undefined;
}

/** A refresh cycle's outcome; src/refresh's RefreshEvent satisfies it. */
export interface RefreshOutcomeLike {
  readonly outcome: 'updated' | 'unchanged' | 'failed';
  readonly serial: number | undefined;
  readonly source: string | undefined;
  readonly layers: Partial<Record<Layer, Verdict>> | undefined;
  readonly durationMs: number;
  readonly error: Error | undefined;
}

/** A refresh alarm; src/refresh's AlarmEvent satisfies it. */
export interface AlarmLike {
  readonly kind: 'same-serial-different-content' | 'serial-rollback';
  readonly source: string;
  readonly serial: number;
  readonly message: string;
}

/** A refresh started outside the schedule (NOTIFY, or behind the live roots); src/refresh's TriggerStatus satisfies it. */
export interface TriggerLike {
  readonly reason: 'notify' | 'behind';
  readonly state: 'waiting' | 'refreshing' | 'done';
  readonly serial: number | undefined;
  readonly heldSerial: number | undefined;
  readonly at: number;
  readonly detail: string;
  readonly outcome?: 'updated' | 'unchanged' | 'failed';
}

export const ALARM_KINDS: readonly AlarmLike['kind'][] = ['same-serial-different-content', 'serial-rollback'];

/** The words the monitor state, the log and the webhook use for an alarm. */
export const ALARM_LABEL: Readonly<Record<AlarmLike['kind'], string>> = {
  'same-serial-different-content': 'same serial, different content',
  'serial-rollback': 'serial rollback refused',
};

export interface OpsSnapshot {
  readonly now: number;
  /** A verified zone is in the store and being answered from. */
  readonly serving: boolean;
  /** Ready or not, and why (src/zone/readiness.ts, the one definition). */
  readonly readiness: Readiness;
  readonly zone: ServedZone | undefined;
  readonly lastRefresh: (RefreshOutcomeLike & { readonly at: number }) | undefined;
  readonly lastSuccessAt: number | undefined;
  readonly refreshes: Readonly<Record<'updated' | 'unchanged' | 'failed', number>>;
  readonly failedVerificationStreak: number;
  readonly monitor: DriftReport | undefined;
  readonly changeReport: ChangeReport | undefined;
  readonly lastError: { readonly at: number; readonly message: string } | undefined;
  /** The server's live counters, read as the snapshot is rendered. */
  readonly counters: ServerCounters | undefined;
  /** Process and Node runtime collectors (process_*, nodejs_*), read as the snapshot is rendered. */
  readonly runtime: ProcessMetrics | undefined;
  readonly webhook: { readonly sent: number; readonly failures: number } | undefined;
  /** The refresh alarm that stands (until a new serial is stored), if any. */
  readonly alarm: (AlarmLike & { readonly at: number }) | undefined;
  readonly alarms: Readonly<Record<AlarmLike['kind'], number>>;
  /** The last refresh started by NOTIFY or by the monitor (src/refresh/refresh-trigger.ts). */
  readonly trigger?: TriggerLike | undefined;
}

/** /readyz: a verified, unexpired zone is being served. */
export function isReady(s: OpsSnapshot): boolean {
  return s.readiness.ready;
}

/** Did this failed refresh fail on verification (as opposed to download)? */
function verificationFailed(ev: RefreshOutcomeLike): boolean {
  return ev.outcome === 'failed' && Object.values(ev.layers ?? {}).some((l) => l !== undefined && !l.ok);
}

/** Collects the daemon's events into what /status and /metrics show. */
export class OpsState {
  zone: ServedZone | undefined;
  serving = false;
  monitor: DriftReport | undefined;
  changeReport: ChangeReport | undefined;
  counters: ServerCounters | undefined;
  runtime: ProcessMetrics | undefined;
  webhook: { readonly sent: number; readonly failures: number } | undefined;
  trigger: TriggerLike | undefined;
  /** When set, read the served zone, serving flag and readiness from here at each snapshot (the daemon's wiring). */
  live: { zone(): ServedZone | undefined; serving(): boolean; readiness(): Readiness } | undefined;
  private lastRefresh: (RefreshOutcomeLike & { at: number }) | undefined;
  private lastSuccessAt: number | undefined;
  private lastError: { at: number; message: string } | undefined;
  private readonly refreshes = { updated: 0, unchanged: 0, failed: 0 };
  private standingAlarm: (AlarmLike & { at: number }) | undefined;
  private readonly alarms: Record<AlarmLike['kind'], number> = { 'same-serial-different-content': 0, 'serial-rollback': 0 };
  private streak = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  /** A refresh refused a copy and alarmed (RFC 1982 policy); it stands until a new serial is stored. */
  onAlarm(ev: AlarmLike): void {
    this.standingAlarm = { kind: ev.kind, source: ev.source, serial: ev.serial, message: ev.message, at: this.clock.now() };
    this.alarms[ev.kind]++;
  }

  get alarm(): (AlarmLike & { readonly at: number }) | undefined {
    return this.standingAlarm;
  }

  onRefresh(ev: RefreshOutcomeLike): void {
    const at = this.clock.now();
    if (ev.outcome === 'updated') this.standingAlarm = undefined;
    this.lastRefresh = { ...ev, at };
    this.refreshes[ev.outcome]++;
    if (ev.outcome === 'failed') {
      this.lastError = { at, message: ev.error?.message ?? 'refresh failed' };
      if (verificationFailed(ev)) this.streak++;
    } else {
      this.lastSuccessAt = at;
      this.streak = 0;
    }
  }

  /** Consecutive most-recent refreshes that failed verification (monitor's CRITICAL rule). */
  get failedVerificationStreak(): number {
    return this.streak;
  }

  noteError(message: string): void {
    this.lastError = { at: this.clock.now(), message };
  }

  /** Readiness from the fields set by hand (tests and tools that drive an OpsState without a store). */
  private readinessOfFields(now: number): Readiness {
    const z = this.zone;
    return readiness(
      {
        state: this.serving && z !== undefined ? { kind: 'serving', zone: z } : { kind: 'unavailable', reason: 'no verified zone loaded yet' },
        deadline: z?.expiresAt === undefined ? undefined : { at: z.expiresAt, reason: `expiry passed at ${new Date(z.expiresAt).toISOString()}` },
      },
      now,
      z?.layers,
    );
  }

  snapshot(): OpsSnapshot {
    const now = this.clock.now();
    return {
      now,
      serving: this.live ? this.live.serving() : this.serving,
      readiness: this.live ? this.live.readiness() : this.readinessOfFields(now),
      zone: this.live ? this.live.zone() : this.zone,
      lastRefresh: this.lastRefresh,
      lastSuccessAt: this.lastSuccessAt,
      refreshes: { ...this.refreshes },
      failedVerificationStreak: this.streak,
      monitor: this.monitor,
      changeReport: this.changeReport,
      lastError: this.lastError,
      counters: this.counters,
      runtime: this.runtime,
      webhook: this.webhook ? { sent: this.webhook.sent, failures: this.webhook.failures } : undefined,
      alarm: this.standingAlarm,
      alarms: { ...this.alarms },
      trigger: this.trigger,
    };
  }
}

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

/** The /status document. */
export function statusDocument(s: OpsSnapshot): Record<string, unknown> {
  const m = s.monitor;
  return {
    now: iso(s.now),
    ready: s.readiness.ready,
    reason: s.readiness.reason,
    serial: s.zone?.serial ?? null,
    source: s.zone?.source === undefined ? null : redactUrl(s.zone.source),
    fetchedAt: iso(s.zone?.fetchedAt),
    confirmedAt: iso(s.zone?.confirmedAt),
    expiresAt: iso(s.zone?.expiresAt),
    signaturesExpireAt: iso(s.zone?.apexSigExpiresAt),
    layers: s.zone?.layers ?? {},
    lastRefresh: s.lastRefresh
      ? { at: iso(s.lastRefresh.at), outcome: s.lastRefresh.outcome, durationMs: s.lastRefresh.durationMs, layers: s.lastRefresh.layers ?? {}, source: s.lastRefresh.source === undefined ? null : redactUrl(s.lastRefresh.source), error: s.lastRefresh.error === undefined ? null : redactUrlsIn(s.lastRefresh.error.message) }
      : null,
    failedVerificationStreak: s.failedVerificationStreak,
    monitor: m
      ? {
          at: iso(m.at),
          state: m.state,
          reason: m.reason,
          liveSerial: m.liveSerial ?? null,
          behind: m.behind,
          behindSince: iso(m.behindSince),
          behindSeconds: Math.round(m.behindMs / 1000),
          rootsAsked: m.rootsAsked,
          rootsAnswered: m.rootsAnswered,
          rootsMatching: m.rootsMatching,
          roots: m.roots,
          disagreeing: m.disagreeing,
          silent: m.silent,
          intercepted: m.intercepted,
          // "refreshing because behind: …" while the refresh the monitor started waits or runs.
          refreshing: s.trigger?.reason === 'behind' && s.trigger.state !== 'done' ? s.trigger.detail : null,
        }
      : null,
    refreshTrigger: s.trigger ? { ...s.trigger, at: iso(s.trigger.at), outcome: s.trigger.outcome ?? null } : null,
    alarm: s.alarm ? { at: iso(s.alarm.at), kind: s.alarm.kind, serial: s.alarm.serial, source: redactUrl(s.alarm.source), message: redactUrlsIn(s.alarm.message) } : null,
    lastError: s.lastError ? { at: iso(s.lastError.at), message: redactUrlsIn(s.lastError.message) } : null,
    lastChange: s.changeReport ?? null,
  };
}
