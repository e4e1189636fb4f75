// Presentation <-> wire for one RDATA field (RFC 1035 §5.1 and each type's RFC).

import { isIPv4, isIPv6 } from 'node:net';
import { Name, NameError } from '../name.js';
import { RdataError, type TextToken } from '../rdata.js';
import { typeFromString, typeToString } from '../types.js';
import type { Field } from './fields.js';
import { base32hexToBytes, base64ToBytes, bytesToBase32hex, bytesToBase64, bytesToHex } from './encoding.js';

const u8 = (v: number): Uint8Array => Uint8Array.of(v);
const u16 = (v: number): Uint8Array => Uint8Array.of(v >>> 8, v & 0xff);
const u32 = (v: number): Uint8Array => Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);

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

function charString(f: Field, t: TextToken): Uint8Array {
  const bytes = unescape(t);
  if (bytes.length > 255) throw new RdataError(`${f.label} longer than 255 octets`, t, 'at most 255 octets per string');
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function parseIpv6(s: string): Uint8Array | undefined {
  if (!isIPv6(s) || s.includes('%')) return undefined;
  const out = new Uint8Array(16);
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out2: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = g.split('.').map(Number);
        out2.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else out2.push(parseInt(g, 16));
    }
    return out2;
  };
  const h = groups(head);
  const tl = groups(tail);
  const all = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - tl.length).fill(0), ...tl] : h;
  if (all.length !== 8) return undefined;
  all.forEach((g, k) => {
    out[2 * k] = g >>> 8;
    out[2 * k + 1] = g & 0xff;
  });
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

function time(f: Field, t: TextToken): number {
  const s = t.text;
  if (/^[0-9]{14}$/.test(s)) {
    const ms = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14));
    const back = new Date(ms).toISOString().replace(/[-T:]/g, '').slice(0, 14);
    if (back !== s) throw new RdataError(`bad ${f.label}`, t, 'a valid date YYYYMMDDHHmmSS');
    return (ms / 1000) % 0x100000000;
  }
  if (/^[0-9]{1,10}$/.test(s)) return integer(f, t, 0xffffffff);
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

/** Parse one field starting at token `i`; push its wire form; return the next token index. */
export function textToField(f: Field, tokens: readonly TextToken[], i: number, origin: Name, parts: Uint8Array[]): number {
  switch (f.kind) {
    case 'name': {
      const t = need(f, tokens, i, 'a domain name');
      try {
        parts.push(Name.fromText(t.text, origin).wire);
      } catch (e) {
        throw new RdataError(`bad ${f.label}: ${(e as NameError).message}`, t, 'a domain name');
      }
      return i + 1;
    }
    case 'u8':
      parts.push(u8(integer(f, need(f, tokens, i, 'a number from 0 to 255'), 0xff)));
      return i + 1;
    case 'u16':
      parts.push(u16(integer(f, need(f, tokens, i, 'a number from 0 to 65535'), 0xffff)));
      return i + 1;
    case 'u32':
      parts.push(u32(integer(f, need(f, tokens, i, 'a number from 0 to 4294967295'), 0xffffffff)));
      return i + 1;
    case 'ttl':
      parts.push(u32(duration(f, need(f, tokens, i, 'seconds or a duration'))));
      return i + 1;
    case 'time':
      parts.push(u32(time(f, need(f, tokens, i, 'a time YYYYMMDDHHmmSS'))));
      return i + 1;
    case 'type':
      parts.push(u16(typeNumber(f, need(f, tokens, i, 'a type mnemonic'))));
      return i + 1;
    case 'ipv4': {
      const t = need(f, tokens, i, 'an IPv4 address');
      const p = t.text.split('.');
      if (t.quoted || !isIPv4(t.text) || p.length !== 4) throw new RdataError('bad IPv4 address', t, 'an IPv4 address like 192.0.2.1');
      parts.push(Uint8Array.from(p.map(Number)));
      return i + 1;
    }
    case 'ipv6': {
      const t = need(f, tokens, i, 'an IPv6 address');
      const b = t.quoted ? undefined : parseIpv6(t.text);
      if (b === undefined) throw new RdataError('bad IPv6 address', t, 'an IPv6 address like 2001:db8::1');
      parts.push(b);
      return i + 1;
    }
    case 'string':
      parts.push(charString(f, need(f, tokens, i, 'a character string')));
      return i + 1;
    case 'strings': {
      need(f, tokens, i, 'one or more character strings');
      for (let k = i; k < tokens.length; k++) parts.push(charString(f, tokens[k]!));
      return tokens.length;
    }
    case 'salt': {
      const t = need(f, tokens, i, 'a hex salt or "-"');
      if (t.text === '-') {
        parts.push(u8(0));
        return i + 1;
      }
      if (!/^([0-9a-fA-F]{2})+$/.test(t.text) || t.text.length > 510) throw new RdataError('bad salt', t, 'hex octets or "-"');
      parts.push(u8(t.text.length / 2), Uint8Array.from(Buffer.from(t.text, 'hex')));
      return i + 1;
    }
    case 'hash': {
      const t = need(f, tokens, i, 'a base32hex hash');
      const b = base32hexToBytes(t.text);
      if (b === undefined || b.length === 0 || b.length > 255) throw new RdataError(`bad ${f.label}`, t, 'base32hex (RFC 4648 §7)');
      parts.push(u8(b.length), b);
      return i + 1;
    }
    case 'base64': {
      const t = need(f, tokens, i, 'base64 data');
      const b = base64ToBytes(rest(tokens, i));
      if (b === undefined || b.length === 0) throw new RdataError(`bad base64 in ${f.label}`, t, 'base64 (RFC 4648 §4)');
      parts.push(b);
      return tokens.length;
    }
    case 'hex': {
      const t = need(f, tokens, i, 'hex data');
      const s = rest(tokens, i);
      if (!/^([0-9a-fA-F]{2})+$/.test(s)) {
        const bad = tokens.slice(i).find((x) => !/^[0-9a-fA-F]*$/.test(x.text)) ?? t;
        throw new RdataError(`bad hex in ${f.label}`, bad, 'an even number of hex digits');
      }
      parts.push(Uint8Array.from(Buffer.from(s, 'hex')));
      return tokens.length;
    }
    case 'bitmap': {
      const types: number[] = [];
      for (let k = i; k < tokens.length; k++) types.push(typeNumber(f, tokens[k]!));
      parts.push(encodeBitmap(types));
      return tokens.length;
    }
    case 'caa-tag': {
      const t = need(f, tokens, i, 'a CAA tag');
      if (!/^[A-Za-z0-9]{1,255}$/.test(t.text)) throw new RdataError('bad CAA tag', t, 'letters and digits (RFC 8659 §4.1)');
      parts.push(u8(t.text.length), Uint8Array.from(Buffer.from(t.text, 'latin1')));
      return i + 1;
    }
    case 'caa-value': {
      const t = need(f, tokens, i, 'a CAA value');
      parts.push(Uint8Array.from(unescape(t)));
      return i + 1;
    }
  }
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
