// Answers encoded once per zone and reused (NSD's lesson: speed comes from a
// data layout built for answering). lookup() decides an answer; answerKey()
// names it; the first query with a new key encodes the sections once, with name
// compression. A query then costs a header, its own question (the client's
// case, 0x20), one copy, and a fix-up of the compression pointers.
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

import { MessageWriter, Section, type SectionId } from '../dns/message-writer.js';
import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import { answerFor, keyFor, locate, type Location, type LookupResult } from '../zone/lookup.js';
import type { Zone } from '../zone/zone.js';

export interface Body {
  /** The sections' records, encoded as if they followed the anchor's question. */
  readonly bytes: Uint8Array;
  /** Offsets in `bytes` of each compression pointer, ascending (values assume the anchor's question). */
  readonly pointers: readonly number[];
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
  /** AUTHORITY and ADDITIONAL records before each of `ends`. */
  readonly nsCounts: readonly number[];
  readonly arCounts: readonly number[];
  /** A cut before `ends[mandatory]` leaves out something needed: TC. */
  readonly mandatory: number;
  /** Bodies cut short, by index in `ends`. */
  readonly fitted: Map<number, Body>;
  readonly result: LookupResult;
}

/** Per-zone cache size bound: past it, answers are encoded per query (still correct). */
const MAX_TEMPLATES = 200_000;

const caches = new WeakMap<Zone, Map<string, Template>>();

export function templateFor(zone: Zone, qname: Name, qtype: number, dnssecOk: boolean): Template {
  let cache = caches.get(zone);
  if (cache === undefined) {
    cache = new Map();
    caches.set(zone, cache);
  }
  const loc = locate(zone, qname);
  const key = keyFor(zone, loc, qname, qtype, dnssecOk);
  let t = cache.get(key);
  if (t === undefined) {
    t = encode(answerFor(zone, loc, qname, qtype, { dnssecOk }), anchorOf(zone, loc));
    if (cache.size < MAX_TEMPLATES) cache.set(key, t);
  }
  return t;
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
  const ends = t.ends;
  if (ends[ends.length - 1]! <= room) return t.full;
  if (ends[0]! > room) return EMPTY_TC;
  // The longest cut that fits: the last ends[k] <= room.
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ends[mid]! <= room) lo = mid;
    else hi = mid - 1;
  }
  let b = t.fitted.get(lo);
  if (b === undefined) {
    const end = ends[lo]!;
    const f = t.full;
    let n = 0;
    while (n < f.pointers.length && f.pointers[n]! < end) n++;
    b = Object.freeze({
      bytes: f.bytes.subarray(0, end),
      pointers: f.pointers.slice(0, n),
      ancount: f.ancount,
      nscount: t.nsCounts[lo]!,
      arcount: t.arCounts[lo]!,
      truncated: lo < t.mandatory,
    });
    t.fitted.set(lo, b);
  }
  return b;
}

/**
 * Encode the sections once, whole, and note where a UDP answer may be cut
 * (see the top of this file for what is needed and what is optional).
 */
function encode(r: LookupResult, anchor: Name): Template {
  const w = new MessageWriter(65535);
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
    return { rcode: r.rcode, aa: r.aa, anchorLength: anchor.wire.length, full: EMPTY_TC, ends: [0], nsCounts: [0], arCounts: [0], mandatory: 0, fitted: new Map(), result: r };
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
  const full: Body = Object.freeze({
    bytes: msg.subarray(base),
    pointers: w.pointers.map((p) => p - base),
    ancount: w.sectionCount(1),
    nscount: w.sectionCount(2),
    arcount: w.sectionCount(3),
    truncated: false,
  });
  return { rcode: r.rcode, aa: r.aa, anchorLength: anchor.wire.length, full, ends, nsCounts, arCounts, mandatory, fitted: new Map(), result: r };
}

const EMPTY_TC: Body = Object.freeze({ bytes: new Uint8Array(0), pointers: [], ancount: 0, nscount: 0, arcount: 0, truncated: true });
