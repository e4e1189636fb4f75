// The hand-written (regex-free) field parsers checked against references:
// Node's isIPv4/isIPv6 for validity, dns-packet's encoder for IPv6 octets,
// Date for RRSIG times, Buffer for base64/hex.
import packet from 'dns-packet';
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Name } from './name.js';
import { RdataError } from './rdata/rdata-error.js';
import { rdataFromText, rdataToText } from './rdata.js';
import type { TextToken } from './rdata/text-token.js';
import { RRType } from './types.js';

const one = (text: string): TextToken[] => [{ text, quoted: false, line: 1, col: 1 }];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const aaaa = (s: string): Uint8Array => rdataFromText(RRType.AAAA, one(s), Name.root);

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('IPv6 parser', () => {
  const valid = [
    '::', '::1', '1::', '2001:db8::1', '2001:DB8:0:0:8:800:200C:417A', 'ff01::101', '::ffff:192.0.2.128',
    '::13.1.68.3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', '1::8', '1:2:3:4:5:6:7::', 'fe80::',
  ];
  it.each(valid)('%s encodes like dns-packet', (s) => {
    const ref = packet.encode({ type: 'response', answers: [{ type: 'AAAA', name: '.', ttl: 0, data: s }] });
    expect(hex(aaaa(s))).toBe(ref.subarray(ref.length - 16).toString('hex'));
  });
  it('reads a leading "::" standing for one zero group (dns-packet gets this one wrong)', () => {
    expect(hex(aaaa('::2:3:4:5:6:7:8'))).toBe('00000002000300040005000600070008');
    expect(hex(aaaa('1:2:3:4:5:6:7::'))).toBe('00010002000300040005000600070000');
  });

  const invalid = [
    '', ':', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2::3', '12345::', 'g::', '1:', ':1', '1:2:3:4:5:6:7:8::',
    '::1.2.3', '::1.2.3.256', '::01.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', ' ::1', '::1 ', '1.2.3.4', '::1.2.3.4:5',
  ];
  it.each(invalid)('%j is rejected (and Node agrees)', (s) => {
    expect(isIPv6(s)).toBe(false);
    expect(() => aaaa(s)).toThrow(RdataError);
  });
  it('rejects a zone index, which Node accepts but RDATA cannot carry', () => {
    expect(() => aaaa('fe80::1%eth0')).toThrow(RdataError);
  });

  it('agrees with Node and dns-packet on 3000 random addresses in random text forms', () => {
    const r = rng(6);
    for (let n = 0; n < 3000; n++) {
      const groups = Array.from({ length: 8 }, () => (r() < 0.4 ? 0 : Math.floor(r() * 0x10000)));
      let parts = groups.map((g) => g.toString(16).padStart(r() < 0.3 ? 4 : 1, '0'));
      if (r() < 0.3) parts = parts.map((p) => p.toUpperCase());
      let s = parts.join(':');
      // Compress one random run of zero groups (any length ≥ 1) with "::".
      const i = groups.indexOf(0);
      if (i >= 0 && r() < 0.7) {
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        s = parts.slice(0, i).join(':') + '::' + parts.slice(j).join(':');
      }
      expect(isIPv6(s), s).toBe(true);
      const want = Buffer.from(groups.flatMap((g) => [g >> 8, g & 0xff])).toString('hex');
      expect(hex(aaaa(s)), s).toBe(want);
      expect(hex(aaaa(rdataToText(RRType.AAAA, aaaa(s)))), s).toBe(want);
    }
  });
});

describe('IPv4 parser', () => {
  it.each(['0.0.0.0', '255.255.255.255', '192.0.2.1', '10.0.0.10'])('%s', (s) => {
    expect(rdataToText(RRType.A, rdataFromText(RRType.A, one(s), Name.root))).toBe(s);
  });
  it.each(['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.4.', '.1.2.3', '1.2.3.-4', '1.2.3.4a', '١.2.3.4'])('%j is rejected', (s) => {
    expect(isIPv4(s)).toBe(false);
    expect(() => rdataFromText(RRType.A, one(s), Name.root)).toThrow(/IPv4/);
  });
  it('rejects a quoted address', () => {
    expect(() => rdataFromText(RRType.A, [{ text: '192.0.2.1', quoted: true, line: 1, col: 1 }], Name.root)).toThrow(RdataError);
  });
});

describe('RRSIG time fields (RFC 4034 §3.2)', () => {
  const sig = (exp: string): Uint8Array =>
    rdataFromText(RRType.RRSIG, 'A 8 1 1 X 20250101000000 1 . AAAA'.split(' ').map((t) => ({ text: t === 'X' ? exp : t, quoted: false, line: 1, col: 1 })), Name.root);
  const expiration = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(8);

  it('matches Date.UTC on random dates 1970-2105, and prints back the same text', () => {
    const r = rng(42);
    for (let n = 0; n < 2000; n++) {
      const ms = Math.floor(r() * 0xffffffff) * 1000;
      const text = new Date(ms).toISOString().replace(/[-T:]/g, '').slice(0, 14);
      const b = sig(text);
      expect(expiration(b), text).toBe(ms / 1000);
      expect(rdataToText(RRType.RRSIG, b).split(' ')[4]).toBe(text);
    }
  });
  it('accepts leap days only in leap years, and plain seconds', () => {
    expect(expiration(sig('20240229000000'))).toBe(Date.UTC(2024, 1, 29) / 1000);
    expect(expiration(sig('20000229000000'))).toBe(Date.UTC(2000, 1, 29) / 1000);
    expect(() => sig('21000229000000')).toThrow(/valid date/);
    expect(() => sig('20250229000000')).toThrow(/valid date/);
    expect(() => sig('20250431000000')).toThrow(/valid date/);
    expect(() => sig('20251301000000')).toThrow(/valid date/);
    expect(() => sig('20250101240000')).toThrow(/valid date/);
    expect(() => sig('2025010100000x')).toThrow(/valid date/);
    expect(expiration(sig('4294967295'))).toBe(4294967295);
    expect(() => sig('4294967296')).toThrow(/range/);
    expect(() => sig('123456789012')).toThrow(/bad signature expiration/);
  });
  it('wraps dates after 2106 modulo 2^32 (serial number arithmetic)', () => {
    expect(expiration(sig('21060207062816'))).toBe(0);
  });
});

describe('base64 and hex fields', () => {
  const key = (...parts: string[]): Uint8Array =>
    rdataFromText(RRType.DNSKEY, ['256', '3', '8', ...parts].map((t) => ({ text: t, quoted: false, line: 1, col: 1 })), Name.root);
  it('decodes like Buffer, split or not, with and without padding', () => {
    const r = rng(7);
    for (let n = 1; n < 200; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
      const b64 = bytes.toString('base64');
      expect(hex(key(b64).subarray(4))).toBe(bytes.toString('hex'));
      const cut = Math.floor(r() * b64.length);
      if (cut > 0) expect(hex(key(b64.slice(0, cut), b64.slice(cut)).subarray(4))).toBe(bytes.toString('hex'));
    }
  });
  it.each(['AAA', 'AA=A', 'A===', 'AA*A', 'AAAAA===', 'AA-_', 'AAÀA'])('rejects base64 %j', (s) => {
    expect(() => key(s)).toThrow(/base64/);
  });
  it('decodes hex digests in either case, split over tokens', () => {
    const ds = (...d: string[]): string =>
      hex(rdataFromText(RRType.DS, ['1', '8', '2', ...d].map((t) => ({ text: t, quoted: false, line: 1, col: 1 })), Name.root).subarray(4));
    expect(ds('abCD', 'eF01')).toBe('abcdef01');
    expect(() => ds('ABC')).toThrow(/hex/);
    expect(() => ds('AB', 'C')).toThrow(/hex/);
    expect(() => ds('AG')).toThrow(/hex/);
    expect(() => ds('ÀB')).toThrow(/hex/);
  });
  it('rejects RDATA longer than 65535 octets', () => {
    const big = Buffer.alloc(65535 - 3).toString('base64');
    expect(() => key(big)).toThrow(/65535/);
    expect(key(Buffer.alloc(65535 - 4).toString('base64')).length).toBe(65535);
  });
});
