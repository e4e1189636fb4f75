// When to refresh. All decisions are made in `tick()` from the injected clock:
// refresh every `refreshMs` plus a random jitter (so a fleet does not stampede
// InterNIC), after a failure retry after `retryMs` starting at the next source,
// and check expiry. node-cron only drives `tick()` (every 10 s) in production;
// tests call `tick()` themselves with a ManualClock.

import { schedule, type ScheduledTask } from 'node-cron';
import type { RefreshEvent } from './events.js';
import type { Refresher } from './refresher.js';
import type { Logger } from '../log.js';

/** How often node-cron wakes the scheduler up; deadlines are in ms, this is the granularity. */
export const CRON_EXPRESSION = '*/10 * * * * *';

export interface SchedulerOptions {
  /** --refresh, --retry, --refresh-jitter (their defaults are in the option table). */
  readonly refreshMs: number;
  readonly retryMs: number;
  readonly jitterMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  readonly random?: () => number;
  readonly log?: Logger;
}

/** Something that calls `fn` periodically; node-cron in production. */
export interface Ticker {
  start(fn: () => void): void;
  stop(): void;
}

export const cronTicker = (expression = CRON_EXPRESSION): Ticker => {
  let task: ScheduledTask | undefined;
  return {
    start(fn) {
      task = schedule(expression, () => fn(), { name: 'rootmirror-refresh', noOverlap: true });
      task.unref?.();
    },
    stop() {
      void task?.destroy();
      task = undefined;
    },
  };
};

export class RefreshScheduler {
  readonly refreshMs: number;
  readonly retryMs: number;
  readonly jitterMs: number;
  private readonly random: () => number;
  /** When the next cycle is due (ms since epoch). */
  private dueAt: number;
  /** Index of the source the next cycle starts with. */
  private startIndex = 0;
  private consecutiveFailures = 0;
  private ticker: Ticker | undefined;

  constructor(
    private readonly refresher: Refresher,
    opts: SchedulerOptions,
  ) {
    this.refreshMs = opts.refreshMs;
    this.retryMs = opts.retryMs;
    this.jitterMs = opts.jitterMs;
    this.random = opts.random ?? Math.random;
    if (!(this.refreshMs > 0) || !(this.retryMs > 0) || !(this.jitterMs >= 0)) throw new RangeError('refresh and retry must be > 0, jitter >= 0');
    this.dueAt = refresher.clock.now(); // first cycle at the first tick
  }

  get nextDueAt(): number {
    return this.dueAt;
  }

  get nextSourceIndex(): number {
    return this.startIndex;
  }

  /** Schedule the first cycle at `at` (e.g. a full interval after loading a fresh copy). */
  setDueAt(at: number): void {
    this.dueAt = at;
  }

  /**
   * One scheduling step: check expiry; run a cycle when due. Returns the cycle's
   * event when one ran. Never runs two cycles at once (the refresher is single-flight,
   * and a tick during a cycle does nothing).
   */
  async tick(): Promise<RefreshEvent | undefined> {
    this.refresher.expiry.check();
    const now = this.refresher.clock.now();
    if (now < this.dueAt || this.refresher.running) return undefined;
    const ev = await this.refresher.refresh(this.startIndex);
    const after = this.refresher.clock.now();
    if (ev.outcome === 'failed') {
      this.consecutiveFailures++;
      // Retry after the SOA retry, starting with the next source.
      this.startIndex = (this.startIndex + 1) % this.refresher.sources.length;
      this.dueAt = after + this.retryMs;
    } else {
      this.consecutiveFailures = 0;
      // Stay with the source that worked.
      const idx = ev.source === undefined ? -1 : this.refresher.sources.indexOf(ev.source);
      if (idx >= 0) this.startIndex = idx;
      this.dueAt = after + this.refreshMs + Math.floor(this.random() * this.jitterMs);
    }
    return ev;
  }

  get failures(): number {
    return this.consecutiveFailures;
  }

  /** Drive `tick()` from node-cron (or the given ticker). */
  start(ticker: Ticker = cronTicker()): void {
    if (this.ticker !== undefined) return;
    this.ticker = ticker;
    ticker.start(() => {
      this.tick().catch((err: unknown) => {
        // tick() only fails on a bug; keep the schedule alive.
        process.stderr.write(`refresh scheduler: ${(err as Error).stack ?? String(err)}\n`);
      });
    });
  }

  stop(): void {
    this.ticker?.stop();
    this.ticker = undefined;
  }
}
