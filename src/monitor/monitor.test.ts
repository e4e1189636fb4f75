import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { ManualClock } from '../clock.js';
import { DriftMonitor, cronFor } from './monitor.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from './soa-probe.js';

describe('cronFor', () => {
  it.each([
    [30_000, '*/30 * * * * *'],
    [60_000, '0 */1 * * * *'],
    [300_000, '0 */5 * * * *'],
    [3_600_000, '0 0 */1 * * *'],
    [6 * 3_600_000, '0 0 */6 * * *'],
    [86_400_000, '0 0 0 * * *'],
  ])('%d ms -> %s', (ms, expr) => expect(cronFor(ms)).toBe(expr));
  it('refuses intervals that do not divide evenly', () => {
    expect(() => cronFor(7 * 60_000)).toThrow(/7m|420s/);
    expect(() => cronFor(1500)).toThrow(/whole seconds/);
  });
});

describe('DriftMonitor', () => {
  const targets: ProbeTarget[] = ['a', 'b', 'c'].map((l, i) => ({ server: `${l}.root-servers.net.`, address: `192.0.2.${i + 1}`, port: 53 }));
  let serial = 5;
  let calls = 0;
  const probeFn = async (t: ProbeTarget, _o: ProbeOptions): Promise<ProbeResult> => {
    calls++;
    return { ...t, ok: true, serial, transport: 'udp', rttMs: 0 };
  };

  it('joins a run in flight instead of starting another', async () => {
    calls = 0;
    const m = new DriftMonitor({ targets, ours: () => ({ serial: 5 }), clock: new ManualClock(0), probeFn });
    const [a, b] = await Promise.all([m.runOnce(), m.runOnce()]);
    expect(a).toBe(b);
    expect(calls).toBe(3);
  });

  it('emits change only when the state changes, with the previous state', async () => {
    const clock = new ManualClock(0);
    const m = new DriftMonitor({ targets, ours: () => ({ serial: 5 }), clock, probeFn });
    const changes: string[] = [];
    m.on('change', (r, prev) => changes.push(`${prev ?? '-'}>${r.state}`));
    serial = 5;
    await m.runOnce();
    await m.runOnce();
    serial = 6;
    clock.advance(3 * 3600_000);
    await m.runOnce(); // behind, first seen now: OK
    clock.advance(3 * 3600_000);
    await m.runOnce(); // behind for 3 h: WARNING
    expect(changes).toEqual(['->OK', 'OK>WARNING']);
  });

  it('logs interception once per change, also when another state (CRITICAL expired) hides it in the reason', async () => {
    const clock = new ManualClock(10 * 3600_000);
    let captive = false;
    const probe = async (t: ProbeTarget): Promise<ProbeResult> =>
      captive ? { ...t, ok: false, intercepted: true, error: 'looks intercepted: NXDOMAIN without AA for `.`' } : { ...t, ok: true, serial: 5, transport: 'udp', rttMs: 0 };
    const lines: string[] = [];
    const log = { debug() {}, info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`), child: () => log };
    const m = new DriftMonitor({ targets, ours: () => ({ serial: 5, expiresAt: 0 }), clock, probeFn: probe, log });
    await m.runOnce();
    expect(lines).toEqual([expect.stringMatching(/^error monitor start -> CRITICAL: served zone 5 expired/)]);
    captive = true;
    await m.runOnce();
    await m.runOnce();
    captive = false;
    await m.runOnce();
    await m.runOnce();
    expect(lines.slice(1)).toEqual([
      'warn answers from the roots look intercepted: 3 address(es), e.g. 192.0.2.1: looks intercepted: NXDOMAIN without AA for `.`',
      'info answers from the roots no longer look intercepted',
    ]);
  });

  it('node-cron drives it: a report arrives from the schedule alone', async () => {
    serial = 5;
    const m = new DriftMonitor({ targets, ours: () => ({ serial: 5 }), probeFn, intervalMs: 1000, jitterMs: 0 });
    m.start(false);
    try {
      const [r] = await Promise.race([
        once(m, 'report'),
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no scheduled run within 3 s')), 3000)),
      ]);
      expect(r.state).toBe('OK');
    } finally {
      await m.stop();
    }
  });
});
