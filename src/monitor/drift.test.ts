import { describe, expect, it } from 'vitest';
import { computeDrift, liveSerial, type DriftInput } from './drift.js';
import type { ProbeResult } from './soa-probe.js';

const H = 3600_000;
const T0 = Date.UTC(2026, 7, 22, 18, 0, 0);
const N = 2026082200;

function answers(serials: readonly (number | undefined)[]): ProbeResult[] {
  return serials.map((s, i) => {
    const t = { server: `${'abcdefghijklm'[i]}.root-servers.net.`, address: `127.0.1.${i + 1}`, port: 53 };
    return s === undefined ? { ...t, ok: false, error: 'timeout after 2000 ms (udp)', intercepted: false } : { ...t, ok: true, serial: s, transport: 'udp', rttMs: 1 };
  });
}

/** `n` roots whose answers look intercepted (a captive network), the rest from `serials`. */
function interceptedAnswers(intercepted: number, serials: readonly (number | undefined)[]): ProbeResult[] {
  return answers([...Array(intercepted).fill(0), ...serials]).map((a, i) =>
    i < intercepted ? { server: a.server, address: a.address, port: a.port, ok: false, intercepted: true, error: 'looks intercepted: NXDOMAIN without AA' } : a,
  );
}

describe('computeDrift: answers that look intercepted', () => {
  const ours = { serial: N, confirmedAt: T0 - 720_000, expiresAt: T0 + 7 * 24 * H };
  it('all 13 intercepted: UNKNOWN, the reason says so, the instances are listed', () => {
    const r = computeDrift({ now: T0, ours, answers: interceptedAnswers(13, []) });
    expect(r.state).toBe('UNKNOWN');
    expect(r.reason).toMatch(/^answers from the roots look intercepted \(13\/13 roots: NXDOMAIN without AA\)/);
    expect(r.looksIntercepted).toBe(true);
    expect(r.intercepted).toHaveLength(13);
    expect(r.intercepted[0]).toEqual({ server: 'a.root-servers.net.', address: '127.0.1.1', error: 'looks intercepted: NXDOMAIN without AA' });
  });
  it('every root that answered looks intercepted, the others are silent: UNKNOWN, intercepted', () => {
    const r = computeDrift({ now: T0, ours, answers: interceptedAnswers(3, Array(10).fill(undefined)) });
    expect(r).toMatchObject({ state: 'UNKNOWN', looksIntercepted: true });
    expect(r.reason).toMatch(/^answers from the roots look intercepted \(3\/13 roots/);
  });
  it('a majority intercepted outweighs a minority that answered properly', () => {
    const r = computeDrift({ now: T0, ours, answers: interceptedAnswers(7, Array(6).fill(N)) });
    expect(r).toMatchObject({ state: 'UNKNOWN', looksIntercepted: true });
  });
  it('a minority intercepted: the drift check stands, the instances are still listed', () => {
    const r = computeDrift({ now: T0, ours, answers: interceptedAnswers(2, Array(11).fill(N)) });
    expect(r).toMatchObject({ state: 'OK', looksIntercepted: false, reason: `serial ${N} matches 11/13 roots` });
    expect(r.intercepted).toHaveLength(2);
  });
  it('timeouts alone are "no root answered", not interception', () => {
    const r = computeDrift({ now: T0, ours, answers: answers(Array(13).fill(undefined)) });
    expect(r).toMatchObject({ state: 'UNKNOWN', looksIntercepted: false, reason: 'no root answered (0/13)', intercepted: [] });
  });
});

describe('liveSerial', () => {
  it.each([
    [[N, N, N], N],
    // 7 of 13 newer: a majority has it.
    [[...Array(7).fill(N + 1), ...Array(6).fill(N)], N + 1],
    // 6 of 13 newer: not yet.
    [[...Array(6).fill(N + 1), ...Array(7).fill(N)], N],
    // one rogue far ahead does not move it; a majority of "at least N+1" spread over two serials does.
    [[N + 1000, N, N], N],
    [[N + 2, N + 1, N + 1, N], N + 1],
    [[N + 2, N + 2, N + 1, N], N + 1],
    // RFC 1982 wrap: 0 is after 0xffffffff.
    [[0, 0, 0xffffffff], 0],
    [[], undefined],
    // two serials exactly 2^31 apart are incomparable: neither has a majority of two.
    [[0, 0x80000000], undefined],
  ])('%j -> %s', (s, want) => expect(liveSerial(s)).toBe(want));
});

describe('computeDrift', () => {
  const base = (serials: (number | undefined)[], extra: Partial<DriftInput> = {}): DriftInput => ({
    now: T0,
    ours: { serial: N, confirmedAt: T0 - 720_000, expiresAt: T0 + 7 * 24 * H },
    answers: answers(serials),
    ...extra,
  });

  it('all current: OK, 13/13', () => {
    const r = computeDrift(base(Array(13).fill(N)));
    expect(r).toMatchObject({ state: 'OK', liveSerial: N, behind: false, behindMs: 0, ageMs: 720_000, rootsMatching: 13, rootsAnswered: 13 });
    expect(r.reason).toBe('serial 2026082200 matches 13/13 roots');
    expect(r.disagreeing).toEqual([]);
  });

  it('some lagging: OK, lagging instances reported', () => {
    const r = computeDrift({ ...base([...Array(10).fill(N), N - 1, N - 1, N - 1]) });
    expect(r.state).toBe('OK');
    expect(r.disagreeing.map((d) => d.address)).toEqual(['127.0.1.11', '127.0.1.12', '127.0.1.13']);
  });

  it('a majority newer: behind, OK then WARNING then CRITICAL as time passes', () => {
    const s = [...Array(8).fill(N + 1), ...Array(5).fill(N)];
    const r0 = computeDrift(base(s));
    expect(r0).toMatchObject({ state: 'OK', behind: true, behindSince: T0, liveSerial: N + 1 });
    const r1 = computeDrift({ ...base(s), now: T0 + 2 * H + 1000, previous: r0 });
    expect(r1).toMatchObject({ state: 'WARNING', behindSince: T0, behindMs: 2 * H + 1000 });
    expect(r1.reason).toMatch(/behind live 2026082201 .* over 2\.0h/);
    const r2 = computeDrift({ ...base(s), now: T0 + 12 * H + 1000, previous: r1 });
    expect(r2.state).toBe('CRITICAL');
    // caught up: behindSince resets.
    const r3 = computeDrift({ ...base(s), now: T0 + 13 * H, previous: r2, ours: { serial: N + 1 } });
    expect(r3).toMatchObject({ state: 'OK', behind: false, behindSince: undefined });
  });

  it('without history, dates "behind" from the live SOA signature when asked to', () => {
    const a = answers(Array(13).fill(N + 1)).map((x) => ({ ...x, sigInception: T0 - 3 * H }) as ProbeResult);
    expect(computeDrift({ ...base([]), answers: a, estimateFromSignature: true })).toMatchObject({ state: 'WARNING', behindMs: 3 * H });
    expect(computeDrift({ ...base([]), answers: a })).toMatchObject({ state: 'OK', behindMs: 0 });
  });

  it('some silent: counted out of the vote, listed', () => {
    const r = computeDrift(base([...Array(9).fill(N), ...Array(4).fill(undefined)]));
    expect(r).toMatchObject({ state: 'OK', rootsAnswered: 9, rootsAsked: 13 });
    expect(r.silent).toHaveLength(4);
    expect(r.reason).toBe('serial 2026082200 matches 9/13 roots');
  });

  it('all silent: UNKNOWN', () => {
    const r = computeDrift(base(Array(13).fill(undefined)));
    expect(r).toMatchObject({ state: 'UNKNOWN', liveSerial: undefined, reason: 'no root answered (0/13)' });
  });

  it('expired or three failed verifications: CRITICAL even when no root answers', () => {
    const silent = Array(13).fill(undefined);
    expect(computeDrift({ ...base(silent), ours: { serial: N, expiresAt: T0 - 1000 } }).state).toBe('CRITICAL');
    expect(computeDrift({ ...base(Array(13).fill(N)), ours: { serial: N, failedVerifications: 3 } })).toMatchObject({
      state: 'CRITICAL',
      reason: 'last 3 refreshes failed verification',
    });
    expect(computeDrift({ ...base(Array(13).fill(N)), ours: { serial: N, failedVerifications: 2 } }).state).toBe('OK');
    expect(computeDrift({ ...base(Array(13).fill(N)), ours: { serial: undefined } }).state).toBe('CRITICAL');
  });

  it('a root counts once with its highest serial across addresses', () => {
    const a: ProbeResult[] = [
      { server: 'a.', address: '192.0.2.1', port: 53, ok: true, serial: N, transport: 'udp', rttMs: 1 },
      { server: 'a.', address: '2001:db8::1', port: 53, ok: true, serial: N + 1, transport: 'udp', rttMs: 1 },
      { server: 'b.', address: '192.0.2.2', port: 53, ok: true, serial: N + 1, transport: 'udp', rttMs: 1 },
      { server: 'c.', address: '192.0.2.3', port: 53, ok: true, serial: N, transport: 'udp', rttMs: 1 },
    ];
    const r = computeDrift({ ...base([]), answers: a });
    expect(r).toMatchObject({ liveSerial: N + 1, rootsAsked: 3, rootsAnswered: 3, rootsMatching: 2 });
    expect(r.disagreeing).toEqual([
      { server: 'a.', address: '192.0.2.1', serial: N },
      { server: 'c.', address: '192.0.2.3', serial: N },
    ]);
  });
});
