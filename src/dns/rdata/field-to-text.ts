// Wire -> presentation for one RDATA field. Malformed RDATA throws; the caller
// (rdataToText) then prints the RDATA in RFC 3597 generic form instead.

import { Name } from '../name.js';
import { typeToString } from '../types.js';
import { bytesToBase32hex, bytesToBase64, bytesToHex } from './encoding.js';
import type { Field } from './fields.js';
import { formatIpv6 } from './ip-address.js';
import { decodeTypeBitmap } from './type-bitmap.js';

function formatTime(v: number): string {
  return new Date(v * 1000).toISOString().replace(/[-T:]/g, '').slice(0, 14);
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

/** End of the length-prefixed octets at `pos` (one length octet, then that many). */
function lengthPrefixedEnd(b: Uint8Array, pos: number): number {
  check(b, pos + 1);
  const end = pos + 1 + b[pos]!;
  check(b, end);
  return end;
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
      const end = lengthPrefixedEnd(b, pos);
      out.push(quote(b, pos + 1, end));
      return end;
    }
    case 'strings': {
      let p = pos;
      if (p >= b.length) throw new RangeError('empty TXT');
      while (p < b.length) {
        const end = lengthPrefixedEnd(b, p);
        out.push(quote(b, p + 1, end));
        p = end;
      }
      return p;
    }
    case 'salt': {
      const end = lengthPrefixedEnd(b, pos);
      out.push(end === pos + 1 ? '-' : bytesToHex(b.subarray(pos + 1, end)));
      return end;
    }
    case 'hash': {
      const end = lengthPrefixedEnd(b, pos);
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
      const types = decodeTypeBitmap(b, pos);
      out.push(...types.map(typeToString));
      return b.length;
    }
    case 'caa-tag': {
      const end = lengthPrefixedEnd(b, pos);
      out.push(Buffer.from(b.subarray(pos + 1, end)).toString('latin1'));
      return end;
    }
    case 'caa-value':
      out.push(quote(b, pos, b.length));
      return b.length;
  }
}
