// Drift against the live roots, as a pure function of the probe answers, what
// we serve, and the time (injected). The stateful part — when we first fell
// behind — is carried in from the previous report.
//
// Live serial, precisely: let R be the root servers (by name, a–m) that
// answered; a server counts once, with the highest serial any of its addresses
// gave. For a serial s, support(s) = |{r ∈ R : serial(r) ≥ s}| with ≥ in RFC 1982
// arithmetic. The live serial is the highest s seen in R with support(s) > |R|/2.
// So 7 of 13 at N+1 and 6 at N gives N+1; 6 at N+1 and 7 at N gives N (the new
// zone has not reached a majority yet); one root announcing a huge serial never
// moves it.
//
// Answers that look intercepted (soa-probe.ts: NXDOMAIN or REFUSED for `. SOA`,
// or no AA) are not votes and not silence: when they come from a majority of
// the root servers, or from every server that answered at all, the network
// between us and the roots answers for them (a captive portal, a port-53
// redirect) and no drift can be measured: UNKNOWN, and the reason says so.

import { serialCompare } from '../dns/serial.js';
import type { ProbeResult } from './soa-probe.js';

export const MonitorState = { OK: 'OK', WARNING: 'WARNING', CRITICAL: 'CRITICAL', UNKNOWN: 'UNKNOWN' } as const;
export type MonitorState = (typeof MonitorState)[keyof typeof MonitorState];

/** Nagios plugin exit codes (and the numeric value of the `rootmirror_monitor_state` metric). */
export const STATE_CODE: Readonly<Record<MonitorState, 0 | 1 | 2 | 3>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export interface Thresholds {
  /** WARNING when behind longer than this. Default 2 h. */
  warnBehindMs: number;
  /** CRITICAL when behind longer than this. Default 12 h. */
  critBehindMs: number;
}

/** How often the monitor asks the live roots (5 min; `serve --monitor-interval`). */
export const DEFAULT_MONITOR_INTERVAL_MS = 5 * 60_000;

export const DEFAULT_THRESHOLDS: Thresholds = { warnBehindMs: 2 * 3600_000, critBehindMs: 12 * 3600_000 };

export interface OurZone {
  /** Serial being served; undefined when nothing is served. */
  serial: number | undefined;
  /** Last time the upstream copy was confirmed current (fetched or 304/same serial). */
  confirmedAt?: number;
  /** When the served copy expires (SOA EXPIRE after confirmation, or earliest RRSIG expiry). */
  expiresAt?: number;
  /** Consecutive most-recent refreshes that failed verification. */
  failedVerifications?: number;
  /** Why no zone is served (the store's reason, e.g. the stored copy expired). */
  notServingReason?: string;
  /** A standing refresh alarm (same serial with different content, rollback), one line: CRITICAL. */
  alarm?: string;
}

export interface DriftInput {
  now: number;
  ours: OurZone;
  answers: readonly ProbeResult[];
  thresholds?: Thresholds;
  previous?: DriftReport;
  /**
   * Without history (first run, `rootmirror check`), date "behind" from the
   * inception of the live SOA's RRSIG instead of from now: the newer zone
   * cannot be older than its signature. Default false (the daemon observes).
   */
  estimateFromSignature?: boolean;
}

export interface RootSerial {
  server: string;
  /** Highest serial among its addresses; undefined when none answered. */
  serial: number | undefined;
  addresses: { address: string; serial?: number; error?: string }[];
}

export interface DriftReport {
  at: number;
  state: MonitorState;
  reason: string;
  ourSerial: number | undefined;
  liveSerial: number | undefined;
  behind: boolean;
  /** Since when we have been behind the live serial (undefined when not behind). */
  behindSince: number | undefined;
  behindMs: number;
  /** ms since the last confirmation. */
  ageMs: number | undefined;
  /** ms until expiry (negative: expired). */
  expiresInMs: number | undefined;
  rootsAsked: number;
  rootsAnswered: number;
  /** Roots whose serial equals the live serial. */
  rootsMatching: number;
  roots: RootSerial[];
  /** Instances (server, address) that answered with a serial other than the live one. */
  disagreeing: { server: string; address: string; serial: number }[];
  /** Instances that did not give a usable answer. */
  silent: { server: string; address: string; error: string }[];
  /** Instances whose answer no root server would give (a subset of `silent`). */
  intercepted: { server: string; address: string; error: string }[];
  /** A majority of the servers, or all that answered, look intercepted: the reason says so. */
  looksIntercepted: boolean;
}

const INTERCEPTED_PREFIX = 'looks intercepted: ';
/** How the reason starts when the answers look intercepted. */
export const INTERCEPTED_REASON = 'answers from the roots look intercepted';

/** Highest serial s among `serials` with support(s) > n/2 (see the header). */
export function liveSerial(serials: readonly number[]): number | undefined {
  const n = serials.length;
  let best: number | undefined;
  for (const s of new Set(serials)) {
    let support = 0;
    for (const t of serials) {
      const c = serialCompare(t, s);
      if (c === 0 || c === 1) support++;
    }
    if (support * 2 > n && (best === undefined || serialCompare(s, best) === 1)) best = s;
  }
  return best;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86400).toFixed(1)}d`;
}

export function computeDrift(input: DriftInput): DriftReport {
  const { now, ours } = input;
  const th = input.thresholds ?? DEFAULT_THRESHOLDS;

  const byServer = new Map<string, RootSerial>();
  const silent: DriftReport['silent'] = [];
  const intercepted: DriftReport['intercepted'] = [];
  for (const a of input.answers) {
    let r = byServer.get(a.server);
    if (r === undefined) byServer.set(a.server, (r = { server: a.server, serial: undefined, addresses: [] }));
    if (a.ok) {
      r.addresses.push({ address: a.address, serial: a.serial });
      if (r.serial === undefined || serialCompare(a.serial, r.serial) === 1) r.serial = a.serial;
    } else {
      r.addresses.push({ address: a.address, error: a.error });
      silent.push({ server: a.server, address: a.address, error: a.error });
      if (a.intercepted) intercepted.push({ server: a.server, address: a.address, error: a.error });
    }
  }
  const roots = [...byServer.values()];
  const answered = roots.filter((r) => r.serial !== undefined);
  const interceptedServers = roots.filter((r) => r.serial === undefined && intercepted.some((i) => i.server === r.server)).length;
  const looksIntercepted = interceptedServers * 2 > roots.length || (answered.length === 0 && interceptedServers > 0);
  const live = liveSerial(answered.map((r) => r.serial!));
  const disagreeing: DriftReport['disagreeing'] = [];
  for (const a of input.answers) if (a.ok && a.serial !== live) disagreeing.push({ server: a.server, address: a.address, serial: a.serial });
  const rootsMatching = answered.filter((r) => r.serial === live).length;

  const behind = ours.serial !== undefined && live !== undefined && serialCompare(ours.serial, live) === -1;
  let behindSince: number | undefined;
  if (behind) {
    const prev = input.previous;
    if (prev?.behind && prev.behindSince !== undefined) behindSince = prev.behindSince;
    else {
      behindSince = now;
      if (input.estimateFromSignature) {
        for (const a of input.answers)
          if (a.ok && a.serial === live && a.sigInception !== undefined) behindSince = Math.min(behindSince, a.sigInception);
      }
    }
  }
  const behindMs = behindSince === undefined ? 0 : Math.max(0, now - behindSince);
  const ageMs = ours.confirmedAt === undefined ? undefined : now - ours.confirmedAt;
  const expiresInMs = ours.expiresAt === undefined ? undefined : ours.expiresAt - now;

  const matchText = `${rootsMatching}/${roots.length} roots`;
  let state: MonitorState;
  let reason: string;
  if (ours.serial === undefined) {
    state = 'CRITICAL';
    reason = ours.notServingReason === undefined ? 'not serving a zone' : `not serving a zone: ${ours.notServingReason}`;
  } else if (expiresInMs !== undefined && expiresInMs <= 0) {
    state = 'CRITICAL';
    reason = `served zone ${ours.serial} expired ${formatDuration(-expiresInMs)} ago`;
  } else if (ours.alarm !== undefined) {
    state = 'CRITICAL';
    reason = ours.alarm;
  } else if ((ours.failedVerifications ?? 0) >= 3) {
    state = 'CRITICAL';
    reason = `last ${ours.failedVerifications} refreshes failed verification`;
  } else if (looksIntercepted) {
    state = 'UNKNOWN';
    const what = intercepted[0]!.error.replace(INTERCEPTED_PREFIX, '');
    reason =
      `${INTERCEPTED_REASON} (${interceptedServers}/${roots.length} roots: ${what}): ` +
      'something between this host and the roots answers DNS for them (a captive portal, a port-53 redirect); drift cannot be checked until the real roots are reachable';
  } else if (live === undefined) {
    state = 'UNKNOWN';
    reason = answered.length === 0 ? `no root answered (0/${roots.length})` : 'roots disagree with no majority';
  } else if (behind) {
    const d = formatDuration(behindMs);
    const what = `serial ${ours.serial} behind live ${live} (${matchText}) for ${d}`;
    if (behindMs > th.critBehindMs) {
      state = 'CRITICAL';
      reason = `${what}, over ${formatDuration(th.critBehindMs)}`;
    } else if (behindMs > th.warnBehindMs) {
      state = 'WARNING';
      reason = `${what}, over ${formatDuration(th.warnBehindMs)}`;
    } else {
      state = 'OK';
      reason = `${what}, within ${formatDuration(th.warnBehindMs)}`;
    }
  } else if (ours.serial === live) {
    state = 'OK';
    reason = `serial ${ours.serial} matches ${matchText}`;
  } else {
    state = 'OK';
    reason = `serial ${ours.serial} ahead of live ${live} (${matchText})`;
  }

  return {
    at: now,
    state,
    reason,
    ourSerial: ours.serial,
    liveSerial: live,
    behind,
    behindSince,
    behindMs,
    ageMs,
    expiresInMs,
    rootsAsked: roots.length,
    rootsAnswered: answered.length,
    rootsMatching,
    roots,
    disagreeing,
    silent,
    intercepted,
    looksIntercepted,
  };
}
