// The TSIG pseudo-record on the wire (RFC 8945 §4.2): finding it as the last
// additional record, reading its RDATA, cutting it off the message, and
// writing one. Malformed input is a result, never an exception: the signing
// and verifying code turns it into FORMERR (RFC 8945 §5.2).

import { Name, NameError } from './name.js';
import { readUint16, readUint32 } from '../bytes.js';

/** RR type TSIG (RFC 8945 §4.2, IANA). */
export const TSIG_TYPE = 250;
/** TSIG records are class ANY with TTL 0 (RFC 8945 §4.2). */
export const CLASS_ANY = 255;

/** TSIG error field values (RFC 8945 §3, IANA "DNS RCODEs"); 0 is NOERROR. */
export const TsigErrorCode = {
  NOERROR: 0,
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADTRUNC: 22,
} as const;

const errorNames = new Map<number, string>(Object.entries(TsigErrorCode).map(([k, v]) => [v, k]));

/** Mnemonic of a TSIG error field (`TSIGERRORnn` if we have none). */
export function tsigErrorName(code: number): string {
  return errorNames.get(code) ?? `TSIGERROR${code}`;
}

/** The RDATA fields of RFC 8945 §4.2, plus the owner name (the key name). */
export interface TsigRecord {
  readonly keyName: Name;
  readonly algorithm: Name;
  /** Seconds since the epoch, 48 bits on the wire. */
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Uint8Array;
  readonly originalId: number;
  readonly error: number;
  readonly otherData: Uint8Array;
}

export type LocatedTsig =
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly detail: string }
  | {
      readonly kind: 'found';
      readonly record: TsigRecord;
      /**
       * The message as it was before the TSIG was added (RFC 8945 §4.3.2):
       * the TSIG cut off, ARCOUNT one less, the ID put back to Original ID.
       */
      readonly unsigned: Uint8Array;
    };

/** Skip a possibly compressed name; -1 if it runs off the message. */
function skipName(m: Uint8Array, o: number): number {
  for (;;) {
    if (o >= m.length) return -1;
    const len = m[o]!;
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2 <= m.length ? o + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    o += len + 1;
  }
}

/**
 * Find the TSIG record. RFC 8945 §5.1/§5.2: it must be the last record of the
 * additional section and there may be only one; anywhere else is FORMERR.
 */
export function locateTsig(m: Uint8Array): LocatedTsig {
  if (m.length < 12) return { kind: 'malformed', detail: `message of ${m.length} octets is shorter than a DNS header` };
  const qd = readUint16(m, 4);
  const records = readUint16(m, 6) + readUint16(m, 8) + readUint16(m, 10);
  const arcount = readUint16(m, 10);
  let o = 12;
  for (let i = 0; i < qd; i++) {
    o = skipName(m, o);
    if (o < 0 || o + 4 > m.length) return { kind: 'malformed', detail: 'message ends inside the question section' };
    o += 4;
  }
  let lastStart = -1;
  for (let i = 0; i < records; i++) {
    const start = o;
    o = skipName(m, o);
    if (o < 0 || o + 10 > m.length) return { kind: 'malformed', detail: `message ends inside record ${i + 1} of ${records}` };
    const type = readUint16(m, o);
    const rdlen = readUint16(m, o + 8);
    o += 10 + rdlen;
    if (o > m.length) return { kind: 'malformed', detail: `RDATA of record ${i + 1} runs past the end of the message` };
    if (type === TSIG_TYPE) {
      if (i !== records - 1 || arcount === 0) return { kind: 'malformed', detail: 'TSIG record is not the last record of the additional section (RFC 8945 §5.2)' };
      lastStart = start;
    }
  }
  if (o !== m.length) return { kind: 'malformed', detail: `${m.length - o} octets after the last record` };
  if (lastStart < 0) return { kind: 'none' };
  return readTsig(m, lastStart);
}

function readTsig(m: Uint8Array, start: number): LocatedTsig {
  const bad = (detail: string): LocatedTsig => ({ kind: 'malformed', detail: `TSIG record: ${detail}` });
  try {
    const owner = Name.fromWire(m, start);
    let o = owner.next;
    const cls = readUint16(m, o + 2);
    const ttl = ((m[o + 4]! << 24) | (m[o + 5]! << 16) | (m[o + 6]! << 8) | m[o + 7]!) >>> 0;
    const end = o + 10 + readUint16(m, o + 8);
    if (cls !== CLASS_ANY) return bad(`class ${cls}, not ANY (RFC 8945 §4.2)`);
    if (ttl !== 0) return bad(`TTL ${ttl}, not 0 (RFC 8945 §4.2)`);
    o += 10;
    const alg = Name.fromWire(m, o);
    o = alg.next;
    if (o + 10 > end) return bad('RDATA ends inside the fixed fields');
    const timeSigned = readTime48(m.subarray(o, o + 6))!;
    const fudge = readUint16(m, o + 6);
    const macSize = readUint16(m, o + 8);
    o += 10;
    if (o + macSize + 6 > end) return bad(`MAC of ${macSize} octets runs past the RDATA`);
    // Copies (a Buffer's slice() is a view: writing `unsigned` below would change the caller's message).
    const mac = Uint8Array.prototype.slice.call(m, o, o + macSize);
    o += macSize;
    const originalId = readUint16(m, o);
    const error = readUint16(m, o + 2);
    const otherLen = readUint16(m, o + 4);
    o += 6;
    if (o + otherLen !== end) return bad(`Other Len ${otherLen} does not match the RDATA length`);
    const otherData = Uint8Array.prototype.slice.call(m, o, end);
    const unsigned = Uint8Array.prototype.slice.call(m, 0, start);
    unsigned[0] = originalId >>> 8;
    unsigned[1] = originalId & 0xff;
    const ar = readUint16(m, 10) - 1;
    unsigned[10] = ar >>> 8;
    unsigned[11] = ar & 0xff;
    return {
      kind: 'found',
      record: { keyName: owner.name, algorithm: alg.name, timeSigned, fudge, mac, originalId, error, otherData },
      unsigned,
    };
  } catch (e) {
    if (e instanceof NameError) return bad(e.message);
    throw e;
  }
}

/** 48-bit big-endian seconds (RFC 8945 §4.2 Time Signed, §5.2.3 Other Data). */
export function time48(seconds: number): Uint8Array {
  const b = new Uint8Array(6);
  const hi = Math.floor(seconds / 2 ** 32);
  const lo = seconds >>> 0;
  b[0] = hi >>> 8;
  b[1] = hi & 0xff;
  b[2] = lo >>> 24;
  b[3] = (lo >>> 16) & 0xff;
  b[4] = (lo >>> 8) & 0xff;
  b[5] = lo & 0xff;
  return b;
}

/** Read 48-bit big-endian seconds; undefined unless exactly 6 octets. */
export function readTime48(b: Uint8Array): number | undefined {
  if (b.length !== 6) return undefined;
  return readUint16(b, 0) * 2 ** 32 + readUint32(b, 2);
}

/** The TSIG record in wire form, owner and algorithm uncompressed (RFC 8945 §4.2). */
export function encodeTsig(r: TsigRecord): Uint8Array {
  const owner = r.keyName.wire;
  const alg = r.algorithm.wire;
  const rdlen = alg.length + 10 + r.mac.length + 6 + r.otherData.length;
  const out = new Uint8Array(owner.length + 10 + rdlen);
  const dv = new DataView(out.buffer);
  let o = 0;
  out.set(owner, o);
  o += owner.length;
  dv.setUint16(o, TSIG_TYPE);
  dv.setUint16(o + 2, CLASS_ANY);
  dv.setUint32(o + 4, 0);
  dv.setUint16(o + 8, rdlen);
  o += 10;
  out.set(alg, o);
  o += alg.length;
  out.set(time48(r.timeSigned), o);
  dv.setUint16(o + 6, r.fudge);
  dv.setUint16(o + 8, r.mac.length);
  o += 10;
  out.set(r.mac, o);
  o += r.mac.length;
  dv.setUint16(o, r.originalId);
  dv.setUint16(o + 2, r.error);
  dv.setUint16(o + 4, r.otherData.length);
  o += 6;
  out.set(r.otherData, o);
  return out;
}

/** `msg` with the encoded TSIG appended and ARCOUNT one more (RFC 8945 §5.1). */
export function appendTsig(msg: Uint8Array, tsig: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + tsig.length);
  out.set(msg);
  out.set(tsig, msg.length);
  const ar = readUint16(msg, 10) + 1;
  out[10] = ar >>> 8;
  out[11] = ar & 0xff;
  return out;
}
