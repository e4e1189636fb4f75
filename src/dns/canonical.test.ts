import { describe, expect, it } from 'vitest';
import { canonicalRecordWire, canonicalRdataSet } from './canonical.js';
import { compareBytes } from '../bytes.js';
import { Name } from './name.js';
import { rdataFromText } from './rdata.js';
import { RRType } from './types.js';

const tok = (s: string) => s.split(' ').map((text) => ({ text, quoted: false, line: 1, col: 1 }));

describe('canonical form (RFC 4034 §6.2, §6.3)', () => {
  it('lower-cases the owner and names inside RDATA, keeps everything else', () => {
    const owner = Name.fromText('ExAmple.COM.');
    const rdata = rdataFromText(RRType.NS, tok('NS1.Example.COM.'), Name.root);
    const wire = canonicalRecordWire(owner, RRType.NS, 1, 3600, rdata);
    const expected = Buffer.concat([
      Buffer.from('076578616d706c6503636f6d00', 'hex'),
      Buffer.from('0002' + '0001' + '00000e10' + '0011', 'hex'),
      Buffer.from('036e7331076578616d706c6503636f6d00', 'hex'),
    ]);
    expect(Buffer.from(wire).toString('hex')).toBe(expected.toString('hex'));
  });

  it('leaves names in TXT-like RDATA alone (only the §6.2 list is folded)', () => {
    const rdata = rdataFromText(RRType.TXT, [{ text: 'ABC', quoted: true, line: 1, col: 1 }], Name.root);
    const wire = canonicalRecordWire(Name.root, RRType.TXT, 1, 0, rdata);
    expect(Buffer.from(wire.subarray(12)).toString()).toBe('ABC');
  });

  it('orders RDATA as octet strings, shorter first, and drops duplicates', () => {
    const a = Uint8Array.of(1, 2);
    const b = Uint8Array.of(1, 2, 0);
    const c = Uint8Array.of(0, 255);
    expect(compareBytes(a, b)).toBeLessThan(0);
    expect(canonicalRdataSet(RRType.A, [b, a, c, Uint8Array.of(1, 2)])).toEqual([c, a, b]);
  });
});
