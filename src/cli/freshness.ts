// `serve`'s freshness wiring (issue 15): what connects the parts that may not
// import each other (scripts/check-imports.mjs). NOTIFY in is answered by the
// server (server/notify-in.ts) and handed to the RefreshTrigger (refresh/);
// the drift monitor's "behind" report goes to the same trigger; every swap to
// a new serial goes out as NOTIFY (server/notify-out.ts). Options are checked
// in start-up step 1 (freshnessOptions), keys in step 2 (checkNotifyKeys), and
// all of it starts once the mirror has loaded (startFreshness).

import { ConfigError } from '../errors.js';
import type { TsigKeyring } from '../dns/tsig-keys.js';
import type { Logger } from '../log.js';
import type { DriftReport } from '../monitor/drift.js';
import type { Monitoring } from '../ops/monitoring.js';
import type { Mirror } from '../refresh/mirror.js';
import { RefreshTrigger } from '../refresh/refresh-trigger.js';
import { Acl } from '../server/acl.js';
import type { ServerCounters } from '../server/counters.js';
import type { NotifyPolicy } from '../server/notify-in.js';
import { Notifier, keyFor, parseNotifyTarget, type NotifyTarget } from '../server/notify-out.js';
import type { ZoneStore } from '../zone/store.js';
import { UsageError, defaultedNum, list, type ParsedArgs } from './options.js';

export interface FreshnessOptions {
  /** --notify-from; undefined: NOTIFY is not implemented (NOTIMP), as before. */
  readonly notifyFrom: Acl | undefined;
  readonly notifyMinIntervalMs: number;
  readonly notifyTargets: readonly NotifyTarget[];
}

/** Step 1: --notify-from, --notify, --notify-min-interval. UsageError (exit 2) on nonsense. */
export function freshnessOptions(args: ParsedArgs, zoneFile: string | undefined): FreshnessOptions {
  const from = list(args, 'notify-from');
  if (from.length > 0 && zoneFile !== undefined) throw new UsageError('--notify-from needs fetching mode: with --zone-file there is nothing to refresh (drop one of them)');
  try {
    return {
      notifyFrom: from.length > 0 ? new Acl(from) : undefined,
      notifyMinIntervalMs: defaultedNum(args, 'notify-min-interval') * 1000,
      notifyTargets: list(args, 'notify').map(parseNotifyTarget),
    };
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message.startsWith('--') ? e.message : `--notify-from: ${e.message}`);
    throw e;
  }
}

/** Step 2: every `--notify …?tsig=NAME` names a key of --tsig-key. ConfigError (exit 78) otherwise. */
export function checkNotifyKeys(o: FreshnessOptions, keys: TsigKeyring | undefined): void {
  try {
    for (const t of o.notifyTargets) keyFor(t, keys);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** The server's NOTIFY policy (step 4); NOTIFYs before startFreshness() are answered and otherwise ignored (the first refresh runs anyway). */
export function notifyPolicy(o: FreshnessOptions, keys: TsigKeyring | undefined, onNotify: (serial: number | undefined, client: string) => void): NotifyPolicy | undefined {
  if (o.notifyFrom === undefined) return undefined;
  return { from: o.notifyFrom, ...(keys !== undefined ? { keys } : {}), onNotify: (ev) => onNotify(ev.serial, ev.client) };
}

export interface FreshnessParts {
  readonly options: FreshnessOptions;
  readonly store: ZoneStore;
  readonly counters: ServerCounters;
  readonly mirror: Mirror | undefined;
  readonly monitoring: Monitoring | undefined;
  readonly keys: TsigKeyring | undefined;
  /** --refresh-jitter, ms: the delay bound of a refresh the monitor starts. */
  readonly jitterMs: number;
  readonly log: Logger;
}

/** Before the first swap: NOTIFY out (so the first serial served is announced too). */
export function startNotifier(p: Pick<FreshnessParts, 'options' | 'store' | 'counters' | 'keys' | 'log'>): Notifier | undefined {
  if (p.options.notifyTargets.length === 0) return undefined;
  const n = new Notifier({ targets: p.options.notifyTargets, store: p.store, counters: p.counters, ...(p.keys ? { keys: p.keys } : {}), log: p.log.child({ component: 'notify-out' }) });
  n.start();
  return n;
}

/** After the mirror started: the trigger, fed by NOTIFY (through notifyPolicy's callback) and by the monitor. */
export function startTrigger(p: Pick<FreshnessParts, 'options' | 'mirror' | 'monitoring' | 'jitterMs' | 'log'>): RefreshTrigger | undefined {
  const mirror = p.mirror;
  if (mirror === undefined) return undefined;
  const trigger = new RefreshTrigger({
    refresher: mirror.refresher,
    startIndex: () => mirror.scheduler.nextSourceIndex,
    jitterMs: p.jitterMs,
    notifyMinIntervalMs: p.options.notifyMinIntervalMs,
    log: p.log.child({ component: 'refresh-trigger' }),
  });
  const state = p.monitoring?.state;
  const monitor = p.monitoring?.monitor;
  trigger.on('status', (s) => {
    if (state !== undefined) state.trigger = s;
  });
  // Behind a majority of the roots (drift.ts's rule): refresh now rather than at the schedule.
  monitor?.on('report', (r: DriftReport) => {
    if (r.behind && r.liveSerial !== undefined) trigger.behind(r.liveSerial, `${r.rootsMatching}/${r.rootsAsked} roots`);
  });
  // Once caught up, the monitor says so now, not an interval later.
  trigger.on('done', (ev, s) => {
    if (s.reason === 'behind' && ev.outcome === 'updated') monitor?.runOnce().catch((e: unknown) => p.log.error('monitor run failed', { error: e }));
  });
  return trigger;
}
