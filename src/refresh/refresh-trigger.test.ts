// The trigger's own rules, against a stand-in refresher that counts cycles
// and can be held mid-cycle: a hint for a held serial starts nothing, NOTIFY
// starts at once, a flood costs one cycle per --notify-min-interval, the
// monitor's "behind" waits a random delay below --refresh-jitter and says so,
// and a NOTIFY during a cycle is looked at again after it. The refresh itself
// through a real daemon is test/freshness.test.ts.

import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import type { RefreshEvent } from './events.js';
import { RefreshTrigger, type TriggerStatus } from './refresh-trigger.js';

class StandIn {
  readonly clock = systemClock;
  cycles = 0;
  serial = 100;
  /** The serial the "source" has; a cycle takes it. */
  published = 100;
  running = false;
  gate: Promise<void> | undefined;
  private inFlight: Promise<RefreshEvent> | undefined;
  get held() {
    return { meta: { serial: this.serial } } as never;
  }
  refresh(): Promise<RefreshEvent> {
    if (this.inFlight) return this.inFlight;
    this.running = true;
    this.cycles++;
    const target = this.published;
    this.inFlight = (async () => {
      await this.gate;
      const updated = target !== this.serial;
      this.serial = target;
      this.running = false;
      this.inFlight = undefined;
      return { outcome: updated ? 'updated' : 'unchanged', serial: target } as RefreshEvent;
    })();
    return this.inFlight;
  }
}

const until = async (t: RefreshTrigger, state: TriggerStatus['state']): Promise<TriggerStatus> => {
  for (;;) {
    const [s] = (await once(t, 'status')) as [TriggerStatus];
    if (s.state === state) return s;
  }
};

describe('RefreshTrigger', () => {
  it('a NOTIFY for the serial we hold (or older) starts nothing (RFC 1996 §4.7)', () => {
    const r = new StandIn();
    const t = new RefreshTrigger({ refresher: r, jitterMs: 0, notifyMinIntervalMs: 0 });
    expect(t.notify(100, '127.0.0.2')).toBe('held');
    expect(t.notify(99, '127.0.0.2')).toBe('held');
    expect(t.behind(100, '13/13 roots')).toBe('held');
    expect(r.cycles).toBe(0);
    expect(t.status).toBeUndefined();
  });

  it('NOTIFY of a newer serial (or with no serial) refreshes at once', async () => {
    const r = new StandIn();
    r.published = 101;
    const t = new RefreshTrigger({ refresher: r, jitterMs: 60_000, notifyMinIntervalMs: 0 });
    const done = until(t, 'done');
    expect(t.notify(101, '127.0.0.2')).toBe('started');
    expect(await done).toMatchObject({ reason: 'notify', serial: 101, heldSerial: 100, outcome: 'updated' });
    expect(r.serial).toBe(101);
    r.published = 102;
    const again = until(t, 'done');
    expect(t.notify(undefined, '127.0.0.2')).toBe('started');
    expect((await again).outcome).toBe('updated');
    expect(r.cycles).toBe(2);
  });

  it('a flood of NOTIFY costs one cycle now and one at the end of --notify-min-interval', async () => {
    const r = new StandIn();
    r.published = 101;
    const t = new RefreshTrigger({ refresher: r, jitterMs: 0, notifyMinIntervalMs: 300 });
    const first = until(t, 'done');
    expect(t.notify(101, '127.0.0.2')).toBe('started');
    await first;
    r.published = 102;
    const t0 = Date.now();
    const decisions = new Set<string>();
    for (let i = 0; i < 1000; i++) decisions.add(t.notify(102, '127.0.0.2'));
    expect([...decisions].sort()).toEqual(['deferred', 'joined']);
    expect((await until(t, 'done')).outcome).toBe('updated');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(r.cycles).toBe(2);
  });

  it('behind the roots: waits a random delay below --refresh-jitter, /status says "refreshing because behind", single flight', async () => {
    const r = new StandIn();
    r.published = 101;
    const t = new RefreshTrigger({ refresher: r, jitterMs: 400, notifyMinIntervalMs: 0, random: () => 0.5 });
    const t0 = Date.now();
    expect(t.behind(101, '7/13 roots')).toBe('started');
    expect(t.status).toMatchObject({ reason: 'behind', state: 'waiting', detail: 'refreshing because behind: 7/13 roots serve 101, we hold 100' });
    expect(t.behind(101, '7/13 roots')).toBe('joined');
    expect(r.cycles).toBe(0);
    const done = await until(t, 'done');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(done.outcome).toBe('updated');
    expect(r.cycles).toBe(1);
  });

  it('a NOTIFY during a cycle that fetched the older serial gets a cycle of its own after it', async () => {
    const r = new StandIn();
    r.published = 101;
    let open!: () => void;
    r.gate = new Promise((res) => (open = res));
    const t = new RefreshTrigger({ refresher: r, jitterMs: 0, notifyMinIntervalMs: 0 });
    t.notify(101, '127.0.0.2');
    await until(t, 'refreshing');
    r.published = 102; // published while the cycle for 101 runs
    expect(t.notify(102, '127.0.0.2')).toBe('joined');
    open();
    for (;;) {
      const s = await until(t, 'done');
      if (s.serial === 102) break;
    }
    expect(r.serial).toBe(102);
    expect(r.cycles).toBe(2);
  });
});
