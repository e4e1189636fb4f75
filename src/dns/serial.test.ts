import { describe, expect, it } from 'vitest';
import { serialAdd, serialCompare } from './serial.js';

describe('serialCompare (RFC 1982 §3.2, SERIAL_BITS 32)', () => {
  it.each([
    [1, 2, -1],
    [2, 1, 1],
    [2026082200, 2026082201, -1],
    [2026082201, 2026082200, 1],
    [5, 5, 0],
    // wrap-around: 2^32 - 1 < 0 < 2^31 - 1
    [0xffffffff, 0, -1],
    [0, 0xffffffff, 1],
    [0xffffffff, 0x7ffffffe, -1],
    [0, 0x7fffffff, -1],
    [0x7fffffff, 0, 1],
    // exactly 2^31 apart: undefined in both directions
    [0, 0x80000000, undefined],
    [0x80000000, 0, undefined],
    [123, 123 + 0x80000000, undefined],
  ] as const)('%i vs %i -> %s', (a, b, want) => {
    expect(serialCompare(a, b)).toBe(want);
  });
  it('serialAdd wraps and bounds n', () => {
    expect(serialAdd(0xffffffff, 1)).toBe(0);
    expect(serialAdd(2026082200, 1)).toBe(2026082201);
    expect(() => serialAdd(0, 0x80000000)).toThrow(RangeError);
  });
});
