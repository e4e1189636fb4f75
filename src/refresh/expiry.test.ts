import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { ZoneStore } from '../zone/store.js';
import { rrsigTimeToMs } from '../dns/serial.js';
import { apexSignatureExpiry } from '../verify/signature-expiry.js';
import { expiryDeadline, ExpiryWatch } from './expiry.js';

const at = (iso: string): number => Date.parse(iso);

/** RRSIG RDATA (RFC 4034 §3.1) with the fields that matter here; signer ".", empty signature. */
function rrsig(covered: number, expiration: number, inception: number): Uint8Array {
  const b = new Uint8Array(18 + 1);
  const v = new DataView(b.buffer);
  v.setUint16(0, covered);
  v.setUint8(2, 8);
  v.setUint8(3, 0);
  v.setUint32(4, 86400);
  v.setUint32(8, expiration);
  v.setUint32(12, inception);
  v.setUint16(16, 20326);
  b[18] = 0;
  return b;
}
const sec = (iso: string): number => at(iso) / 1000;

describe('rrsigTimeToMs (RFC 4034 §3.1.5 serial arithmetic on 32-bit seconds)', () => {
  it('maps times near now directly', () => {
    const now = at('2026-08-01T00:00:00Z');
    expect(rrsigTimeToMs(sec('2026-08-13T20:00:00Z'), now)).toBe(at('2026-08-13T20:00:00Z'));
    expect(rrsigTimeToMs(sec('2026-07-31T19:00:00Z'), now)).toBe(at('2026-07-31T19:00:00Z'));
  });
  it('maps a 32-bit time past 2106 across the wrap', () => {
    const now = at('2106-02-07T06:00:00Z'); // 2^32 s is 2106-02-07T06:28:16Z
    const later = at('2106-02-10T00:00:00Z');
    expect(rrsigTimeToMs((later / 1000) % 2 ** 32, now)).toBe(later);
  });
});

describe('apexSignatureExpiry', () => {
  const root = Name.root;
  const rec = (name: Name, rdata: Uint8Array): ResourceRecord => ({ name, type: 46, class: 1, ttl: 86400, rdata });
  it('takes the earliest apex RRSIG over SOA or ZONEMD, ignoring others', () => {
    const now = at('2026-08-01T00:00:00Z');
    const recs = [
      rec(root, rrsig(6, sec('2026-08-13T20:00:00Z'), sec('2026-07-31T19:00:00Z'))),
      rec(root, rrsig(63, sec('2026-08-12T00:00:00Z'), sec('2026-07-31T19:00:00Z'))),
      rec(root, rrsig(48, sec('2026-08-02T00:00:00Z'), sec('2026-07-31T19:00:00Z'))), // DNSKEY: not counted
      rec(Name.fromText('com.'), rrsig(6, sec('2026-08-01T01:00:00Z'), 0)), // not the apex
    ];
    expect(apexSignatureExpiry(recs, root, now)).toBe(at('2026-08-12T00:00:00Z'));
    expect(apexSignatureExpiry([], root, now)).toBeUndefined();
  });
});

describe('expiryDeadline / ExpiryWatch', () => {
  it('is confirmedAt + SOA expire, or the signature expiration when earlier', () => {
    const c = at('2026-11-01T00:00:00Z');
    expect(expiryDeadline({ confirmedAt: c, soaExpire: 604800, signaturesExpireAt: undefined }).at).toBe(c + 7 * 86400_000);
    const d = expiryDeadline({ confirmedAt: c, soaExpire: 604800, signaturesExpireAt: c + 86400_000 });
    expect(d.at).toBe(c + 86400_000);
    expect(d.reason).toMatch(/RRSIGs over the apex SOA\/ZONEMD expired at 2026-11-02T00:00:00.000Z/);
    expect(expiryDeadline({ confirmedAt: c, soaExpire: 604800, signaturesExpireAt: c + 8 * 86400_000 }).at).toBe(c + 7 * 86400_000);
  });

  it('marks the store unavailable at the deadline, not before', () => {
    const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
    const store = new ZoneStore('fallback');
    const states: string[] = [];
    store.on('state', (s) => states.push(s.kind));
    const w = new ExpiryWatch(store, clock);
    expect(w.check()).toBeUndefined(); // nothing held
    w.update({ confirmedAt: clock.now(), soaExpire: 604800, signaturesExpireAt: undefined });
    clock.advance(604800_000 - 1);
    expect(w.check()).toBeUndefined();
    expect(w.isServable()).toBe(true);
    clock.advance(1);
    expect(w.check()).toMatch(/^zone expired: not confirmed current since 2026-11-01T00:00:00.000Z/);
    expect(w.isServable()).toBe(false);
    expect(store.state.kind).toBe('unavailable');
    if (store.state.kind === 'unavailable') expect(store.state.onExpired).toBe('fallback');
    w.check();
    expect(states).toEqual(['unavailable']); // idempotent: one state event
  });
});
