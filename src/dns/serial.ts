// RFC 1982 serial number arithmetic, SERIAL_BITS = 32 (the SOA serial).
// Used by refresh (refuse a rollback), monitor (drift against the live roots)
// and DNSSEC (RRSIG validity times, RFC 4034 §3.1.5).

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

/**
 * RRSIG times are 32-bit seconds compared with serial arithmetic (RFC 4034
 * §3.1.5): map one to the absolute time (ms) nearest to `nowMs`.
 */
export function rrsigTimeToMs(t32: number, nowMs: number): number {
  const now = Math.floor(nowMs / 1000);
  let delta = ((t32 >>> 0) - (now >>> 0)) | 0; // signed 32-bit difference
  if (delta === -0x80000000) delta = 0x7fffffff;
  return (now + delta) * 1000;
}
