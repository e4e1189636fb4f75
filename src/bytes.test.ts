import { describe, expect, it } from 'vitest';
import { bytesEqual, compareBytes, concatBytes, readUint16, readUint32 } from './bytes.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);

describe('compareBytes (RFC 4034 §6.3 order)', () => {
  it('orders by the first differing octet, unsigned', () => {
    expect(compareBytes(b(1, 2, 3), b(1, 2, 4))).toBeLessThan(0);
    expect(compareBytes(b(0xff), b(0x01))).toBeGreaterThan(0);
  });
  it('puts the shorter first when one is a prefix of the other, and 0 for equal', () => {
    expect(compareBytes(b(1, 2), b(1, 2, 0))).toBeLessThan(0);
    expect(compareBytes(b(1, 2), b(1, 2))).toBe(0);
    expect(compareBytes(b(), b())).toBe(0);
  });
});

describe('bytesEqual', () => {
  it('is true only for the same octets in the same number, views included', () => {
    const whole = b(9, 1, 2, 3, 9);
    expect(bytesEqual(whole.subarray(1, 4), b(1, 2, 3))).toBe(true);
    expect(bytesEqual(b(1, 2, 3), b(1, 2))).toBe(false);
    expect(bytesEqual(b(1, 2, 3), b(1, 2, 4))).toBe(false);
  });
});

describe('concatBytes and the big-endian readers', () => {
  it('joins the parts in order into a new array', () => {
    const a = b(1, 2);
    const out = concatBytes([a, b(), b(3)]);
    expect([...out]).toEqual([1, 2, 3]);
    out[0] = 7;
    expect(a[0]).toBe(1);
  });
  it('reads network-order 16 and 32 bits, unsigned', () => {
    const x = b(0x12, 0x34, 0xff, 0xff, 0xff, 0xfe);
    expect(readUint16(x, 0)).toBe(0x1234);
    expect(readUint32(x, 2)).toBe(0xfffffffe);
  });
});
