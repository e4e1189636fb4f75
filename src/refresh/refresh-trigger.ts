// Refreshing before the schedule says so (issue 15, "fresh within seconds").
// Two things can tell us a newer serial exists:
//   - NOTIFY (RFC 1996) from a --notify-from address: refresh at once;
//   - the drift monitor: a majority of the live roots serve a serial newer
//     than ours (drift.ts's majority rule): refresh after a random delay of
//     up to --refresh-jitter, so a fleet that sees the same roots does not
//     hit the source in the same second.
// Either way the cycle is the refresher's own (sources in order, each with
// the freshness check it already does: conditional GET, same-bytes, serial
// policy), single-flight. A hint for a serial we already hold is ignored
// (RFC 1996 §4.7). NOTIFY is rate-limited: at most one cycle per
// --notify-min-interval; NOTIFYs inside the window are folded into one cycle
// at its end, so a flood costs one refresh per window, never a storm.

import { EventEmitter } from 'node:events';
import { serialCompare } from '../dns/serial.js';
import { nullLogger, type Logger } from '../log.js';
import type { RefreshEvent } from './events.js';
import type { Refresher } from './refresher.js';

export type TriggerReason = 'notify' | 'behind';

/** The last refresh started outside the schedule, as /status shows it. */
export interface TriggerStatus {
  readonly reason: TriggerReason;
  /** waiting: for the jitter or the NOTIFY window; refreshing: the cycle runs; done: it ended (outcome). */
  readonly state: 'waiting' | 'refreshing' | 'done';
  /** The serial that prompted it: the NOTIFY's SOA hint, or the live roots' majority serial. */
  readonly serial: number | undefined;
  /** The serial we held when it was asked for. */
  readonly heldSerial: number | undefined;
  /** When it was asked for (ms since the epoch). */
  readonly at: number;
  /** Why, in one line ("refreshing because behind: …"). */
  readonly detail: string;
  readonly outcome?: RefreshEvent['outcome'];
}

export interface RefreshTriggerOptions {
  readonly refresher: Pick<Refresher, 'refresh' | 'held' | 'running' | 'clock'>;
  /** The source a cycle starts with (the scheduler's: the one that last worked). */
  readonly startIndex?: () => number;
  /** --refresh-jitter: the monitor-triggered cycle waits a random delay below this. */
  readonly jitterMs: number;
  /** --notify-min-interval: at least this between two cycles started by NOTIFY. */
  readonly notifyMinIntervalMs: number;
  readonly random?: () => number;
  readonly log?: Logger;
}

/** What became of one request: started now, folded into one already waiting or running, deferred to the window's end, or not needed. */
export type TriggerDecision = 'started' | 'joined' | 'deferred' | 'held';

export class RefreshTrigger extends EventEmitter<{ status: [TriggerStatus]; done: [RefreshEvent, TriggerStatus] }> {
  private last: TriggerStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private active = false;
  /** A NOTIFY that arrived while a cycle ran: looked at again when it ends. */
  private followUp: { serial: number | undefined; client: string } | undefined;
  private lastNotifyStart = -Infinity;
  private readonly random: () => number;
  private readonly log: Logger;

  constructor(private readonly opts: RefreshTriggerOptions) {
    super();
    if (!(opts.jitterMs >= 0) || !(opts.notifyMinIntervalMs >= 0)) throw new RangeError('jitter and NOTIFY interval must be >= 0');
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? nullLogger;
  }

  get status(): TriggerStatus | undefined {
    return this.last;
  }

  /** A NOTIFY was accepted (src/server/notify-in.ts); `serial` is its SOA hint, if any. */
  notify(serial: number | undefined, client: string): TriggerDecision {
    const held = this.opts.refresher.held?.meta.serial;
    if (this.alreadyHeld(serial, held)) {
      this.log.info(`NOTIFY from ${client} for serial ${serial}: already held (${held}); nothing to do`, { client, serial, held });
      return 'held';
    }
    // A cycle already running may have fetched before this serial was published: one more after it (rate-limited).
    if (this.active) this.followUp = { serial, client };
    if (this.active || this.timer !== undefined) return 'joined';
    const now = this.opts.refresher.clock.now();
    const wait = Math.max(0, this.lastNotifyStart + this.opts.notifyMinIntervalMs - now);
    const detail = `refreshing because NOTIFY from ${client}${serial === undefined ? '' : ` announced serial ${serial}`} (we hold ${held ?? 'none'})`;
    this.begin({ reason: 'notify', serial, heldSerial: held, at: now, detail }, wait);
    if (wait > 0) this.log.info(`${detail}; in ${wait} ms (--notify-min-interval)`, { client, serial, held });
    else this.log.info(detail, { client, serial, held });
    return wait > 0 ? 'deferred' : 'started';
  }

  /** The monitor's report: a majority of the roots serve `liveSerial`. Refresh when it is newer than ours. */
  behind(liveSerial: number, roots: string): TriggerDecision {
    const held = this.opts.refresher.held?.meta.serial;
    if (this.alreadyHeld(liveSerial, held)) return 'held';
    if (this.active || this.timer !== undefined) return 'joined';
    const wait = Math.floor(this.random() * this.opts.jitterMs);
    const detail = `refreshing because behind: ${roots} serve ${liveSerial}, we hold ${held ?? 'none'}`;
    this.begin({ reason: 'behind', serial: liveSerial, heldSerial: held, at: this.opts.refresher.clock.now(), detail }, wait);
    this.log.info(`${detail}; in ${wait} ms (random, up to --refresh-jitter)`, { serial: liveSerial, held });
    return 'started';
  }

  /** Drop a waiting cycle (shutdown); one already running finishes. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private alreadyHeld(serial: number | undefined, held: number | undefined): boolean {
    return serial !== undefined && held !== undefined && serialCompare(serial, held) !== 1;
  }

  private setStatus(s: TriggerStatus): void {
    this.last = s;
    this.emit('status', s);
  }

  private begin(base: Omit<TriggerStatus, 'state'>, waitMs: number): void {
    this.setStatus({ ...base, state: 'waiting' });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run(base);
    }, waitMs);
    this.timer.unref();
  }

  private async run(base: Omit<TriggerStatus, 'state'>): Promise<void> {
    this.active = true;
    if (base.reason === 'notify') this.lastNotifyStart = this.opts.refresher.clock.now();
    this.setStatus({ ...base, state: 'refreshing' });
    const r = this.opts.refresher;
    const start = this.opts.startIndex?.() ?? 0;
    try {
      // A cycle already running may have fetched before the new serial was published: let it end, then ask again.
      if (r.running) await r.refresh(start);
      let ev: RefreshEvent | undefined;
      if (!this.alreadyHeld(base.serial, r.held?.meta.serial) || base.serial === undefined) ev = await r.refresh(start);
      const outcome = ev?.outcome ?? 'updated';
      const done: TriggerStatus = { ...base, state: 'done', outcome };
      this.setStatus(done);
      if (ev !== undefined) this.emit('done', ev, done);
    } catch (e) {
      this.log.error('triggered refresh failed unexpectedly', { error: e });
      this.setStatus({ ...base, state: 'done', outcome: 'failed' });
    } finally {
      this.active = false;
      const f = this.followUp;
      this.followUp = undefined;
      if (f !== undefined) this.notify(f.serial, f.client);
    }
  }
}
