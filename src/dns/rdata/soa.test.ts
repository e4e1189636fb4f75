import { describe, expect, it } from 'vitest';
import { Name } from '../name.js';
import { decodeSoa } from './soa.js';

// Moved from refresh/expiry.test.ts (its soaTimers was a second SOA decoder).
describe('decodeSoa', () => {
  it('reads the five 32-bit fields after the two names (RFC 1035 §3.3.13)', () => {
    const m = Name.fromText('a.root-servers.net.').wire;
    const r = Name.fromText('nstld.verisign-grs.com.').wire;
    const b = new Uint8Array(m.length + r.length + 20);
    b.set(m);
    b.set(r, m.length);
    const v = new DataView(b.buffer, m.length + r.length);
    [2026082200, 1800, 900, 604800, 86400].forEach((x, i) => v.setUint32(i * 4, x));
    const { serial, refresh, retry, expire, minimum } = decodeSoa(b);
    expect({ serial, refresh, retry, expire, minimum }).toEqual({ serial: 2026082200, refresh: 1800, retry: 900, expire: 604800, minimum: 86400 });
  });
});
