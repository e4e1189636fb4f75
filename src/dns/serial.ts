// RFC 1982 serial number arithmetic, SERIAL_BITS = 32 (the SOA serial).
// Used by refresh (refuse a rollback) and monitor (drift against the live roots).

const HALF = 0x80000000; // 2^(SERIAL_BITS - 1)

/**
 * Compare two SOA serials (RFC 1982 §3.2). Returns -1 when `a` < `b`, 0 when
 * equal, 1 when `a` > `b`, and `undefined` when the comparison is undefined
 * (the two are exactly 2^31 apart).
 */
export function serialCompare(a: number, b: number): -1 | 0 | 1 | undefined {
  a >>>= 0;
  b >>>= 0;
  if (a === b) return 0;
  const d = (b - a + 0x100000000) % 0x100000000; // b - a mod 2^32
  if (d === HALF) return undefined;
  return d < HALF ? -1 : 1;
}

/** RFC 1982 §3.1: serial + n, with 0 <= n <= 2^31 - 1. */
export function serialAdd(s: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > HALF - 1) throw new RangeError(`serial increment ${n} outside 0..2^31-1`);
  return ((s >>> 0) + n) % 0x100000000;
}
