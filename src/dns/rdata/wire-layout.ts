// Walking uncompressed wire RDATA field by field, driven by the one layout
// description of each type (fields.ts): where each field ends, where the
// embedded names are.

import { RRType } from '../types.js';
import { FIELDS, type Field } from './fields.js';

/** End of the uncompressed name at `pos`, or -1 if it runs off the end or a label is too long. */
export function skipName(rdata: Uint8Array, pos: number): number {
  let o = pos;
  for (;;) {
    if (o >= rdata.length) return -1;
    const len = rdata[o]!;
    if (len === 0) return o + 1;
    if (len > 63) return -1;
    o += len + 1;
  }
}

/** End offset of the field starting at `pos`, or -1 if malformed. */
export function fieldEnd(f: Field, b: Uint8Array, pos: number): number {
  switch (f.kind) {
    case 'name':
      return skipName(b, pos);
    case 'u8':
      return pos + 1;
    case 'u16':
    case 'type':
      return pos + 2;
    case 'u32':
    case 'time':
    case 'ttl':
    case 'ipv4':
      return pos + 4;
    case 'ipv6':
      return pos + 16;
    case 'strings': {
      if (pos >= b.length) return -1;
      let o = pos;
      while (o < b.length) o += 1 + b[o]!;
      return o;
    }
    // One length octet, then that many.
    case 'string':
    case 'salt':
    case 'hash':
    case 'caa-tag':
      return pos < b.length ? pos + 1 + b[pos]! : -1;
    // To the end of the RDATA.
    case 'base64':
    case 'hex':
    case 'bitmap':
    case 'caa-value':
      return b.length;
  }
}

/** Offsets of every embedded (uncompressed) name in wire RDATA of a known type. */
export function nameOffsets(type: number, rdata: Uint8Array): number[] {
  const fields = FIELDS.get(type);
  if (fields === undefined) return [];
  const out: number[] = [];
  let pos = 0;
  for (const f of fields) {
    if (f.kind === 'name') out.push(pos);
    pos = fieldEnd(f, rdata, pos);
    if (pos < 0) return out;
  }
  return out;
}

/** Offsets within `rdata` of names an encoder may compress (RFC 3597 §4: RFC 1035 types only). */
export function compressibleNameOffsets(type: number, rdata: Uint8Array): number[] {
  switch (type) {
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
    case 3 /* MD */:
    case 4 /* MF */:
    case 7 /* MB */:
    case 8 /* MG */:
    case 9 /* MR */:
      return [0];
    case RRType.MX:
      return [2];
    case RRType.SOA:
    case 14 /* MINFO */:
      return [0, skipName(rdata, 0)];
    default:
      return [];
  }
}
