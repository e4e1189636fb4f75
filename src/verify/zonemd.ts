// ZONEMD (RFC 8976): recompute the zone digest and compare it with the apex
// ZONEMD RRset. Only the SIMPLE scheme exists (§3.3.1); SHA-384 and SHA-512
// are the defined hash algorithms (§2.2.3). A bad zone is a verdict, never an
// exception (see verdict.ts); ZonemdError is for a caller asking for a hash
// algorithm that does not exist.

import { createHash } from 'node:crypto';

import { bytesEqual, compareBytes } from '../bytes.js';
import { canonicalRdata, writeCanonicalRecord } from '../dns/canonical.js';
import { canonicalSortKey, type Name } from '../dns/name.js';
import { decodeSoa } from '../dns/rdata/soa.js';
import { decodeZonemd, type Zonemd } from '../dns/rdata/zonemd.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import type { Verdict } from './verdict.js';
import { OperatorError } from '../errors.js';

export class ZonemdError extends OperatorError {
  override readonly name = 'ZonemdError';
}

/** RFC 8976 §5.2 "ZONEMD Schemes" registry. */
export const ZonemdScheme = { SIMPLE: 1 } as const;
/** RFC 8976 §5.3 "ZONEMD Hash Algorithms" registry. */
export const ZonemdHash = { SHA384: 1, SHA512: 2 } as const;

const HASHES: ReadonlyMap<number, { readonly node: string; readonly label: string; readonly length: number }> = new Map([
  [ZonemdHash.SHA384, { node: 'sha384', label: 'SHA-384', length: 48 }],
  [ZonemdHash.SHA512, { node: 'sha512', label: 'SHA-512', length: 64 }],
]);

/** RFC 8976 §2.2.4: no digest may be shorter than 12 octets. */
const MIN_DIGEST = 12;

/** The zone's records as the SIMPLE scheme digests them, in order: one buffer, hashed in one call. */
interface Collated {
  readonly bytes: Uint8Array;
  readonly count: number;
  /** Apex ZONEMD RDATAs, exact duplicates dropped (they are not part of the digest). */
  readonly zonemds: readonly Uint8Array[];
  readonly soaSerials: readonly number[];
}

/** One distinct owner name: its rank in canonical order and its canonical wire, computed once. */
interface Owner {
  readonly name: Name;
  rank: number;
  readonly wire: Uint8Array;
}

/**
 * RFC 8976 §3.3.1 SIMPLE scheme input: every RR at or below the apex in RFC
 * 4034 §6.2 canonical form, in §6.1/§6.3 order (owner, type, RDATA), exact
 * duplicates once. Left out: data outside the zone, the apex ZONEMD RRset and
 * the RRSIGs covering it (§3.3.1.1). Kept: glue, occluded data below a
 * delegation or a DNAME (§3.3.1.1 "Occluded data MUST be included"), a
 * ZONEMD that is not at the apex, and every other RRSIG. TTLs are the
 * records' own (the canonical form's "original TTL" of a zone at rest).
 */
function collate(records: readonly ResourceRecord[], origin: Name): Collated {
  const byKey = new Map<string, Owner>();
  const owners: Owner[] = [];
  const kept: ResourceRecord[] = [];
  const ownerOf: Owner[] = [];
  const zonemds: Uint8Array[] = [];
  const soaSerials: number[] = [];
  const underRoot = origin.isRoot();
  let lastName: Name | undefined;
  let last: Owner | undefined;
  for (const rr of records) {
    const name = rr.name;
    let owner: Owner | undefined;
    // The parser hands consecutive records of one owner the same Name object.
    if (name === lastName) {
      owner = last!;
    } else {
      owner = byKey.get(name.key);
      if (owner === undefined) {
        if (!underRoot && !name.isSubdomainOf(origin)) continue; // not part of the zone
        owner = { name, rank: 0, wire: name.canonicalWire() };
        byKey.set(name.key, owner);
        owners.push(owner);
      }
      lastName = name;
      last = owner;
    }
    if (name.key === origin.key) {
      if (rr.type === RRType.ZONEMD) {
        if (!zonemds.some((z) => compareBytes(z, rr.rdata) === 0)) zonemds.push(rr.rdata);
        continue;
      }
      if (rr.type === RRType.RRSIG && rr.rdata.length >= 2 && ((rr.rdata[0]! << 8) | rr.rdata[1]!) === RRType.ZONEMD) continue;
      if (rr.type === RRType.SOA) {
        const serial = soaSerial(rr.rdata);
        if (serial !== undefined && !soaSerials.includes(serial)) soaSerials.push(serial);
      }
    }
    kept.push(rr);
    ownerOf.push(owner);
  }

  // Sort the distinct owners once (the root zone: ~7.4k names for ~25k RRs),
  // then the RRs by owner rank, type, class and canonical RDATA.
  const keys = owners.map((o) => canonicalSortKey(o.name));
  const order = owners.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  order.forEach((i, r) => (owners[i]!.rank = r));
  const rank = new Int32Array(kept.length);
  const rds: Uint8Array[] = new Array<Uint8Array>(kept.length);
  for (let i = 0; i < kept.length; i++) {
    rank[i] = ownerOf[i]!.rank;
    rds[i] = canonicalRdata(kept[i]!.type, kept[i]!.rdata);
  }
  const idx = Array.from(kept, (_, i) => i);
  idx.sort((a, b) => rank[a]! - rank[b]! || kept[a]!.type - kept[b]!.type || kept[a]!.class - kept[b]!.class || compareBytes(rds[a]!, rds[b]!));

  // §3.3.1.1: duplicate RRs (same owner, class, type and RDATA) are digested
  // once, whatever their TTLs. First pass: drop them and size the buffer.
  let n = 0;
  let total = 0;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    const rr = kept[i]!;
    if (n > 0) {
      const p = idx[n - 1]!;
      if (rank[p] === rank[i] && kept[p]!.type === rr.type && kept[p]!.class === rr.class && compareBytes(rds[p]!, rds[i]!) === 0) continue;
    }
    idx[n++] = i;
    total += ownerOf[i]!.wire.length + 10 + rds[i]!.length;
  }
  const bytes = new Uint8Array(total);
  let o = 0;
  for (let j = 0; j < n; j++) {
    const i = idx[j]!;
    const rr = kept[i]!;
    o = writeCanonicalRecord(bytes, o, ownerOf[i]!.wire, rr.type, rr.class, rr.ttl, rds[i]!);
  }
  return { bytes, count: n, zonemds, soaSerials };
}

function soaSerial(rdata: Uint8Array): number | undefined {
  try {
    return decodeSoa(rdata).serial;
  } catch {
    return undefined;
  }
}

function hashSpec(hashAlgorithm: number): { readonly node: string; readonly label: string; readonly length: number } {
  const h = HASHES.get(hashAlgorithm);
  if (h === undefined) {
    throw new ZonemdError(`ZONEMD hash algorithm ${hashAlgorithm} is not supported; use ${ZonemdHash.SHA384} (SHA-384) or ${ZonemdHash.SHA512} (SHA-512)`);
  }
  return h;
}

function hashOf(c: Collated, hashAlgorithm: number): Uint8Array {
  return new Uint8Array(createHash(hashSpec(hashAlgorithm).node).update(c.bytes).digest());
}

/**
 * The RFC 8976 SIMPLE-scheme digest of the zone at `origin` (§3.3), e.g. to
 * fill in a placeholder ZONEMD. Any apex ZONEMD in `records` is left out of
 * the digest, as §3.3.1.1 requires.
 */
export function computeZonemdDigest(records: readonly ResourceRecord[], origin: Name, hashAlgorithm: number): Uint8Array {
  hashSpec(hashAlgorithm); // an unknown algorithm fails before the work
  return hashOf(collate(records, origin), hashAlgorithm);
}

/** How far one ZONEMD RR got through RFC 8976 §4 steps 4 and 5; higher is further. */
interface Outcome {
  readonly stage: number;
  readonly detail: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const prefix = (b: Uint8Array): string => `${hex(b.subarray(0, 8))}…`;
const schemeLabel = (s: number): string => (s === ZonemdScheme.SIMPLE ? 'SIMPLE' : `scheme ${s}`);
const hashLabel = (a: number): string => HASHES.get(a)?.label ?? `hash ${a}`;

/**
 * RFC 8976 §4: the zone verifies if ANY apex ZONEMD RR with a supported
 * scheme and hash algorithm, whose serial is the SOA serial, and whose
 * (scheme, hash) pair is not repeated in the RRset, carries the digest of the
 * zone. No apex ZONEMD fails closed: this layer was asked for, so a copy
 * without one is not accepted.
 */
export function verifyZonemd(records: readonly ResourceRecord[], origin: Name): Omit<Verdict, 'ms'> {
  const c = collate(records, origin);
  const zone = origin.toString();
  if (c.zonemds.length === 0) {
    return { ok: false, detail: `no ZONEMD RRset at the apex of ${zone} (fail closed): this copy carries no digest to check; use a source that publishes ZONEMD, or leave zonemd out of --verify` };
  }
  if (c.soaSerials.length !== 1) {
    const what = c.soaSerials.length === 0 ? 'no SOA' : `${c.soaSerials.length} SOA records with different serials (${c.soaSerials.join(', ')})`;
    return { ok: false, detail: `${what} at the apex of ${zone}: the ZONEMD serial cannot be checked (RFC 8976 §4 step 5a)` };
  }
  const serial = c.soaSerials[0]!;

  const parsed: (Zonemd | undefined)[] = c.zonemds.map((rd) => {
    try {
      return decodeZonemd(rd);
    } catch {
      return undefined;
    }
  });
  const tuples = new Map<number, number>();
  for (const z of parsed) if (z) tuples.set((z.scheme << 8) | z.hashAlgorithm, (tuples.get((z.scheme << 8) | z.hashAlgorithm) ?? 0) + 1);

  const digests = new Map<number, Uint8Array>();
  const outcomes: Outcome[] = [];
  for (const z of parsed) {
    if (z === undefined) {
      outcomes.push({ stage: 0, detail: 'ZONEMD RDATA shorter than its 6 fixed octets' });
      continue;
    }
    const what = `${schemeLabel(z.scheme)}/${hashLabel(z.hashAlgorithm)}`;
    const n = tuples.get((z.scheme << 8) | z.hashAlgorithm)!;
    const h = HASHES.get(z.hashAlgorithm);
    if (n > 1) {
      // §4 step 4: a repeated (scheme, hash) pair disqualifies those RRs only.
      outcomes.push({ stage: 1, detail: `ZONEMD RRset has ${n} RRs with scheme ${z.scheme} and hash ${z.hashAlgorithm}; none of them may be used (RFC 8976 §4 step 4)` });
    } else if (z.serial !== serial) {
      outcomes.push({ stage: 2, detail: `ZONEMD ${what} serial ${z.serial} does not match SOA serial ${serial} (RFC 8976 §4 step 5a): the digest is for another version of the zone` });
    } else if (z.scheme !== ZonemdScheme.SIMPLE || h === undefined) {
      outcomes.push({ stage: 3, detail: `ZONEMD scheme ${z.scheme} hash ${z.hashAlgorithm} is not supported (only SIMPLE(1) with SHA-384(1) or SHA-512(2), RFC 8976 §4 steps 5b/5c): nothing to verify against (fail closed)` });
    } else if (z.digest.length < MIN_DIGEST || z.digest.length !== h.length) {
      const why = z.digest.length < MIN_DIGEST ? `shorter than the ${MIN_DIGEST}-octet minimum (RFC 8976 §2.2.4)` : `${h.label} digests are ${h.length} octets (RFC 8976 §4 step 5d)`;
      outcomes.push({ stage: 4, detail: `ZONEMD ${what} digest is ${z.digest.length} octets, ${why}` });
    } else {
      let computed = digests.get(z.hashAlgorithm);
      if (computed === undefined) {
        computed = hashOf(c, z.hashAlgorithm);
        digests.set(z.hashAlgorithm, computed);
      }
      if (bytesEqual(computed, z.digest)) {
        return { ok: true, detail: `ZONEMD ${what} over ${c.count} records matches (serial ${serial})` };
      }
      outcomes.push({
        stage: 5,
        detail: `ZONEMD ${what} digest mismatch over ${c.count} records (serial ${serial}): ZONEMD has ${prefix(z.digest)}, the zone data gives ${prefix(computed)}; the copy was altered or is incomplete, fetch it again`,
      });
    }
  }
  // Report the RR that got furthest through §4; mention the others only if they failed differently.
  const best = outcomes.reduce((a, b) => (b.stage > a.stage ? b : a));
  const others = new Set(outcomes.map((x) => x.detail));
  others.delete(best.detail);
  const more = others.size === 0 ? '' : ` (and ${others.size} other ZONEMD RR${others.size > 1 ? 's' : ''} that did not verify either)`;
  return { ok: false, detail: best.detail + more };
}
