// Answers encoded once per zone and reused (NSD's lesson: speed comes from a
// data layout built for answering). lookup() decides an answer; the cache
// files it the way answerKey() names it (lookup.ts); the first query for a
// new one encodes the sections once, with name compression. A query then
// costs a header, its own question (the client's case, 0x20), one copy, and
// a fix-up of the compression pointers.
//
// The sections are encoded after a stand-in question: the `anchor`, a name
// that every question with this key ends in (the delegation point of a
// referral, the node of an answer). Names in the sections compress against it
// as they would against the real question (NSD does this too), and moving the
// pointers to the real question is one addition: the anchor is a suffix of the
// question name, so everything after it moves by the same number of octets.
//
// Cutting to a UDP size keeps a prefix of the full encoding (pointers only
// point backwards, so a prefix is a valid message): what the answer needs,
// then as much of the optional rest as fits, exactly to the octet and in whole
// RRsets (RFC 2181 §9: without TC, an RRset that is present is complete).
// Needed: ANSWER; AUTHORITY of referrals and negative answers; a referral's
// in-domain glue (RFC 9471 §3.1). Optional: the apex NS RRset a positive
// answer carries in AUTHORITY (NSD's "optional authority"), other glue.

import { MAX_POINTER, MessageWriter, Section, type SectionId } from '../dns/message-writer.js';
import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import { locateWire, nodeAt, nsecCoverWire, wireIndexOf, WireKind, type WireLocation } from '../zone/locate-wire.js';
import { answerFor, nodataAt, type Location } from '../zone/lookup.js';
import type { LookupResult } from '../zone/result.js';
import type { Zone } from '../zone/zone.js';

export interface Body {
  /** The sections' records, encoded as if they followed the anchor's question. */
  readonly bytes: Uint8Array;
  /** Offsets in `bytes` of each compression pointer, ascending (values assume the anchor's question). */
  readonly pointers: Uint16Array;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
  /** Something mandatory did not fit: set TC. */
  readonly truncated: boolean;
}

export interface Template {
  readonly rcode: number;
  readonly aa: boolean;
  /** Wire length of the anchor name: a question name q moves every pointer by q.length - anchorLength. */
  readonly anchorLength: number;
  readonly full: Body;
  /**
   * Where a cut may go in `full.bytes`, ascending: the end of what is needed
   * or of ANSWER, the end of AUTHORITY, then the end of each ADDITIONAL RRset.
   */
  readonly ends: readonly number[];
  /** ends[0] and the last of ends: below the first nothing fits, from the last everything does. */
  readonly firstEnd: number;
  readonly lastEnd: number;
  /** AUTHORITY and ADDITIONAL records before each of `ends`. */
  readonly nsCounts: readonly number[];
  readonly arCounts: readonly number[];
  /** A cut before `ends[mandatory]` leaves out something needed: TC. */
  readonly mandatory: number;
  /** Bodies cut short, by index in `ends`. */
  readonly fitted: (Body | undefined)[];
}

/** Per-zone cache size bound: past it, answers are encoded per query (still correct). */
const MAX_TEMPLATES = 200_000;

/**
 * A zone's templates, named the way answerKey() (lookup.ts) names answers but
 * without building the key string: by the node that decides the answer (its
 * number in the zone's wire index), then the referral or DS at a cut, or the
 * qtype at a node; DO where it matters. NXDOMAIN with NSEC proofs depends
 * on the name, through the NSEC covering it (answerKey() names both).
 */
interface ZoneTemplates {
  /** At cuts: entry * 4 + (DS at the cut ? 2 : 0) + DO. */
  readonly cuts: (Template | undefined)[];
  /** At nodes: entry * 2^17 + (qtype, or 0 for NODATA) * 2 + DO. */
  readonly atNodes: Map<number, Template>;
  /** NXDOMAIN without NSEC proofs, and REFUSED outside the zone: one answer for every name. */
  nxdomain: Template | undefined;
  outside: Template | undefined;
  /** NXDOMAIN with NSEC proofs: covering NSEC index * nodes + closest encloser. */
  readonly nsecNx: Map<number, Template>;
  readonly nodes: number;
  size: number;
}

const caches = new WeakMap<Zone, ZoneTemplates>();

function templatesOf(zone: Zone): ZoneTemplates {
  let c = caches.get(zone);
  if (c === undefined) {
    // Dense from the start (assigning far past the end would turn it into a dictionary).
    const nodes = wireIndexOf(zone).nodes.length;
    const cuts = new Array<Template | undefined>(nodes * 4).fill(undefined);
    c = { cuts, atNodes: new Map(), nxdomain: undefined, outside: undefined, nsecNx: new Map(), nodes, size: 0 };
    caches.set(zone, c);
  }
  return c;
}

/** An NXDOMAIN answer carries NSEC records that depend on the name (RFC 4035 §3.1.3.2). */
function nsecProofs(zone: Zone, dnssecOk: boolean): boolean {
  return dnssecOk && zone.dnssec === 'keep' && zone.nsecKeys.length > 0;
}

function cutSlot(loc: WireLocation, qtype: number, d: number): number {
  return loc.entry * 4 + (loc.exact && qtype === RRType.DS ? 2 : 0) + d;
}

/** At a node: entry, then the qtype (0 for NODATA, the same answer for every qtype the node lacks: nodataAt()), then DO. */
function nodeSlot(zone: Zone, loc: WireLocation, qtype: number, d: number): number {
  return loc.entry * 0x20000 + (nodataAt(nodeAt(zone, loc), qtype) ? 0 : qtype) * 2 + d;
}

/**
 * The cached template for a located question, if there is one. `cover`: for
 * NXDOMAIN with NSEC proofs, the index of the NSEC covering the name.
 */
function cached(zone: Zone, c: ZoneTemplates, loc: WireLocation, qtype: number, dnssecOk: boolean, cover: number): Template | undefined {
  const d = dnssecOk && zone.dnssec === 'keep' ? 1 : 0;
  switch (loc.kind) {
    case WireKind.cut:
      return c.cuts[cutSlot(loc, qtype, d)];
    case WireKind.node:
      return c.atNodes.get(nodeSlot(zone, loc, qtype, d));
    case WireKind.nxdomain:
      return nsecProofs(zone, dnssecOk) ? c.nsecNx.get(cover * c.nodes + loc.entry) : c.nxdomain;
    default:
      return c.outside;
  }
}

/** Decide (lookup.ts), encode and keep the answer for a located question. */
function encodeAt(zone: Zone, c: ZoneTemplates, wl: WireLocation, qname: Name, qtype: number, dnssecOk: boolean, cover: number): Template {
  const loc = toLocation(zone, wl);
  const d = dnssecOk && zone.dnssec === 'keep' ? 1 : 0;
  const t = encode(answerFor(zone, loc, qname, qtype, { dnssecOk }), anchorOf(zone, loc));
  if (c.size >= MAX_TEMPLATES) return t;
  c.size++;
  if (wl.kind === WireKind.nxdomain && nsecProofs(zone, dnssecOk)) c.nsecNx.set(cover * c.nodes + wl.entry, t);
  else if (wl.kind === WireKind.cut) c.cuts[cutSlot(wl, qtype, d)] = t;
  else if (wl.kind === WireKind.node) c.atNodes.set(nodeSlot(zone, wl, qtype, d), t);
  else if (wl.kind === WireKind.nxdomain) c.nxdomain = t;
  else c.outside = t;
  return t;
}

function toLocation(zone: Zone, wl: WireLocation): Location {
  switch (wl.kind) {
    case WireKind.cut:
      return { kind: 'cut', node: nodeAt(zone, wl), exact: wl.exact };
    case WireKind.node:
      return { kind: 'node', node: nodeAt(zone, wl) };
    case WireKind.nxdomain:
      return { kind: 'nxdomain', encloser: nodeAt(zone, wl) };
    default:
      return { kind: 'outside' };
  }
}

// For templateFor(): one question at a time, synchronously.
const nameLoc: WireLocation = { kind: WireKind.outside, entry: 0, exact: false };
const nameStarts = new Uint16Array(128);

/** The template answering (qname, qtype, DO) from `zone`. */
export function templateFor(zone: Zone, qname: Name, qtype: number, dnssecOk: boolean): Template {
  const w = qname.wire;
  let n = 0;
  for (let o = 0; w[o]! !== 0; o += w[o]! + 1) nameStarts[n++] = o;
  locateWire(zone, w, nameStarts, n, w.length, nameLoc);
  return templateForWire(zone, w, nameStarts, n, nameLoc, qtype, dnssecOk, 0);
}

/** For NXDOMAIN with NSEC proofs, the NSEC covering the name; else 0 (not used). */
function coverOf(zone: Zone, loc: WireLocation, dnssecOk: boolean, msg: Uint8Array, starts: ArrayLike<number>, count: number): number {
  return loc.kind === WireKind.nxdomain && nsecProofs(zone, dnssecOk) ? nsecCoverWire(zone, msg, starts, count) : 0;
}

/**
 * templateFor() for a name in wire form at msg[nameAt] (a query read by
 * WireQuery, fast-query.ts: 12), its labels at starts[0..count), located by
 * locateWire(): no Name unless the answer has to be encoded.
 */
export function templateForWire(zone: Zone, msg: Uint8Array, starts: ArrayLike<number>, count: number, loc: WireLocation, qtype: number, dnssecOk: boolean, nameAt = 12): Template {
  const c = templatesOf(zone);
  const cover = coverOf(zone, loc, dnssecOk, msg, starts, count);
  return cached(zone, c, loc, qtype, dnssecOk, cover) ?? encodeAt(zone, c, loc, Name.fromWire(msg, nameAt).name, qtype, dnssecOk, cover);
}

/**
 * A name every question sharing the location's answer key ends in: the cut or
 * node found (the key names it), else the origin (NXDOMAIN keys without DO
 * do not name the closest encloser).
 */
function anchorOf(zone: Zone, loc: Location): Name {
  switch (loc.kind) {
    case 'cut':
    case 'node':
      return loc.node.name;
    case 'nxdomain':
      return zone.origin;
    case 'outside':
      return Name.root;
  }
}

/** The body to send when the whole message may be at most `budget` octets past the question. */
export function bodyWithin(t: Template, budget: number): Body {
  const room = budget - 12;
  if (t.lastEnd <= room) return t.full;
  if (t.firstEnd > room) return EMPTY_TC;
  const ends = t.ends;
  // The longest cut that fits: the last ends[k] <= room.
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ends[mid]! <= room) lo = mid;
    else hi = mid - 1;
  }
  let b = t.fitted[lo];
  if (b === undefined) {
    const end = ends[lo]!;
    const f = t.full;
    let n = 0;
    while (n < f.pointers.length && f.pointers[n]! < end) n++;
    b = Object.freeze({
      bytes: f.bytes.subarray(0, end),
      pointers: f.pointers.subarray(0, n),
      ancount: f.ancount,
      nscount: t.nsCounts[lo]!,
      arcount: t.arCounts[lo]!,
      truncated: lo < t.mandatory,
    });
    t.fitted[lo] = b;
  }
  return b;
}

/**
 * Encode the sections once, whole, and note where a UDP answer may be cut
 * (see the top of this file for what is needed and what is optional).
 */
function encode(r: LookupResult, anchor: Name): Template {
  // A body moves by (question name length - anchor length), at most 255 - 1
  // octets: a name recorded within that of 16 KiB could not be pointed at after.
  const w = new MessageWriter(65535, MAX_POINTER - 254);
  w.addQuestion(anchor, 0, 0);
  const base = w.length;
  const put = (rrs: readonly ResourceRecord[], s: SectionId): boolean => rrs.every((rr) => w.addRecord(rr, s));
  const ends: number[] = [];
  const nsCounts: number[] = [];
  const arCounts: number[] = [];
  const cutHere = (ns: number, ar: number): void => {
    ends.push(w.length - base);
    nsCounts.push(ns);
    arCounts.push(ar);
  };
  let ok = put(r.answer, Section.answer);
  // lookup() puts AUTHORITY in a positive answer only for the apex NS RRset (and its RRSIG).
  if (ok && r.kind === 'answer' && r.authority.length > 0) cutHere(0, 0);
  ok &&= put(r.authority, Section.authority);
  if (!ok) {
    // Over 64 KiB: not even TCP can carry it.
    return template(r, anchor, EMPTY_TC, [0], [0], [0], 0);
  }
  cutHere(r.authority.length, 0);
  const cut = r.kind === 'referral' ? r.authority.find((rr) => rr.type === RRType.NS)?.name : undefined;
  let mandatory = 0;
  const add = r.additional;
  for (let i = 0; i < add.length; i++) {
    const rr = add[i]!;
    if (!w.addRecord(rr, Section.additional)) break;
    if (cut !== undefined && (rr.type === RRType.A || rr.type === RRType.AAAA) && rr.name.isSubdomainOf(cut)) mandatory = ends.length;
    const next = add[i + 1];
    if (next === undefined || next.type !== rr.type || next.name.key !== rr.name.key) cutHere(r.authority.length, i + 1);
  }
  const msg = w.finish({ id: 0, flags: 0 });
  // Octets and pointer offsets side by side in one buffer: fewer cache lines per answer.
  const size = msg.length - base;
  const store = new ArrayBuffer(((size + 1) & ~1) + 2 * w.pointers.length);
  const bytes = new Uint8Array(store, 0, size);
  bytes.set(msg.subarray(base));
  const pointers = new Uint16Array(store, (size + 1) & ~1, w.pointers.length);
  w.pointers.forEach((p, i) => (pointers[i] = p - base));
  const full: Body = Object.freeze({
    bytes,
    pointers,
    ancount: w.sectionCount(1),
    nscount: w.sectionCount(2),
    arcount: w.sectionCount(3),
    truncated: false,
  });
  return template(r, anchor, full, ends, nsCounts, arCounts, mandatory);
}

function template(r: LookupResult, anchor: Name, full: Body, ends: number[], nsCounts: number[], arCounts: number[], mandatory: number): Template {
  return {
    rcode: r.rcode,
    aa: r.aa,
    anchorLength: anchor.wire.length,
    full,
    ends,
    firstEnd: ends[0]!,
    lastEnd: ends[ends.length - 1]!,
    nsCounts,
    arCounts,
    mandatory,
    fitted: [],
  };
}

const EMPTY_TC: Body = Object.freeze({ bytes: new Uint8Array(0), pointers: new Uint16Array(0), ancount: 0, nscount: 0, arcount: 0, truncated: true });
