// lookup(): what an authoritative server for `zone` answers to one question.
// RFC 1034 §4.3.2 (steps 3a-3c: answer, referral, name error) with the DNSSEC
// additions of RFC 4035 §3.1 (RRSIGs, DS or NSEC in referrals, NSEC proofs for
// NODATA and NXDOMAIN), RFC 8482 for ANY. Where the RFCs leave a choice, NSD
// 4.6's is taken, because the server is diff-tested against NSD
// (test/differential-nsd.test.ts):
//   - positive answers carry the apex NS RRset in AUTHORITY (and its glue),
//     except for NS, DNSKEY, DS and ANY questions (NSD with minimal-responses: no);
//   - ANY at the apex is answered with the SOA RRset only; elsewhere with one RRset;
//   - a qname outside the zone is REFUSED.
// Decided in two steps so the server can cache: locate() finds the node that
// decides the answer (apex, delegation, exact node, or the NXDOMAIN gap), and
// answerKey() names the answer (what the cache may share); equal keys mean
// equal results.
//
// Not implemented: wildcard synthesis (RFC 4592). The root zone has no
// wildcards; a zone with `*` owners is answered as if `*` were an ordinary label.

import { canonicalSortKey, type Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType, Rcode } from '../dns/types.js';
import { result, type LookupResult } from './result.js';
import { rdataName, suffixStarts, type RRsetData, type Zone, type ZoneNode } from './zone.js';

export interface LookupOptions {
  /** The query's EDNS DO bit (RFC 3225). Only matters in `keep` mode. */
  readonly dnssecOk: boolean;
}

/** The part of the zone that decides an answer. */
export type Location =
  /** Not at or under the origin. */
  | { readonly kind: 'outside' }
  /** At (`exact`) or below a zone cut. */
  | { readonly kind: 'cut'; readonly node: ZoneNode; readonly exact: boolean }
  /** An authoritative node (the apex, a node with data, or an empty non-terminal). */
  | { readonly kind: 'node'; readonly node: ZoneNode }
  /** The name does not exist; `encloser` is the closest encloser (RFC 4592 §3.3.1). */
  | { readonly kind: 'nxdomain'; readonly encloser: ZoneNode };

const OUTSIDE: Location = Object.freeze({ kind: 'outside' });
const REFUSED: LookupResult = result('refused', Rcode.REFUSED, false, [], [], []);
/** CNAME chains inside the zone are followed this far (BIND and NSD stop around 8-16). */
const MAX_CNAME = 8;
/** Positive answers of these types get no apex NS in AUTHORITY (NSD). */
const NO_AUTHORITY_NS: ReadonlySet<number> = new Set([RRType.NS, RRType.DNSKEY, RRType.DS, RRType.ANY]);

/**
 * Walk the qname's labels from the right, one Map read per label below the
 * origin. For the root zone almost every question is decided at the TLD.
 */
export function locate(zone: Zone, qname: Name): Location {
  const key = qname.key;
  const okey = zone.origin.key;
  if (key === okey) return { kind: 'node', node: zone.apex };
  if (okey === '.' && key.indexOf('\\') < 0) return locateUnderRoot(zone, key);
  const starts = suffixStarts(key);
  let top: number; // index in `starts` of the label just below the origin
  if (okey === '.') {
    top = starts.length - 1;
  } else {
    const at = key.length - okey.length;
    top = starts.indexOf(at) - 1;
    if (at <= 0 || top < 0 || !key.endsWith(okey)) return OUTSIDE;
  }
  let encloser = zone.apex;
  for (let i = top; i >= 0; i--) {
    const node = zone.nodes.get(i === 0 ? key : key.slice(starts[i]));
    if (node === undefined) return { kind: 'nxdomain', encloser };
    if (node.delegation) return { kind: 'cut', node, exact: i === 0 };
    encloser = node;
  }
  return { kind: 'node', node: encloser };
}

/** locate() for the root zone and a key without escapes: walk dots from the right. */
function locateUnderRoot(zone: Zone, key: string): Location {
  let encloser = zone.apex;
  let dot = key.length - 1; // the final '.'
  for (;;) {
    const start = key.lastIndexOf('.', dot - 1) + 1;
    const node = zone.nodes.get(start === 0 ? key : key.slice(start));
    if (node === undefined) return { kind: 'nxdomain', encloser };
    if (node.delegation) return { kind: 'cut', node, exact: start === 0 };
    if (start === 0) return { kind: 'node', node };
    encloser = node;
    dot = start - 1;
  }
}

/**
 * A string naming the answer: two questions with the same key get identical
 * LookupResults (the question itself aside); the number of distinct keys is
 * bounded by the zone's size (RRsets, nodes, NSEC gaps), whatever qtypes
 * clients ask. The reference for the server's answer cache, which files its
 * wire answers by the same distinctions without building the string
 * (answer-cache.ts); lookup.test.ts checks that equal keys mean equal answers.
 */
export function answerKey(zone: Zone, qname: Name, qtype: number, dnssecOk: boolean): string {
  return keyFor(zone, locate(zone, qname), qname, qtype, dnssecOk);
}

/** answerKey() for a location already found. */
function keyFor(zone: Zone, loc: Location, qname: Name, qtype: number, dnssecOk: boolean): string {
  const d = dnssecOk && zone.dnssec === 'keep' ? '1' : '0';
  switch (loc.kind) {
    case 'outside':
      return 'refused';
    case 'cut':
      return loc.exact && qtype === RRType.DS ? `ds${d} ${loc.node.name.key}` : `ref${d} ${loc.node.name.key}`;
    case 'node':
      return nodataAt(loc.node, qtype) ? `nd${d} ${loc.node.name.key}` : `n${d} ${qtype} ${loc.node.name.key}`;
    case 'nxdomain':
      if (d === '0' || zone.nsecKeys.length === 0) return 'nx0';
      return `nx1 ${coveringIndex(zone, canonicalSortKey(qname))} ${loc.encloser.name.key}`;
  }
}

/**
 * True when `qtype` at this node gets NODATA, an answer that does not depend
 * on the qtype: caches keep one per node, not one per qtype asked (65536 of
 * them, × DO, was ~1 kB of cache per query type a client cared to send).
 */
export function nodataAt(n: ZoneNode, qtype: number): boolean {
  return n.empty || (qtype !== RRType.ANY && qtype !== RRType.RRSIG && !n.rrsets.has(qtype) && !n.rrsets.has(RRType.CNAME));
}

export function lookup(zone: Zone, qname: Name, qtype: number, opts: LookupOptions): LookupResult {
  return answerFor(zone, locate(zone, qname), qname, qtype, opts);
}

/** lookup() for a location already found. */
export function answerFor(zone: Zone, loc: Location, qname: Name, qtype: number, opts: LookupOptions): LookupResult {
  return resolve(zone, loc, qname, qtype, opts.dnssecOk && zone.dnssec === 'keep', 0);
}

function resolve(zone: Zone, loc: Location, qname: Name, qtype: number, d: boolean, depth: number): LookupResult {
  switch (loc.kind) {
    case 'outside':
      return REFUSED;
    case 'cut': {
      if (loc.exact && qtype === RRType.DS) return dsAtCut(zone, loc.node, d);
      const r = loc.node.referral!;
      return d ? r.dnssec : r.plain;
    }
    case 'nxdomain':
      return d ? nxdomain(zone, loc.encloser, qname) : zone.nxdomainPlain;
    case 'node':
      return atNode(zone, loc.node, qtype, d, depth);
  }
}

/** RFC 4035 §3.1.4.1: DS is answered from the parent side of the cut, authoritatively. */
function dsAtCut(zone: Zone, node: ZoneNode, d: boolean): LookupResult {
  const ds = node.rrsets.get(RRType.DS);
  if (ds !== undefined) return result('answer', Rcode.NOERROR, true, withSigs(ds, d), [], []);
  return nodata(zone, node, d);
}

function atNode(zone: Zone, node: ZoneNode, qtype: number, d: boolean, depth: number): LookupResult {
  if (node.empty) return nodata(zone, node, d);

  if (qtype === RRType.ANY) {
    // RFC 8482 §4.2: one RRset is enough. NSD picks the SOA at the apex.
    const set = node === zone.apex ? node.rrsets.get(RRType.SOA) : firstRRset(node);
    if (set === undefined) return nodata(zone, node, d);
    return result('answer', Rcode.NOERROR, true, withSigs(set, d), [], []);
  }
  const apexNs = zone.apex.rrsets.get(RRType.NS);
  if (qtype === RRType.RRSIG) {
    // Asked for explicitly: every RRSIG of the node, whatever DO says (NSD does this too).
    if (node.rrsigs.length === 0) return nodata(zone, node, d);
    if (apexNs === undefined) return result('answer', Rcode.NOERROR, true, node.rrsigs, [], []);
    return result('answer', Rcode.NOERROR, true, node.rrsigs, withSigs(apexNs, d), zone.apexGlue);
  }

  const set = node.rrsets.get(qtype);
  if (set !== undefined) {
    if (qtype === RRType.NS) {
      const additional = node === zone.apex ? zone.apexGlue : glueOf(zone, set);
      return result('answer', Rcode.NOERROR, true, withSigs(set, d), [], additional);
    }
    if (NO_AUTHORITY_NS.has(qtype) || apexNs === undefined) {
      return result('answer', Rcode.NOERROR, true, withSigs(set, d), [], []);
    }
    return result('answer', Rcode.NOERROR, true, withSigs(set, d), withSigs(apexNs, d), zone.apexGlue);
  }

  const cname = node.rrsets.get(RRType.CNAME);
  if (cname !== undefined && qtype !== RRType.CNAME) {
    // RFC 1034 §4.3.2 step 3a: restart at the canonical name while it is in this zone.
    const answer = withSigs(cname, d);
    const target = rdataName(cname.records[0]!.rdata, 0).name;
    const next = locate(zone, target);
    if (next.kind === 'outside' || depth >= MAX_CNAME) return result('answer', Rcode.NOERROR, true, answer, [], []);
    if (next.kind === 'node' && next.node === node) return result('answer', Rcode.NOERROR, true, answer, [], []);
    const r = resolve(zone, next, target, qtype, d, depth + 1);
    if (r.answer.some((rr) => rr.type === RRType.CNAME && rr.name.key === node.name.key)) {
      return result('answer', Rcode.NOERROR, true, answer, [], []); // a loop
    }
    // RFC 6604: the rcode is the last name's; AA stays set since the first answer is ours.
    return result(r.kind === 'refused' ? 'answer' : r.kind, r.rcode, true, [...answer, ...r.answer], r.authority, r.additional);
  }

  return nodata(zone, node, d);
}

/** RFC 2308 §2.2 NODATA: SOA in AUTHORITY; with DO, the NSEC showing the type is absent (RFC 4035 §3.1.3.1). */
function nodata(zone: Zone, node: ZoneNode, d: boolean): LookupResult {
  const soa = zone.apex.rrsets.get(RRType.SOA)!;
  if (!d) return result('nodata', Rcode.NOERROR, true, [], soa.records, []);
  const authority = withSigs(soa, true);
  const own = node.rrsets.get(RRType.NSEC);
  if (own !== undefined) {
    authority.push(...withSigs(own, true));
  } else if (zone.nsecKeys.length > 0) {
    // Empty non-terminal (RFC 4035 §3.1.3.2): the NSEC whose span covers it.
    const cover = zone.nsecNodes[coveringIndex(zone, node.sortKey)]!;
    authority.push(...withSigs(cover.rrsets.get(RRType.NSEC)!, true));
  }
  return result('nodata', Rcode.NOERROR, true, [], authority, []);
}

/** RFC 4035 §3.1.3.2: SOA, the NSEC covering the name, the NSEC covering `*.<closest encloser>`. */
function nxdomain(zone: Zone, encloser: ZoneNode, qname: Name): LookupResult {
  return nxdomainWithProofs(zone, encloser, zone.nsecKeys.length > 0 ? coveringIndex(zone, canonicalSortKey(qname)) : 0);
}

/**
 * The NXDOMAIN answer with DO for a name whose closest encloser is `encloser`
 * and which the NSEC at `cover` (an index in zone.nsecNodes) covers: all it
 * depends on, so the zone image precomputes it for every pair that can occur.
 */
export function nxdomainWithProofs(zone: Zone, encloser: ZoneNode, cover: number): LookupResult {
  const soa = zone.apex.rrsets.get(RRType.SOA)!;
  const authority = withSigs(soa, true);
  if (zone.nsecKeys.length > 0) {
    const a = cover;
    const wildcard = encloser.sortKey + (encloser.sortKey === '' ? '' : '\u0000') + String.fromCharCode(0x2a + 1);
    const b = coveringIndex(zone, wildcard);
    authority.push(...withSigs(zone.nsecNodes[a]!.rrsets.get(RRType.NSEC)!, true));
    if (b !== a) authority.push(...withSigs(zone.nsecNodes[b]!.rrsets.get(RRType.NSEC)!, true));
  }
  return result('nxdomain', Rcode.NXDOMAIN, true, [], authority, []);
}

/** Index of the NSEC whose owner is the greatest one <= sortKey (the chain wraps to the last). */
export function coveringIndex(zone: Zone, sortKey: string): number {
  return coveringIndexIn(zone.nsecKeys, sortKey);
}

/** coveringIndex() over the NSEC owners' sort keys, in canonical order. */
export function coveringIndexIn(keys: readonly string[], sortKey: string): number {
  let lo = 0;
  let hi = keys.length - 1;
  if (sortKey < keys[0]!) return hi;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (keys[mid]! <= sortKey) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function withSigs(set: RRsetData, d: boolean): ResourceRecord[] {
  return d && set.sigs.length > 0 ? [...set.records, ...set.sigs] : [...set.records];
}

function firstRRset(node: ZoneNode): RRsetData | undefined {
  let best: RRsetData | undefined;
  for (const set of node.rrsets.values()) if (best === undefined || set.type < best.type) best = set;
  return best;
}

function glueOf(zone: Zone, ns: RRsetData): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (const type of [RRType.A, RRType.AAAA]) {
    for (const r of ns.records) {
      const t = zone.nodes.get(rdataName(r.rdata, 0).name.key);
      const set = t?.rrsets.get(type);
      if (set !== undefined) for (const a of set.records) out.push(a);
    }
  }
  return out;
}
