// RFC 4034 §4.1.2 type bit maps (NSEC, NSEC3, CSYNC): windows of up to 32
// octets, in increasing window order, each bit one type.

import { RdataError } from './rdata-error.js';

export function encodeTypeBitmap(types: readonly number[]): Uint8Array {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  const out: number[] = [];
  let k = 0;
  while (k < sorted.length) {
    const win = sorted[k]! >> 8;
    const bits = new Uint8Array(32);
    let maxByte = 0;
    while (k < sorted.length && sorted[k]! >> 8 === win) {
      const low = sorted[k]! & 0xff;
      bits[low >> 3]! |= 0x80 >> (low & 7);
      maxByte = Math.max(maxByte, low >> 3);
      k++;
    }
    out.push(win, maxByte + 1, ...bits.subarray(0, maxByte + 1));
  }
  return Uint8Array.from(out);
}

/** The types of the map starting at `pos` and running to the end of `b`; RdataError if malformed. */
export function decodeTypeBitmap(b: Uint8Array, pos: number): number[] {
  const types: number[] = [];
  let o = pos;
  let lastWindow = -1;
  while (o < b.length) {
    if (o + 2 > b.length) throw new RdataError('truncated type bit map');
    const win = b[o]!;
    const len = b[o + 1]!;
    if (win <= lastWindow || len < 1 || len > 32 || o + 2 + len > b.length) throw new RdataError('malformed type bit map');
    lastWindow = win;
    for (let i = 0; i < len; i++) {
      const byte = b[o + 2 + i]!;
      for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) types.push(win * 256 + i * 8 + bit);
    }
    o += 2 + len;
  }
  return types;
}
