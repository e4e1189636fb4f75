// IPv4 and IPv6 addresses in presentation form (A and AAAA RDATA).

import { HEX_VALUE } from './encoding.js';

/** Dotted-quad IPv4 into buf[at..at+4], strictly (no leading zeros, no shorthand). */
export function ipv4Into(s: string, buf: Uint8Array, at: number): boolean {
  if (s.length < 7 || s.length > 15) return false;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let k = 0; k <= s.length; k++) {
    const c = k < s.length ? s.charCodeAt(k) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return false;
      buf[at + parts++] = octet;
      octet = 0;
      digits = 0;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9 || (digits === 1 && octet === 0)) return false;
      octet = octet * 10 + d;
      if (octet > 255) return false;
      digits++;
    }
  }
  return parts === 4;
}

/**
 * RFC 4291 §2.2 text form: eight groups of 1-4 hex digits, one `::` for a run
 * of zero groups, optionally a dotted quad for the last 32 bits. No zone index.
 */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const out = new Uint8Array(16);
  let g = 0; // groups written
  let gap = -1; // group index where "::" was
  let k = 0;
  if (s.charCodeAt(0) === 0x3a) {
    if (s.charCodeAt(1) !== 0x3a) return undefined;
    gap = 0;
    k = 2;
    if (k === s.length) return out;
  }
  for (;;) {
    // One group, or a dotted quad if a '.' follows the digits.
    let v = 0;
    let digits = 0;
    const start = k;
    while (k < s.length) {
      const c = s.charCodeAt(k);
      const h = c < 128 ? HEX_VALUE[c]! : -1;
      if (h < 0) break;
      v = (v << 4) | h;
      digits++;
      k++;
    }
    if (k < s.length && s.charCodeAt(k) === 0x2e) {
      if (g > 6) return undefined;
      if (!ipv4Into(s.slice(start), out, 2 * g)) return undefined;
      g += 2;
      k = s.length;
      break;
    }
    if (digits === 0 || digits > 4 || g === 8) return undefined;
    out[2 * g] = v >>> 8;
    out[2 * g + 1] = v & 0xff;
    g++;
    if (k === s.length) break;
    if (s.charCodeAt(k) !== 0x3a) return undefined;
    k++;
    if (k < s.length && s.charCodeAt(k) === 0x3a) {
      if (gap >= 0) return undefined;
      gap = g;
      k++;
      if (k === s.length) break;
    } else if (k === s.length) return undefined;
  }
  if (gap < 0) return g === 8 ? out : undefined;
  if (g > 7) return undefined;
  // Move the groups after the gap to the end.
  const tail = out.slice(2 * gap, 2 * g);
  out.fill(0, 2 * gap);
  out.set(tail, 16 - tail.length);
  return out;
}

/** RFC 5952 text form: lower case, leading zeros dropped, longest zero run (≥ 2) as `::`. */
export function formatIpv6(b: Uint8Array, pos = 0): string {
  const g: number[] = [];
  for (let k = 0; k < 8; k++) g.push((b[pos + 2 * k]! << 8) | b[pos + 2 * k + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen && e - k >= 2) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}
