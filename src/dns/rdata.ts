// RDATA codecs: presentation <-> wire for every type we know, RFC 3597 for the
// rest, RFC 4034 §6.2 canonical form, and reading RDATA out of messages.
//
// Each known type is described once, as a list of fields (rdata/fields.ts); the
// text parser, the text printer, the message reader, canonical form and the
// compression map are all driven by that one description.

import { Name, NameError } from './name.js';
import { RRType } from './types.js';
import { FIELDS, type Field } from './rdata/fields.js';
import { Sink, textToField, fieldToText } from './rdata/text.js';
import { bytesToHex } from './rdata/encoding.js';
import { OperatorError } from '../errors.js';

/** One presentation-format field as the zone lexer produced it (escapes still raw). */
export interface TextToken {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
  readonly col: number;
}

export class RdataError extends OperatorError {
  override readonly name = 'RdataError';
  constructor(
    message: string,
    /** The offending token, when there is one (missing fields have none). */
    readonly token?: TextToken,
    /** What was expected instead, e.g. "an IPv4 address". */
    readonly expected?: string,
  ) {
    super(message);
  }
}

// Created on first use: text.ts and this module import each other.
let SINK: Sink | undefined;

/** Parse RDATA fields (after owner/TTL/class/type) into uncompressed wire RDATA. */
export function rdataFromText(type: number, tokens: readonly TextToken[], origin: Name): Uint8Array {
  const first = tokens[0];
  if (first !== undefined && !first.quoted && first.text === '\\#') return genericFromText(type, tokens);
  const fields = FIELDS.get(type);
  if (fields === undefined) {
    throw new RdataError(
      'RDATA of a type without a known presentation format must be in RFC 3597 generic form',
      first,
      '"\\# <length> <hex>"',
    );
  }
  const out = (SINK ??= new Sink());
  out.pos = 0;
  let i = 0;
  for (const f of fields) {
    i = textToField(f, tokens, i, origin, out);
  }
  if (i < tokens.length) {
    throw new RdataError('too many RDATA fields', tokens[i], 'end of the record');
  }
  return out.take(0);
}

function genericFromText(type: number, tokens: readonly TextToken[]): Uint8Array {
  const lenTok = tokens[1];
  if (lenTok === undefined) throw new RdataError('generic RDATA without a length', undefined, 'the RDATA length after \\#');
  if (!/^[0-9]{1,5}$/.test(lenTok.text) || Number(lenTok.text) > 65535) {
    throw new RdataError('bad generic RDATA length', lenTok, 'a length from 0 to 65535');
  }
  const len = Number(lenTok.text);
  let hex = '';
  for (let k = 2; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (!/^[0-9a-fA-F]*$/.test(t.text)) throw new RdataError('bad hex in generic RDATA', t, 'hexadecimal digits');
    hex += t.text;
  }
  if (hex.length % 2 !== 0) throw new RdataError('odd number of hex digits in generic RDATA', tokens[tokens.length - 1], 'whole octets');
  if (hex.length / 2 !== len) {
    throw new RdataError(`generic RDATA length ${len} does not match ${hex.length / 2} octets of data`, lenTok, `${hex.length / 2}`);
  }
  const rdata = Uint8Array.from(Buffer.from(hex, 'hex'));
  // RFC 3597 §5: generic RDATA of a known type must still be valid for that type.
  if (FIELDS.has(type)) {
    try {
      rdataFromMessage(type, rdata, 0, rdata.length);
    } catch (e) {
      throw new RdataError(`generic RDATA is not valid for this type: ${(e as Error).message}`, lenTok, 'RDATA valid for the type');
    }
  }
  return rdata;
}

/** Presentation form of wire RDATA (RFC 3597 `\# len hex` for unknown types). */
export function rdataToText(type: number, rdata: Uint8Array): string {
  const fields = FIELDS.get(type);
  if (fields === undefined) return genericText(rdata);
  try {
    const out: string[] = [];
    let pos = 0;
    for (const f of fields) {
      pos = fieldToText(f, rdata, pos, out);
    }
    if (pos !== rdata.length) return genericText(rdata);
    return out.join(' ');
  } catch {
    return genericText(rdata);
  }
}

function genericText(rdata: Uint8Array): string {
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${bytesToHex(rdata)}`;
}

/**
 * Types whose embedded names are lower-cased in canonical form: RFC 4034 §6.2
 * as corrected by RFC 6840 §5.1 (NSEC's next name is NOT lower-cased; RRSIG's
 * signer name is).
 */
const CANONICAL_LOWER: ReadonlySet<number> = new Set([
  RRType.NS, 3 /* MD */, 4 /* MF */, RRType.CNAME, RRType.SOA, 7 /* MB */, 8 /* MG */, 9 /* MR */,
  RRType.PTR, 14 /* MINFO */, RRType.MX, RRType.RP, RRType.AFSDB, 21 /* RT */, 24 /* SIG */,
  26 /* PX */, 30 /* NXT */, RRType.NAPTR, RRType.KX, RRType.SRV, RRType.DNAME, 38 /* A6 */,
  RRType.RRSIG,
]);

/** RFC 4034 §6.2 canonical RDATA: embedded names lower-cased for the listed types. */
export function canonicalRdata(type: number, rdata: Uint8Array): Uint8Array {
  if (!CANONICAL_LOWER.has(type)) return rdata;
  const offsets = nameOffsets(type, rdata);
  if (offsets.length === 0) return rdata;
  let out: Uint8Array | undefined;
  for (const start of offsets) {
    let o = start;
    while (rdata[o]! !== 0) {
      const len = rdata[o]!;
      for (let k = o + 1; k <= o + len; k++) {
        const b = rdata[k]!;
        if (b >= 0x41 && b <= 0x5a) {
          out ??= Uint8Array.from(rdata);
          out[k] = b | 0x20;
        }
      }
      o += len + 1;
    }
  }
  return out ?? rdata;
}

/** Offsets of every embedded (uncompressed) name in wire RDATA of a known type. */
export function nameOffsets(type: number, rdata: Uint8Array): number[] {
  const fields = FIELDS.get(type);
  if (fields === undefined) return [];
  const out: number[] = [];
  let pos = 0;
  for (const f of fields) {
    if (f.kind === 'name') {
      out.push(pos);
      pos = skipName(rdata, pos);
    } else {
      pos = fieldEnd(f, rdata, pos);
    }
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
    case 3:
    case 4:
    case 7:
    case 8:
    case 9:
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

/**
 * Read RDATA from a message at `offset` (length `length`), decompressing names
 * of the types that carry them, and checking the structure of known types.
 * The result is uncompressed wire RDATA.
 */
export function rdataFromMessage(type: number, msg: Uint8Array, offset: number, length: number): Uint8Array {
  const end = offset + length;
  if (end > msg.length) throw new RdataError('RDATA runs past the end of the message');
  const fields = FIELDS.get(type);
  if (fields === undefined) return msg.slice(offset, end);
  let hasName = false;
  for (const f of fields) if (f.kind === 'name') hasName = true;
  let pos = offset;
  if (!hasName) {
    const view = msg.subarray(offset, end);
    let p = 0;
    for (const f of fields) {
      p = fieldEnd(f, view, p);
      if (p < 0 || p > view.length) throw new RdataError(`truncated ${f.label} in RDATA`);
    }
    if (p !== view.length) throw new RdataError('trailing octets after RDATA fields');
    return msg.slice(offset, end);
  }
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    if (f.kind === 'name') {
      let r: { name: Name; next: number };
      try {
        r = Name.fromWire(msg, pos);
      } catch (e) {
        throw new RdataError(`bad name in RDATA: ${(e as NameError).message}`);
      }
      if (r.next > end) throw new RdataError('name runs past the end of the RDATA');
      if (r.next - pos !== r.name.wire.length && NO_DECOMPRESSION.has(type)) {
        throw new RdataError(`compressed ${f.label} in ${type === RRType.RRSIG ? 'RRSIG' : 'NSEC'} RDATA (RFC 4034 forbids compression here)`);
      }
      parts.push(r.name.wire);
      pos = r.next;
    } else {
      const view = msg.subarray(pos, end);
      const n = fieldEnd(f, view, 0);
      if (n < 0 || n > view.length) throw new RdataError(`truncated ${f.label} in RDATA`);
      parts.push(msg.subarray(pos, pos + n));
      pos += n;
    }
  }
  if (pos !== end) throw new RdataError('trailing octets after RDATA fields');
  return concat(parts);
}

/** Types whose names RFC 4034 §3.1.7 and §4.1.1 say MUST NOT be compressed. */
const NO_DECOMPRESSION: ReadonlySet<number> = new Set([RRType.RRSIG, RRType.NSEC]);

function skipName(rdata: Uint8Array, pos: number): number {
  let o = pos;
  for (;;) {
    if (o >= rdata.length) return -1;
    const len = rdata[o]!;
    if (len === 0) return o + 1;
    if (len > 63) return -1;
    o += len + 1;
  }
}

/** End offset of a non-name field starting at `pos`, or -1 if malformed. */
function fieldEnd(f: Field, b: Uint8Array, pos: number): number {
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
    case 'string':
      return pos < b.length ? pos + 1 + b[pos]! : -1;
    case 'strings': {
      if (pos >= b.length) return -1;
      let o = pos;
      while (o < b.length) o += 1 + b[o]!;
      return o;
    }
    case 'salt':
    case 'hash':
      return pos < b.length ? pos + 1 + b[pos]! : -1;
    case 'base64':
    case 'hex':
    case 'bitmap':
    case 'caa-value':
      return b.length;
    case 'caa-tag':
      return pos < b.length ? pos + 1 + b[pos]! : -1;
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- typed decoders for the types the rest of the code reads ----

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

export interface Soa {
  readonly mname: Name;
  readonly rname: Name;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

export function decodeSoa(rdata: Uint8Array): Soa {
  const m = Name.fromWire(rdata, 0);
  const r = Name.fromWire(rdata, m.next);
  const o = r.next;
  if (o + 20 !== rdata.length) throw new RdataError('SOA RDATA has the wrong length');
  return {
    mname: m.name,
    rname: r.name,
    serial: u32(rdata, o),
    refresh: u32(rdata, o + 4),
    retry: u32(rdata, o + 8),
    expire: u32(rdata, o + 12),
    minimum: u32(rdata, o + 16),
  };
}

export function encodeSoa(soa: Soa): Uint8Array {
  const tail = new Uint8Array(20);
  const dv = new DataView(tail.buffer);
  dv.setUint32(0, soa.serial >>> 0);
  dv.setUint32(4, soa.refresh >>> 0);
  dv.setUint32(8, soa.retry >>> 0);
  dv.setUint32(12, soa.expire >>> 0);
  dv.setUint32(16, soa.minimum >>> 0);
  return concat([soa.mname.wire, soa.rname.wire, tail]);
}

export interface Rrsig {
  readonly typeCovered: number;
  readonly algorithm: number;
  readonly labels: number;
  readonly originalTtl: number;
  /** Seconds since the epoch, as the 32-bit wire value (RFC 4034 §3.1.5). */
  readonly expiration: number;
  readonly inception: number;
  readonly keyTag: number;
  readonly signerName: Name;
  readonly signature: Uint8Array;
  /** Length of the RDATA before the signature: the part that is signed (RFC 4034 §3.1.8.1). */
  readonly signedPartLength: number;
}

export function decodeRrsig(rdata: Uint8Array): Rrsig {
  if (rdata.length < 19) throw new RdataError('RRSIG RDATA too short');
  const s = Name.fromWire(rdata, 18);
  return {
    typeCovered: u16(rdata, 0),
    algorithm: rdata[2]!,
    labels: rdata[3]!,
    originalTtl: u32(rdata, 4),
    expiration: u32(rdata, 8),
    inception: u32(rdata, 12),
    keyTag: u16(rdata, 16),
    signerName: s.name,
    signature: rdata.subarray(s.next),
    signedPartLength: s.next,
  };
}

export interface Dnskey {
  readonly flags: number;
  readonly protocol: number;
  readonly algorithm: number;
  readonly publicKey: Uint8Array;
}

export function decodeDnskey(rdata: Uint8Array): Dnskey {
  if (rdata.length < 4) throw new RdataError('DNSKEY RDATA too short');
  return { flags: u16(rdata, 0), protocol: rdata[2]!, algorithm: rdata[3]!, publicKey: rdata.subarray(4) };
}

/** RFC 4034 Appendix B key tag (algorithm 1 excepted, which nobody uses any more). */
export function dnskeyKeyTag(rdata: Uint8Array): number {
  if (rdata[3] === 1) return rdata.length >= 4 ? u16(rdata, rdata.length - 3) : 0;
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

export interface Ds {
  readonly keyTag: number;
  readonly algorithm: number;
  readonly digestType: number;
  readonly digest: Uint8Array;
}

export function decodeDs(rdata: Uint8Array): Ds {
  if (rdata.length < 4) throw new RdataError('DS RDATA too short');
  return { keyTag: u16(rdata, 0), algorithm: rdata[2]!, digestType: rdata[3]!, digest: rdata.subarray(4) };
}

export interface Zonemd {
  readonly serial: number;
  readonly scheme: number;
  readonly hashAlgorithm: number;
  readonly digest: Uint8Array;
}

export function decodeZonemd(rdata: Uint8Array): Zonemd {
  if (rdata.length < 6) throw new RdataError('ZONEMD RDATA too short');
  return { serial: u32(rdata, 0), scheme: rdata[4]!, hashAlgorithm: rdata[5]!, digest: rdata.subarray(6) };
}

export interface Nsec {
  readonly next: Name;
  readonly types: number[];
}

export function decodeNsec(rdata: Uint8Array): Nsec {
  const n = Name.fromWire(rdata, 0);
  return { next: n.name, types: decodeTypeBitmap(rdata, n.next) };
}

/** RFC 4034 §4.1.2 type bit maps. */
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

/** Target name of NS, CNAME, DNAME, PTR (first field), MX/KX/AFSDB (after 2 octets), SRV (after 6). */
export function nameFromRdata(type: number, rdata: Uint8Array): Name {
  const off = type === RRType.MX || type === RRType.KX || type === RRType.AFSDB ? 2 : type === RRType.SRV ? 6 : 0;
  return Name.fromWire(rdata, off).name;
}
