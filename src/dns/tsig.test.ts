import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { MessageWriter, Section } from './message-writer.js';
import { Name } from './name.js';
import { TsigStreamSigner, TsigStreamVerifier, signRequest, signResponse, tsigErrorResponse, verifyRequest, verifyResponse, type TsigVerified } from './tsig.js';
import { TsigKeyring, algorithmByName, type TsigKey } from './tsig-keys.js';
import { appendTsig, encodeTsig, locateTsig } from './tsig-record.js';

const T0 = Date.UTC(2026, 0, 1);
const key = (name: string, alg = 'hmac-sha256', fill = 7): TsigKey => {
  const algorithm = algorithmByName(alg)!;
  return { name: Name.fromText(name), algorithm, secret: new Uint8Array(algorithm.macLength).fill(fill), line: 0 };
};
const K = key('xfr-key.');

function query(id = 0x1234, qname = 'example.'): Uint8Array {
  const w = new MessageWriter();
  w.addQuestion(Name.fromText(qname), 252, 1);
  return w.finish({ id, flags: 0 });
}

function answer(id: number, n: number): Uint8Array {
  const w = new MessageWriter();
  w.addQuestion(Name.fromText('example.'), 252, 1);
  w.addRecord({ name: Name.fromText(`h${n}.example.`), type: 1, class: 1, ttl: 60, rdata: Uint8Array.of(192, 0, 2, n & 0xff) }, Section.answer);
  return w.finish({ id, flags: 0x8400 });
}

describe('sign and verify a request (RFC 8945 §5.1, §5.2)', () => {
  it.each(['hmac-sha256', 'hmac-sha384', 'hmac-sha512'])('%s round-trips; the key name is compared case-insensitively', (alg) => {
    const clock = new ManualClock(T0);
    const signer = key('XFR-Key.', alg);
    const s = signRequest(query(), signer, { clock });
    expect(s.mac.length).toBe(signer.algorithm.macLength);
    const v = verifyRequest(s.message, new TsigKeyring([key('xfr-key.', alg)]), { clock });
    expect(v.status).toBe('verified');
  });

  it('no TSIG is "unsigned", the caller decides', () => {
    expect(verifyRequest(query(), new TsigKeyring([K]), { clock: new ManualClock(T0) }).status).toBe('unsigned');
  });

  it('unknown key or another algorithm → BADKEY; another secret or a changed octet → BADSIG', () => {
    const clock = new ManualClock(T0);
    const s = signRequest(query(), K, { clock }).message;
    const verdict = (m: Uint8Array, ring: TsigKey[]): string => {
      const v = verifyRequest(m, new TsigKeyring(ring), { clock });
      return v.status === 'rejected' ? v.error : v.status;
    };
    expect(verdict(s, [key('other.')])).toBe('BADKEY');
    expect(verdict(s, [key('xfr-key.', 'hmac-sha512')])).toBe('BADKEY');
    expect(verdict(s, [key('xfr-key.', 'hmac-sha256', 8)])).toBe('BADSIG');
    const flipped = s.slice();
    flipped[3] ^= 0x01; // header flags are digested too
    expect(verdict(flipped, [K])).toBe('BADSIG');
  });

  it('a forwarder may change the header ID: the digest uses Original ID (RFC 8945 §4.3.2)', () => {
    const clock = new ManualClock(T0);
    const s = signRequest(query(0x1234), K, { clock }).message.slice();
    s[0] = 0xbe;
    s[1] = 0xef;
    expect(verifyRequest(s, new TsigKeyring([K]), { clock }).status).toBe('verified');
  });

  it('time: fudge 300 s either way is accepted, 301 s is BADTIME with our time (RFC 8945 §5.2.3)', () => {
    const s = signRequest(query(), K, { clock: new ManualClock(T0) }).message;
    const at = (ms: number) => verifyRequest(s, new TsigKeyring([K]), { clock: new ManualClock(T0 + ms) });
    expect(at(300_000).status).toBe('verified');
    expect(at(-300_000).status).toBe('verified');
    const late = at(301_000);
    expect(late).toMatchObject({ status: 'rejected', error: 'BADTIME', macValid: true, serverTime: T0 / 1000 + 301 });
  });

  it('truncated MACs (RFC 8945 §5.2.2.1, §5.2.4): refused with BADTRUNC by default, accepted down to the policy minimum, FORMERR below max(10, L/2) or above L', () => {
    const clock = new ManualClock(T0);
    const msg = query();
    const full = signRequest(msg, K, { clock });
    const withMac = (mac: Uint8Array): Uint8Array => {
      const r = locateTsig(full.message);
      if (r.kind !== 'found') throw new Error('no tsig');
      return appendTsig(msg, encodeTsig({ ...r.record, mac }));
    };
    const ring = new TsigKeyring([K]);
    const error = (m: Uint8Array, minMacLength?: number): string => {
      const v = verifyRequest(m, ring, minMacLength === undefined ? { clock } : { clock, minMacLength });
      return v.status === 'rejected' ? v.error : v.status;
    };
    expect(error(withMac(full.mac.slice(0, 16)))).toBe('BADTRUNC');
    expect(error(withMac(full.mac.slice(0, 16)), 16)).toBe('verified');
    expect(error(withMac(full.mac.slice(0, 20)), 24)).toBe('BADTRUNC');
    expect(error(withMac(full.mac.slice(0, 15)), 10)).toBe('FORMERR');
    expect(error(withMac(Uint8Array.of(...full.mac, 0)))).toBe('FORMERR');
    const wrong = full.mac.slice(0, 16);
    wrong[15] ^= 1;
    expect(error(withMac(wrong), 16)).toBe('BADSIG');
  });

  it('malformed: TSIG not last, cut short, or trailing octets → FORMERR', () => {
    const clock = new ManualClock(T0);
    const ring = new TsigKeyring([K]);
    const s = signRequest(query(), K, { clock }).message;
    const r = locateTsig(s);
    if (r.kind !== 'found') throw new Error('no tsig');
    const twice = appendTsig(s, encodeTsig(r.record));
    for (const m of [twice, s.subarray(0, s.length - 3), Uint8Array.of(...s, 0), s.subarray(0, 5)]) {
      expect(verifyRequest(m, ring, { clock })).toMatchObject({ status: 'rejected', error: 'FORMERR' });
    }
  });
});

describe('responses and error responses (RFC 8945 §5.3, §5.4)', () => {
  const clock = new ManualClock(T0);
  const request = signRequest(query(), K, { clock });
  const verified = verifyRequest(request.message, new TsigKeyring([K]), { clock }) as TsigVerified;

  it('a signed response verifies only against its own request MAC', () => {
    const resp = signResponse(answer(0x1234, 1), verified, { clock }).message;
    expect(verifyResponse(resp, K, request.mac, { clock }).status).toBe('verified');
    const other = signRequest(query(0x1234, 'other.'), K, { clock });
    expect(verifyResponse(resp, K, other.mac, { clock })).toMatchObject({ status: 'rejected', error: 'BADSIG' });
    expect(verifyResponse(answer(0x1234, 1), K, request.mac, { clock })).toMatchObject({ status: 'rejected', error: 'UNSIGNED' });
  });

  it('BADSIG and BADKEY come back unsigned with NOTAUTH; the client reports them as the peer\'s error', () => {
    for (const ring of [[key('xfr-key.', 'hmac-sha256', 9)], [key('someone-else.')]]) {
      const v = verifyRequest(request.message, new TsigKeyring(ring), { clock });
      if (v.status !== 'rejected') throw new Error('expected a rejection');
      const resp = tsigErrorResponse(request.message, v, { clock });
      expect(resp[3]! & 0xf).toBe(9);
      const found = locateTsig(resp);
      expect(found.kind === 'found' && found.record.mac.length).toBe(0);
      expect(verifyResponse(resp, K, request.mac, { clock })).toMatchObject({ status: 'rejected', by: 'peer', error: v.error, macValid: false });
    }
  });

  it('BADTIME comes back signed, with the request\'s time and ours in Other Data; the client authenticates it', () => {
    const skewed = new ManualClock(T0 + 600_000);
    const v = verifyRequest(request.message, new TsigKeyring([K]), { clock: skewed });
    if (v.status !== 'rejected') throw new Error('expected a rejection');
    const resp = tsigErrorResponse(request.message, v, { clock: skewed });
    expect(verifyResponse(resp, K, request.mac, { clock })).toMatchObject({ status: 'rejected', by: 'peer', error: 'BADTIME', macValid: true, serverTime: T0 / 1000 + 600 });
    // A forged BADTIME (another key) does not authenticate.
    expect(verifyResponse(resp, key('xfr-key.', 'hmac-sha256', 3), request.mac, { clock })).toMatchObject({ status: 'rejected', by: 'us', error: 'BADSIG' });
  });

  it('FORMERR comes back without TSIG, with the question', () => {
    const v = verifyRequest(request.message.subarray(0, request.message.length - 2), new TsigKeyring([K]), { clock });
    if (v.status !== 'rejected') throw new Error('expected a rejection');
    const resp = tsigErrorResponse(request.message, v, { clock });
    expect(resp[3]! & 0xf).toBe(1);
    expect(locateTsig(resp).kind).toBe('none');
    expect(Buffer.from(resp.subarray(12)).equals(Buffer.from(query().subarray(12)))).toBe(true);
  });
});

describe('multi-message TCP responses (RFC 8945 §5.3.1)', () => {
  const clock = new ManualClock(T0);
  const request = signRequest(query(), K, { clock });
  const verified = verifyRequest(request.message, new TsigKeyring([K]), { clock }) as TsigVerified;
  /** `plan[i]` true: message i signed. */
  const stream = (plan: boolean[]): Uint8Array[] => {
    const s = new TsigStreamSigner(verified, { clock });
    return plan.map((signed, i) => (signed ? s.sign(answer(0x1234, i)) : s.pass(answer(0x1234, i))));
  };
  const run = (msgs: Uint8Array[]) => {
    const v = new TsigStreamVerifier(K, request.mac, { clock });
    const each = msgs.map((m) => v.add(m).status);
    return { each, final: v.finish() };
  };

  it('every message signed, or 99 unsigned between signed ones: verified', () => {
    expect(run(stream([true, true, true])).final.status).toBe('verified');
    const plan = [true, ...Array<boolean>(99).fill(false), true, false, true];
    const r = run(stream(plan));
    expect(r.final.status).toBe('verified');
    expect(r.each.filter((s) => s === 'unsigned').length).toBe(100);
  });

  it('a changed unsigned message is caught at the next signed one; reordering too', () => {
    const msgs = stream([true, false, false, true]);
    const tampered = msgs.map((m) => m.slice());
    tampered[2]![tampered[2]!.length - 1] ^= 1;
    expect(run(tampered).final).toMatchObject({ status: 'rejected', error: 'BADSIG' });
    const swapped = stream([true, true, true]);
    expect(run([swapped[0]!, swapped[2]!, swapped[1]!]).final).toMatchObject({ status: 'rejected', error: 'BADSIG' });
  });

  it('100 unsigned in a row, an unsigned last message, an unsigned first message: rejected', () => {
    const signer = new TsigStreamSigner(verified, { clock });
    const msgs = [signer.sign(answer(0x1234, 0)), ...Array.from({ length: 100 }, (_, i) => answer(0x1234, i + 1))];
    const r = run(msgs);
    expect(r.each.at(-1)).toBe('rejected');
    expect(r.final).toMatchObject({ status: 'rejected', error: 'UNSIGNED' });
    expect(run(stream([true, true, false])).final).toMatchObject({ status: 'rejected', error: 'UNSIGNED' });
    expect(run([answer(0x1234, 0), ...stream([true]).slice(0)]).final).toMatchObject({ status: 'rejected', error: 'UNSIGNED' });
  });

  it('a later message signed too long ago is BADTIME', () => {
    const signer = new TsigStreamSigner(verified, { clock: new ManualClock(T0) });
    const first = signer.sign(answer(0x1234, 0));
    const second = signer.sign(answer(0x1234, 1));
    const v = new TsigStreamVerifier(K, request.mac, { clock: new ManualClock(T0 + 200_000) });
    expect(v.add(first).status).toBe('verified');
    const atLater = new TsigStreamVerifier(K, request.mac, { clock: new ManualClock(T0 + 400_000) });
    expect(atLater.add(first)).toMatchObject({ status: 'rejected', error: 'BADTIME' });
    expect(v.add(second).status).toBe('verified');
  });
});

describe('locateTsig on a Buffer (a received TCP frame)', () => {
  it('leaves the message as it was: a second look finds the same TSIG', () => {
    const signed = Buffer.from(signRequest(query(), K, { clock: new ManualClock(T0) }).message);
    const copy = Buffer.from(signed);
    expect(locateTsig(signed).kind).toBe('found');
    expect(signed.equals(copy)).toBe(true);
    expect(locateTsig(signed).kind).toBe('found');
  });
});
