// Presentation <-> wire for one RDATA field (RFC 1035 §5.1 and each type's RFC).

import { copyOctets } from '../octets.js';
import { Name, NameError } from '../name.js';
import { RdataError, type TextToken } from '../rdata.js';
import { typeFromString, typeToString } from '../types.js';
import type { Field } from './fields.js';
import { base32hexToBytes, base64ToBytes, bytesToBase32hex, bytesToBase64, bytesToHex } from './encoding.js';

function need(f: Field, tokens: readonly TextToken[], i: number, expected: string): TextToken {
  const t = tokens[i];
  if (t === undefined) throw new RdataError(`missing ${f.label}`, undefined, expected);
  return t;
}

function integer(f: Field, t: TextToken, max: number): number {
  const s = t.text;
  let v = 0;
  if (s.length === 0 || s.length > 10 || t.quoted) throw new RdataError(`bad ${f.label}`, t, `a number from 0 to ${max}`);
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) throw new RdataError(`bad ${f.label}`, t, `a number from 0 to ${max}`);
    v = v * 10 + c;
  }
  if (v > max) throw new RdataError(`${f.label} out of range`, t, `a number from 0 to ${max}`);
  return v;
}

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function duration(f: Field, t: TextToken): number {
  if (/^[0-9]+$/.test(t.text)) return integer(f, t, 0xffffffff);
  const re = /([0-9]+)([smhdw])/giy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t.text); m; m = re.exec(t.text)) {
    total += Number(m[1]) * UNIT[m[2]!.toLowerCase()]!;
    end = re.lastIndex;
  }
  if (end !== t.text.length || t.text.length === 0 || total > 0xffffffff) {
    throw new RdataError(`bad ${f.label}`, t, 'seconds, or a duration like 1h30m');
  }
  return total;
}

/** Decode `\X` and `\DDD` escapes of a token into octets. */
export function unescape(t: TextToken): number[] {
  const s = t.text;
  const out: number[] = [];
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c !== 0x5c) {
      out.push(c & 0xff);
      continue;
    }
    const d = s.slice(k + 1, k + 4);
    if (/^[0-9]{3}$/.test(d)) {
      const v = Number(d);
      if (v > 255) throw new RdataError(`escape \\${d} out of range`, t, 'an escape \\000 to \\255');
      out.push(v);
      k += 3;
    } else if (k + 1 < s.length) {
      out.push(s.charCodeAt(++k) & 0xff);
    } else {
      throw new RdataError('dangling backslash', t, 'a character after the backslash');
    }
  }
  return out;
}

function charString(f: Field, t: TextToken, out: Sink): void {
  const bytes = unescape(t);
  if (bytes.length > 255) throw new RdataError(`${f.label} longer than 255 octets`, t, 'at most 255 octets per string');
  out.room(bytes.length + 1);
  out.buf[out.pos++] = bytes.length;
  for (const b of bytes) out.buf[out.pos++] = b;
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

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The 14-digit YYYYMMDDHHmmSS form as seconds modulo 2^32 (RFC 4034 §3.2), or -1. */
function dateTime(s: string): number {
  const d = (k: number, n: number): number => {
    let v = 0;
    for (let j = k; j < k + n; j++) {
      const c = s.charCodeAt(j) - 48;
      if (c < 0 || c > 9) return -1;
      v = v * 10 + c;
    }
    return v;
  };
  const year = d(0, 4);
  const month = d(4, 2);
  const day = d(6, 2);
  const hour = d(8, 2);
  const min = d(10, 2);
  const sec = d(12, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59) return -1;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > DAYS[month - 1]! + (month === 2 && leap ? 1 : 0)) return -1;
  return (Date.UTC(year, month - 1, day, hour, min, sec) / 1000) >>> 0;
}

function time(f: Field, t: TextToken): number {
  const s = t.text;
  if (!t.quoted && s.length === 14) {
    const v = dateTime(s);
    if (v < 0) throw new RdataError(`bad ${f.label}: not a valid date`, t, 'a valid date YYYYMMDDHHmmSS');
    return v;
  }
  if (!t.quoted && s.length >= 1 && s.length <= 10) return integer(f, t, 0xffffffff);
  throw new RdataError(`bad ${f.label}`, t, 'a time YYYYMMDDHHmmSS (RFC 4034 §3.2)');
}

function formatTime(v: number): string {
  return new Date(v * 1000).toISOString().replace(/[-T:]/g, '').slice(0, 14);
}

function typeNumber(f: Field, t: TextToken): number {
  const v = t.quoted ? undefined : typeFromString(t.text);
  if (v === undefined) throw new RdataError(`unknown type in ${f.label}`, t, 'a type mnemonic or TYPEnnn');
  return v;
}

function encodeBitmap(types: number[]): Uint8Array {
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

function rest(tokens: readonly TextToken[], i: number): string {
  let s = '';
  for (let k = i; k < tokens.length; k++) s += tokens[k]!.text;
  return s;
}

/**
 * Where textToField writes: one scratch buffer reused for every record (RDATA
 * is at most 65535 octets), so parsing a record allocates only its result.
 */
export class Sink {
  readonly buf = new Uint8Array(65535);
  pos = 0;
  /** The token being encoded, for the "too long" error. */
  tok: TextToken | undefined;

  room(n: number): void {
    if (this.pos + n > 65535) throw new RdataError('RDATA longer than 65535 octets', this.tok, 'shorter RDATA');
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }
  u32(v: number): void {
    this.room(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** Copy of what was written since `from` (in shared storage: octets.ts). */
  take(from: number): Uint8Array {
    return copyOctets(this.buf, from, this.pos);
  }
}

/** Dotted-quad IPv4 into buf[at..at+4], strictly (no leading zeros, no shorthand). */
function ipv4Into(s: string, buf: Uint8Array, at: number): boolean {
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

/** Parse one field starting at token `i` into `out`; return the next token index. */
export function textToField(f: Field, tokens: readonly TextToken[], i: number, origin: Name, out: Sink): number {
  out.tok = tokens[i];
  switch (f.kind) {
    case 'name': {
      const t = need(f, tokens, i, 'a domain name');
      try {
        out.bytes(Name.fromText(t.text, origin).wire);
      } catch (e) {
        if (e instanceof RdataError) throw e;
        throw new RdataError(`bad ${f.label}: ${(e as NameError).message}`, t, 'a domain name');
      }
      return i + 1;
    }
    case 'u8':
      out.u8(integer(f, need(f, tokens, i, 'a number from 0 to 255'), 0xff));
      return i + 1;
    case 'u16':
      out.u16(integer(f, need(f, tokens, i, 'a number from 0 to 65535'), 0xffff));
      return i + 1;
    case 'u32':
      out.u32(integer(f, need(f, tokens, i, 'a number from 0 to 4294967295'), 0xffffffff));
      return i + 1;
    case 'ttl':
      out.u32(duration(f, need(f, tokens, i, 'seconds or a duration')));
      return i + 1;
    case 'time':
      out.u32(time(f, need(f, tokens, i, 'a time YYYYMMDDHHmmSS')));
      return i + 1;
    case 'type':
      out.u16(typeNumber(f, need(f, tokens, i, 'a type mnemonic')));
      return i + 1;
    case 'ipv4': {
      const t = need(f, tokens, i, 'an IPv4 address');
      out.room(4);
      if (t.quoted || !ipv4Into(t.text, out.buf, out.pos)) throw new RdataError('bad IPv4 address', t, 'an IPv4 address like 192.0.2.1');
      out.pos += 4;
      return i + 1;
    }
    case 'ipv6': {
      const t = need(f, tokens, i, 'an IPv6 address');
      const b = t.quoted ? undefined : parseIpv6(t.text);
      if (b === undefined) throw new RdataError('bad IPv6 address', t, 'an IPv6 address like 2001:db8::1');
      out.bytes(b);
      return i + 1;
    }
    case 'string':
      charString(f, need(f, tokens, i, 'a character string'), out);
      return i + 1;
    case 'strings': {
      need(f, tokens, i, 'one or more character strings');
      for (let k = i; k < tokens.length; k++) {
        out.tok = tokens[k];
        charString(f, tokens[k]!, out);
      }
      return tokens.length;
    }
    case 'salt': {
      const t = need(f, tokens, i, 'a hex salt or "-"');
      if (t.text === '-') {
        out.u8(0);
        return i + 1;
      }
      if (t.text.length > 510 || !hexInto(t.text, out, 1)) throw new RdataError('bad salt', t, 'hex octets or "-"');
      return i + 1;
    }
    case 'hash': {
      const t = need(f, tokens, i, 'a base32hex hash');
      const b = base32hexToBytes(t.text);
      if (b === undefined || b.length === 0 || b.length > 255) throw new RdataError(`bad ${f.label}`, t, 'base32hex (RFC 4648 §7)');
      out.u8(b.length);
      out.bytes(b);
      return i + 1;
    }
    case 'base64': {
      const t = need(f, tokens, i, 'base64 data');
      const b = base64ToBytes(i === tokens.length - 1 ? t.text : rest(tokens, i));
      if (b === undefined || b.length === 0) throw new RdataError(`bad base64 in ${f.label}`, t, 'base64 (RFC 4648 §4)');
      out.bytes(b);
      return tokens.length;
    }
    case 'hex': {
      const t = need(f, tokens, i, 'hex data');
      const from = out.pos;
      if (!hexInto(i === tokens.length - 1 ? t.text : rest(tokens, i), out, 0)) {
        out.pos = from;
        const bad = tokens.slice(i).find((x) => !/^[0-9a-fA-F]*$/.test(x.text)) ?? t;
        throw new RdataError(`bad hex in ${f.label}`, bad, 'an even number of hex digits');
      }
      return tokens.length;
    }
    case 'bitmap': {
      const types: number[] = [];
      for (let k = i; k < tokens.length; k++) types.push(typeNumber(f, tokens[k]!));
      out.bytes(encodeBitmap(types));
      return tokens.length;
    }
    case 'caa-tag': {
      const t = need(f, tokens, i, 'a CAA tag');
      if (!/^[A-Za-z0-9]{1,255}$/.test(t.text)) throw new RdataError('bad CAA tag', t, 'letters and digits (RFC 8659 §4.1)');
      out.u8(t.text.length);
      for (let k = 0; k < t.text.length; k++) out.u8(t.text.charCodeAt(k));
      return i + 1;
    }
    case 'caa-value': {
      const t = need(f, tokens, i, 'a CAA value');
      out.bytes(Uint8Array.from(unescape(t)));
      return i + 1;
    }
  }
}

const HEX_VALUE: Int8Array = (() => {
  const v = new Int8Array(128).fill(-1);
  for (let k = 0; k < 10; k++) v[48 + k] = k;
  for (let k = 0; k < 6; k++) v[65 + k] = v[97 + k] = 10 + k;
  return v;
})();

/**
 * Decode a non-empty even-length hex string into `out`, preceded by a length
 * octet when `lengthOctets` is 1. False (and nothing usable written) if malformed.
 */
function hexInto(s: string, out: Sink, lengthOctets: 0 | 1): boolean {
  if (s.length === 0 || s.length % 2 !== 0) return false;
  out.room(lengthOctets + s.length / 2);
  if (lengthOctets) out.buf[out.pos++] = s.length / 2;
  for (let k = 0; k < s.length; k += 2) {
    const c1 = s.charCodeAt(k);
    const c2 = s.charCodeAt(k + 1);
    const hi = c1 < 128 ? HEX_VALUE[c1]! : -1;
    const lo = c2 < 128 ? HEX_VALUE[c2]! : -1;
    if (hi < 0 || lo < 0) return false;
    out.buf[out.pos++] = (hi << 4) | lo;
  }
  return true;
}

function quote(b: Uint8Array, from: number, to: number): string {
  let s = '"';
  for (let k = from; k < to; k++) {
    const c = b[k]!;
    if (c === 0x22 || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c < 0x20 || c >= 0x7f) s += '\\' + c.toString().padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s + '"';
}

function check(b: Uint8Array, end: number): void {
  if (end > b.length) throw new RangeError('field past the end of the RDATA');
}

/** Print one field of wire RDATA at `pos`; return the position after it. */
export function fieldToText(f: Field, b: Uint8Array, pos: number, out: string[]): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (f.kind) {
    case 'name': {
      const r = Name.fromWire(b.subarray(0), pos);
      out.push(r.name.toString());
      return r.next;
    }
    case 'u8':
      check(b, pos + 1);
      out.push(String(b[pos]));
      return pos + 1;
    case 'u16':
      check(b, pos + 2);
      out.push(String(dv.getUint16(pos)));
      return pos + 2;
    case 'u32':
    case 'ttl':
      check(b, pos + 4);
      out.push(String(dv.getUint32(pos)));
      return pos + 4;
    case 'time':
      check(b, pos + 4);
      out.push(formatTime(dv.getUint32(pos)));
      return pos + 4;
    case 'type':
      check(b, pos + 2);
      out.push(typeToString(dv.getUint16(pos)));
      return pos + 2;
    case 'ipv4':
      check(b, pos + 4);
      out.push(`${b[pos]}.${b[pos + 1]}.${b[pos + 2]}.${b[pos + 3]}`);
      return pos + 4;
    case 'ipv6':
      check(b, pos + 16);
      out.push(formatIpv6(b, pos));
      return pos + 16;
    case 'string': {
      check(b, pos + 1);
      const end = pos + 1 + b[pos]!;
      check(b, end);
      out.push(quote(b, pos + 1, end));
      return end;
    }
    case 'strings': {
      let p = pos;
      if (p >= b.length) throw new RangeError('empty TXT');
      while (p < b.length) {
        const end = p + 1 + b[p]!;
        check(b, end);
        out.push(quote(b, p + 1, end));
        p = end;
      }
      return p;
    }
    case 'salt': {
      check(b, pos + 1);
      const end = pos + 1 + b[pos]!;
      check(b, end);
      out.push(end === pos + 1 ? '-' : bytesToHex(b.subarray(pos + 1, end)));
      return end;
    }
    case 'hash': {
      check(b, pos + 1);
      const end = pos + 1 + b[pos]!;
      check(b, end);
      out.push(bytesToBase32hex(b.subarray(pos + 1, end)));
      return end;
    }
    case 'base64':
      if (pos >= b.length) throw new RangeError('empty base64 field');
      out.push(bytesToBase64(b.subarray(pos)));
      return b.length;
    case 'hex':
      if (pos >= b.length) throw new RangeError('empty hex field');
      out.push(bytesToHex(b.subarray(pos)));
      return b.length;
    case 'bitmap': {
      // Validates the windows as it goes (throws on malformed maps).
      const types = decodeBitmapForText(b, pos);
      out.push(...types.map(typeToString));
      return b.length;
    }
    case 'caa-tag': {
      check(b, pos + 1);
      const end = pos + 1 + b[pos]!;
      check(b, end);
      out.push(Buffer.from(b.subarray(pos + 1, end)).toString('latin1'));
      return end;
    }
    case 'caa-value':
      out.push(quote(b, pos, b.length));
      return b.length;
  }
}

function decodeBitmapForText(b: Uint8Array, pos: number): number[] {
  const types: number[] = [];
  let o = pos;
  let last = -1;
  while (o < b.length) {
    const win = b[o]!;
    const len = b[o + 1]!;
    if (o + 2 > b.length || win <= last || len < 1 || len > 32 || o + 2 + len > b.length) throw new RangeError('bad bitmap');
    last = win;
    for (let k = 0; k < len; k++) {
      const byte = b[o + 2 + k]!;
      for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) types.push(win * 256 + k * 8 + bit);
    }
    o += 2 + len;
  }
  return types;
}
