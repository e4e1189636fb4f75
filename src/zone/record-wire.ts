// Resource records as uncompressed wire RRs one after another (RFC 1035
// §4.1.3: owner, TYPE, CLASS, TTL, RDLENGTH, RDATA): how the zone image
// stores its records and how a difference computed in the refresh worker
// crosses to the serving thread (structured clone would lose Name's class).

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { skipName } from '../dns/rdata/wire-layout.js';

export function encodeRecords(records: readonly ResourceRecord[]): Uint8Array {
  let size = 0;
  for (const rr of records) size += rr.name.wire.length + 10 + rr.rdata.length;
  const out = new Uint8Array(size);
  let o = 0;
  for (const rr of records) o = putRecord(out, o, rr);
  return out;
}

/** Write one record at out[o]; returns the offset after it. */
export function putRecord(out: Uint8Array, o: number, rr: ResourceRecord): number {
  out.set(rr.name.wire, o);
  o += rr.name.wire.length;
  out[o++] = rr.type >>> 8;
  out[o++] = rr.type & 0xff;
  out[o++] = rr.class >>> 8;
  out[o++] = rr.class & 0xff;
  out[o++] = rr.ttl >>> 24;
  out[o++] = (rr.ttl >>> 16) & 0xff;
  out[o++] = (rr.ttl >>> 8) & 0xff;
  out[o++] = rr.ttl & 0xff;
  out[o++] = rr.rdata.length >>> 8;
  out[o++] = rr.rdata.length & 0xff;
  out.set(rr.rdata, o);
  return o + rr.rdata.length;
}

/** Every record in `b`. Throws RangeError when one runs past the end. */
export function decodeRecords(b: Uint8Array): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (let o = 0; o < b.length; ) {
    const r = readRecord(b, o);
    out.push(r.rr);
    o = r.next;
  }
  return out;
}

/** The record at b[o] and the offset after it. Throws RangeError when it runs past the end. */
export function readRecord(b: Uint8Array, o: number): { rr: ResourceRecord; next: number } {
  const end = skipName(b, o);
  if (end < 0 || end + 10 > b.length) throw new RangeError('a record runs past the end of its octets');
  const name = Name.fromUncompressedWire(b.slice(o, end));
  const type = (b[end]! << 8) | b[end + 1]!;
  const cls = (b[end + 2]! << 8) | b[end + 3]!;
  const ttl = ((b[end + 4]! << 24) | (b[end + 5]! << 16) | (b[end + 6]! << 8) | b[end + 7]!) >>> 0;
  const rdlen = (b[end + 8]! << 8) | b[end + 9]!;
  const next = end + 10 + rdlen;
  if (next > b.length) throw new RangeError('a record runs past the end of its octets');
  return { rr: { name, type, class: cls, ttl, rdata: b.slice(end + 10, next) }, next };
}
