// RFC 4034 §6.2 canonical RR form and §6.3 RRset order: what RRSIGs sign
// (RFC 4034 §3.1.8.1) and ZONEMD digests (RFC 8976 §3.3.1).

import { compareBytes } from '../bytes.js';
import type { Name } from './name.js';
import { RRType } from './types.js';
import { nameOffsets } from './rdata/wire-layout.js';

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

/**
 * The canonical RDATAs of one RRset in §6.3 order (left-justified octets,
 * shorter first: compareBytes), exact duplicates removed
 * (RFC 4034 §6.3: "MUST NOT" have duplicate RRs; RFC 8976 §3.3.1.1 likewise).
 */
export function canonicalRdataSet(type: number, rdatas: readonly Uint8Array[]): Uint8Array[] {
  const sorted = rdatas.map((r) => canonicalRdata(type, r)).sort(compareBytes);
  const out: Uint8Array[] = [];
  for (const r of sorted) if (out.length === 0 || compareBytes(out[out.length - 1]!, r) !== 0) out.push(r);
  return out;
}
