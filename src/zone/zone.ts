// The immutable zone: built once by buildZone() (build.ts), never changed after,
// swapped into the ZoneStore in one assignment. Everything a query needs is laid
// out here so lookup() (lookup.ts) is a handful of Map reads: nodes keyed by
// Name.key, RRsets per type with their RRSIGs beside them, delegation points
// flagged, the NSEC chain as a sorted array, and per-delegation referrals
// precomputed (NSD's "data layout built for answering").

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { skipName } from '../dns/rdata/wire-layout.js';
import type { LookupResult } from './result.js';

/** `strip`: DNSSEC records removed before building (classic recipe); `keep`: served, following DO. */
export type DnssecMode = 'strip' | 'keep';

/** One RRset of a node, with the RRSIGs that cover it (RFC 4035 §2.2). */
export interface RRsetData {
  readonly name: Name;
  readonly type: number;
  /** RFC 2181 §5.2: one TTL per RRset. The first record's TTL; records that differed were rewritten to it. */
  readonly ttl: number;
  /** In canonical RDATA order (RFC 4034 §6.3), duplicates removed (RFC 2181 §5). */
  readonly records: readonly ResourceRecord[];
  /** RRSIGs whose type covered is this type; empty in strip mode. */
  readonly sigs: readonly ResourceRecord[];
}

export interface ZoneNode {
  /** The owner as first written in the zone (case preserved). */
  readonly name: Name;
  /** RFC 4034 §6.1 order as a string: compare two of these with < to compare the names canonically. */
  readonly sortKey: string;
  /** RRsets by type (RRSIG is not an RRset here: see RRsetData.sigs and `rrsigs`). */
  readonly rrsets: ReadonlyMap<number, RRsetData>;
  /** Every RRSIG owned by this node, in canonical order (answers qtype RRSIG, AXFR, export). */
  readonly rrsigs: readonly ResourceRecord[];
  /** NS below the apex: a zone cut (RFC 1034 §4.2.1). */
  readonly delegation: boolean;
  /** Strictly below a zone cut: glue or occluded data, never answered authoritatively. */
  readonly occluded: boolean;
  /** Empty non-terminal: exists only because names below it do (RFC 8020 wants NODATA here). */
  readonly empty: boolean;
  /** Precomputed referral for a delegation point, without and with DO. */
  readonly referral?: { readonly plain: LookupResult; readonly dnssec: LookupResult };
}

export interface Zone {
  readonly origin: Name;
  readonly serial: number;
  readonly soa: ResourceRecord;
  readonly dnssec: DnssecMode;
  readonly apex: ZoneNode;
  /** Every node, including empty non-terminals and glue, keyed by Name.key. */
  readonly nodes: ReadonlyMap<string, ZoneNode>;
  /** All served records in canonical order (owner, type, RDATA): for AXFR, export, ZONEMD. */
  readonly records: readonly ResourceRecord[];
  /** Owners of NSEC records, in canonical order; `nsecKeys[i] === nsecNodes[i].sortKey`. */
  readonly nsecNodes: readonly ZoneNode[];
  readonly nsecKeys: readonly string[];
  /** Delegation points (NS below the apex), canonical order. */
  readonly delegations: readonly ZoneNode[];
  /** Served records by type number. */
  readonly counts: ReadonlyMap<number, number>;
  /** Precomputed apex pieces: NS glue for the additional section, NXDOMAIN answer without DO. */
  readonly apexGlue: readonly ResourceRecord[];
  readonly nxdomainPlain: LookupResult;
}

/**
 * Where each label of a Name.key starts, most specific first: "www.example." →
 * [0, 4], so key.slice(4) is "example."; the root "." itself is not listed.
 * Works on the escaped presentation key (an escaped dot `\.` is not a boundary).
 */
export function suffixStarts(key: string): number[] {
  if (key === '.') return [];
  const starts = [0];
  for (let i = 0; i < key.length - 1; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x2e /* . */) starts.push(i + 1);
  }
  return starts;
}

/**
 * The uncompressed domain name at `offset` in wire RDATA (NS, CNAME, SOA MNAME,
 * NSEC next name, ...). Throws RangeError on malformed input; RDATA in a built
 * zone came through the parser, so that would be a bug, not bad input.
 */
export function rdataName(rdata: Uint8Array, offset: number): { name: Name; next: number } {
  const next = skipName(rdata, offset);
  if (next < 0) throw new RangeError('domain name in RDATA runs past its end or has a compressed or invalid label');
  return { name: Name.fromUncompressedWire(rdata.subarray(offset, next)), next };
}
