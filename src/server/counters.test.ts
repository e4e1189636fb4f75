// ServerCounters.countQuery: one entry per (transport, qtype, rcode), keyed as
// `${transport} ${qtype} ${rcode}` (what serve.ts hands to /metrics).
import { describe, expect, it } from 'vitest';
import { ServerCounters } from './counters.js';

describe('ServerCounters.countQuery', () => {
  it('counts each transport, qtype and rcode apart, and the same triple together', () => {
    const c = new ServerCounters();
    const seen: [transport: 'udp' | 'tcp', qtype: number, rcode: number][] = [
      ['udp', 1, 0],
      ['udp', 1, 0],
      ['tcp', 1, 0],
      ['udp', 1, 3],
      ['udp', 28, 0],
      ['udp', 65535, 0],
      ['udp', 41, 16], // BADVERS: an extended rcode
      ['tcp', 252, 5],
      ['udp', 1, 0],
    ];
    for (const [t, q, r] of seen) c.countQuery(t, q, r);
    expect(Object.fromEntries(c.queries)).toEqual({
      'udp 1 0': 3,
      'tcp 1 0': 1,
      'udp 1 3': 1,
      'udp 28 0': 1,
      'udp 65535 0': 1,
      'udp 41 16': 1,
      'tcp 252 5': 1,
    });
    expect(c.totalQueries).toBe(seen.length);
  });
});
