// Presentation -> wire for one RDATA field (RFC 1035 §5.1 and each type's RFC).

import { Name, NameError } from '../name.js';
import { typeFromString } from '../types.js';
import { base32hexToBytes, base64ToBytes, HEX_VALUE } from './encoding.js';
import type { Field } from './fields.js';
import { ipv4Into, parseIpv6 } from './ip-address.js';
import { RdataError } from './rdata-error.js';
import type { Sink } from './sink.js';
import type { TextToken } from './text-token.js';
import { encodeTypeBitmap } from './type-bitmap.js';

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

function typeNumber(f: Field, t: TextToken): number {
  const v = t.quoted ? undefined : typeFromString(t.text);
  if (v === undefined) throw new RdataError(`unknown type in ${f.label}`, t, 'a type mnemonic or TYPEnnn');
  return v;
}

function rest(tokens: readonly TextToken[], i: number): string {
  let s = '';
  for (let k = i; k < tokens.length; k++) s += tokens[k]!.text;
  return s;
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
      out.bytes(encodeTypeBitmap(types));
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
