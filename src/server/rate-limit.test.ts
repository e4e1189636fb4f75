// RRL accounting with an injected clock: the limit, slip proportions, refill,
// what a client network is, the loopback exemption, the capped table under a
// spread of (spoofed) sources, and the TC=1 reply a slip sends.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Name } from '../dns/name.js';
import { RateLimiter, RateVerdict, isLoopbackAddress, truncatedReply, type RateLimitOptions } from './rate-limit.js';
import { errorResponse } from './respond.js';

const T0 = Date.UTC(2026, 11, 4);

function limiter(o: Partial<RateLimitOptions> = {}): { rl: RateLimiter; clock: ManualClock } {
  const clock = new ManualClock(T0);
  return { rl: new RateLimiter({ responsesPerSecond: 10, slip: 2, ipv4Prefix: 24, ipv6Prefix: 56, loopback: false, clock, ...o }), clock };
}

/** Verdicts for `n` responses to `address` at the current instant, counted. */
function burst(rl: RateLimiter, address: string, n: number): { send: number; drop: number; slip: number } {
  const out = { send: 0, drop: 0, slip: 0 };
  for (let i = 0; i < n; i++) {
    const v = rl.check(address);
    if (v === RateVerdict.send) out.send++;
    else if (v === RateVerdict.drop) out.drop++;
    else out.slip++;
  }
  return out;
}

describe('RateLimiter: a token bucket of N responses per second per client network', () => {
  it('below the limit nothing is dropped or slipped: N-1 at once, then N per second for a minute', () => {
    const { rl, clock } = limiter();
    expect(burst(rl, '192.0.2.1', 9)).toEqual({ send: 9, drop: 0, slip: 0 });
    clock.advance(1000);
    for (let s = 0; s < 60; s++)
      for (let i = 0; i < 10; i++) {
        expect(rl.check('192.0.2.1')).toBe(RateVerdict.send);
        clock.advance(100);
      }
  });

  it('above it: the first N go, then drops and slips alternate (slip 2, BIND default)', () => {
    const { rl } = limiter();
    expect(burst(rl, '192.0.2.1', 30)).toEqual({ send: 10, drop: 10, slip: 10 });
  });

  it('slip 0 never slips, slip 1 always does, slip 3 every third', () => {
    expect(burst(limiter({ slip: 0 }).rl, '192.0.2.1', 40)).toEqual({ send: 10, drop: 30, slip: 0 });
    expect(burst(limiter({ slip: 1 }).rl, '192.0.2.1', 40)).toEqual({ send: 10, drop: 0, slip: 30 });
    expect(burst(limiter({ slip: 3 }).rl, '192.0.2.1', 40)).toEqual({ send: 10, drop: 20, slip: 10 });
  });

  it('refills at the rate, up to one second of burst', () => {
    const { rl, clock } = limiter();
    burst(rl, '192.0.2.1', 10);
    clock.advance(500);
    expect(burst(rl, '192.0.2.1', 10).send).toBe(5);
    clock.advance(60_000);
    expect(burst(rl, '192.0.2.1', 20).send).toBe(10);
  });

  it('a clock stepping back refills nothing and breaks nothing', () => {
    const { rl, clock } = limiter();
    burst(rl, '192.0.2.1', 10);
    clock.advance(-5000);
    expect(burst(rl, '192.0.2.1', 4)).toEqual({ send: 0, drop: 2, slip: 2 });
  });

  it('a client network is a /24 (IPv4) or a /56 (IPv6); IPv4-mapped IPv6 counts as IPv4', () => {
    const { rl } = limiter();
    expect(burst(rl, '192.0.2.1', 6).send).toBe(6);
    expect(burst(rl, '192.0.2.250', 6).send).toBe(4);
    expect(burst(rl, '::ffff:192.0.2.9', 1).send).toBe(0);
    expect(burst(rl, '192.0.3.1', 10).send).toBe(10);
    expect(burst(rl, '2001:db8:0:1::1', 6).send).toBe(6);
    expect(burst(rl, '2001:db8:0:2:ffff:ffff:ffff:ffff', 6).send).toBe(4);
    expect(burst(rl, '2001:db8:0:100::1', 10).send).toBe(10);
    expect(burst(rl, '2001:DB8:0:1:0:0:0:7%eth0', 1).send).toBe(0);
  });

  it('other prefix lengths: /32 and /128 are single hosts, /0 is everyone', () => {
    const hosts = limiter({ ipv4Prefix: 32, ipv6Prefix: 128 }).rl;
    expect(burst(hosts, '192.0.2.1', 10).send).toBe(10);
    expect(burst(hosts, '192.0.2.2', 10).send).toBe(10);
    expect(burst(hosts, '2001:db8::1', 10).send).toBe(10);
    expect(burst(hosts, '2001:db8::2', 10).send).toBe(10);
    const everyone = limiter({ ipv4Prefix: 0 }).rl;
    expect(burst(everyone, '192.0.2.1', 6).send + burst(everyone, '203.0.113.1', 6).send).toBe(10);
  });

  it('loopback clients are never limited (a resolver on this host), unless asked to be', () => {
    const open = limiter().rl;
    for (const a of ['127.0.0.1', '127.53.53.53', '::1', '::ffff:127.0.0.1']) expect(burst(open, a, 100).send, a).toBe(100);
    const strict = limiter({ loopback: true }).rl;
    for (const a of ['127.0.0.1', '::1']) expect(burst(strict, a, 100).send, a).toBe(10);
  });

  it('an address it cannot read is sent, not limited', () => {
    const { rl } = limiter();
    for (const a of ['', 'localhost', '1.2.3', '1:2:3', '1::2::3', '1.2.3.999']) expect(burst(rl, a, 20).send, a).toBe(20);
  });
});

describe('RateLimiter: the table is capped, whatever the spread of sources', () => {
  const spoofed = (i: number): string => `${10 + (i >>> 16)}.${(i >>> 8) & 0xff}.${i & 0xff}.1`;

  it('100,000 networks in a 1,024-slot table use at most 1,024 slots', () => {
    const { rl, clock } = limiter({ tableSize: 1000 });
    expect(rl.capacity).toBe(1024);
    for (let i = 0; i < 100_000; i++) {
      rl.check(spoofed(i));
      if (i % 100 === 0) clock.advance(1);
    }
    expect(rl.used).toBeLessThanOrEqual(1024);
    expect(rl.used).toBeGreaterThan(900);
  });

  it('a network over its limit stays limited through a flood of new sources (least recently used slots go first)', () => {
    const { rl, clock } = limiter({ tableSize: 1024, slip: 0 });
    let sent = 0;
    // 10 s: the flood brings 3 new networks every millisecond (3x the table per second); the abuser asks 100 times a second.
    for (let ms = 0, n = 0; ms < 10_000; ms++) {
      for (let j = 0; j < 3; j++) rl.check(spoofed(n++));
      if (ms % 10 === 0 && rl.check('198.51.100.7') === RateVerdict.send) sent++;
      clock.advance(1);
    }
    // 10 of burst, then 10 a second: about 110 of its 1,000; a forgotten slot would let it through at full rate.
    expect(sent).toBeGreaterThanOrEqual(100);
    expect(sent).toBeLessThanOrEqual(111);
  });
});

describe('truncatedReply: what a slip sends', () => {
  const q = { qname: Name.fromText('example.'), qtype: 6, qclass: 1 };
  const counts = (m: Uint8Array): number[] => [4, 6, 8, 10].map((o) => (m[o]! << 8) | m[o + 1]!);

  it('header and question, TC set, no records; our OPT kept when the response had one', () => {
    const withOpt = errorResponse(0x1234, 0, true, false, 0, q, { payload: 1232, version: 0, dnssecOk: true });
    const out = truncatedReply(withOpt);
    expect(out[2]! & 0x02).toBe(0x02);
    expect(out[2]! & 0x01).toBe(0x01); // RD echoed still
    expect(counts(out)).toEqual([1, 0, 0, 1]);
    expect(Buffer.from(out.subarray(12, 12 + 9 + 4))).toEqual(Buffer.from(withOpt.subarray(12, 12 + 9 + 4)));
    expect(Buffer.from(out.subarray(out.length - 11))).toEqual(Buffer.from(withOpt.subarray(withOpt.length - 11)));
    expect(out.length).toBe(12 + 13 + 11);

    const plain = truncatedReply(errorResponse(0x1234, 0, false, false, 0, q, undefined));
    expect(counts(plain)).toEqual([1, 0, 0, 0]);
    expect(plain.length).toBe(12 + 13);
  });

  it('a header-only response stays a header', () => {
    const out = truncatedReply(errorResponse(0x1234, 0, false, false, 1, undefined, undefined));
    expect(out.length).toBe(12);
    expect(counts(out)).toEqual([0, 0, 0, 0]);
    expect(out[2]! & 0x02).toBe(0x02);
  });
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.53.53.53', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.0.2.1', false],
    ['2001:db8::1', false],
  ])('%s → %s', (a, expected) => expect(isLoopbackAddress(a)).toBe(expected));
});
