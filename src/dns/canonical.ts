// RFC 4034 §6.2 canonical RR form and §6.3 RRset order: what RRSIGs sign
// (RFC 4034 §3.1.8.1) and ZONEMD digests (RFC 8976 §3.3.1).

import type { Name } from './name.js';
import { canonicalRdata } from './rdata.js';

/**
 * owner | type | class | TTL | RDLENGTH | RDATA, with the owner and the names
 * inside RDATA lower-cased (§6.2). `ownerWire` lets a caller pass a wildcard
 * owner rebuilt per RFC 4035 §5.3.2; by default the owner's canonical wire.
 */
export function canonicalRecordWire(
  owner: Name,
  type: number,
  cls: number,
  ttl: number,
  rdata: Uint8Array,
  ownerWire: Uint8Array = owner.canonicalWire(),
): Uint8Array {
  const rd = canonicalRdata(type, rdata);
  const out = new Uint8Array(ownerWire.length + 10 + rd.length);
  writeCanonicalRecord(out, 0, ownerWire, type, cls, ttl, rd);
  return out;
}

/**
 * Write one canonical RR into `out` at `offset` and return the offset past it,
 * for callers that stream many RRs into one buffer (ZONEMD). `ownerWire` and
 * `rdata` must already be canonical (Name.canonicalWire, canonicalRdata).
 */
export function writeCanonicalRecord(
  out: Uint8Array,
  offset: number,
  ownerWire: Uint8Array,
  type: number,
  cls: number,
  ttl: number,
  rdata: Uint8Array,
): number {
  out.set(ownerWire, offset);
  let o = offset + ownerWire.length;
  out[o++] = type >>> 8;
  out[o++] = type & 0xff;
  out[o++] = cls >>> 8;
  out[o++] = cls & 0xff;
  out[o++] = ttl >>> 24;
  out[o++] = (ttl >>> 16) & 0xff;
  out[o++] = (ttl >>> 8) & 0xff;
  out[o++] = ttl & 0xff;
  out[o++] = rdata.length >>> 8;
  out[o++] = rdata.length & 0xff;
  out.set(rdata, o);
  return o + rdata.length;
}

/** §6.3: RDATA compared as left-justified unsigned octet sequences, shorter first on a tie. */
export function compareRdata(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * The canonical RDATAs of one RRset in §6.3 order, exact duplicates removed
 * (RFC 4034 §6.3: "MUST NOT" have duplicate RRs; RFC 8976 §3.3.1.1 likewise).
 */
export function canonicalRdataSet(type: number, rdatas: readonly Uint8Array[]): Uint8Array[] {
  const sorted = rdatas.map((r) => canonicalRdata(type, r)).sort(compareRdata);
  const out: Uint8Array[] = [];
  for (const r of sorted) if (out.length === 0 || compareRdata(out[out.length - 1]!, r) !== 0) out.push(r);
  return out;
}
