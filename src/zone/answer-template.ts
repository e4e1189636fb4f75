// An answer encoded once and reused (NSD's lesson: speed comes from a data
// layout built for answering). lookup() decides an answer; encodeTemplate()
// turns it into wire sections written after a stand-in question, the
// `anchor`: a name that every question sharing the answer ends in (the
// delegation point of a referral, the node of an answer). Names in the
// sections compress against it as they would against the real question (NSD
// does this too), and moving the pointers to the real question is one
// addition: the anchor is a suffix of the question name, so everything after
// it moves by the same number of octets.
//
// Cutting to a UDP size keeps a prefix of the full encoding (pointers only
// point backwards, so a prefix is a valid message): what the answer needs,
// then as much of the optional rest as fits, exactly to the octet and in whole
// RRsets (RFC 2181 §9: without TC, an RRset that is present is complete).
// Needed: ANSWER; AUTHORITY of referrals and negative answers; a referral's
// in-domain glue (RFC 9471 §3.1). Optional: the apex NS RRset a positive
// answer carries in AUTHORITY (NSD's "optional authority"), other glue.
//
// Templates are built by the zone image (image-writer.ts, off the serving
// thread) for every answer it can enumerate, and by the server's answer
// cache (server/answer-cache.ts) for the rest.

import { MAX_POINTER, MessageWriter, Section, type SectionId } from '../dns/message-writer.js';
import type { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import type { LookupResult } from './result.js';

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
  readonly ends: ArrayLike<number>;
  /** ends[0] and the last of ends: below the first nothing fits, from the last everything does. */
  readonly firstEnd: number;
  readonly lastEnd: number;
  /** AUTHORITY and ADDITIONAL records before each of `ends`. */
  readonly nsCounts: ArrayLike<number>;
  readonly arCounts: ArrayLike<number>;
  /** A cut before `ends[mandatory]` leaves out something needed: TC. */
  readonly mandatory: number;
  /** Bodies cut short, by index in `ends`. */
  readonly fitted: (Body | undefined)[];
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
// One writer for every template, reset each time: the image writer encodes
// thousands in a row, and a fresh 4 KiB buffer and table for each was a fifth
// of its time. Synchronous, one template at a time.
const writer = new MessageWriter(65535, MAX_POINTER - 254);

/**
 * Where a template's octets and pointer offsets are stored: `octets` fresh
 * zeroed octets, at an even offset. By default a buffer of their own (the
 * server's cache drops templates one by one); the image writer, which copies
 * thousands into the image at once, carves them from slabs (slab()): one
 * ArrayBuffer per template cost more than encoding it.
 */
export type BodyStore = (octets: number) => Uint8Array;

const ownBuffer: BodyStore = (octets) => new Uint8Array(octets);

/** A BodyStore that carves from 1 MiB slabs, 8-aligned. */
export function slab(size = 1 << 20): BodyStore {
  let buf = new Uint8Array(0);
  let at = 0;
  return (octets) => {
    if (at + octets > buf.length) {
      buf = new Uint8Array(Math.max(size, octets));
      at = 0;
    }
    const out = buf.subarray(at, at + octets);
    at = (at + octets + 7) & ~7;
    return out;
  };
}

export function encodeTemplate(r: LookupResult, anchor: Name, store: BodyStore = ownBuffer): Template {
  // A body moves by (question name length - anchor length), at most 255 - 1
  // octets: a name recorded within that of 16 KiB could not be pointed at after.
  const w = writer;
  w.reset();
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
    return template(r.rcode, r.aa, anchor.wire.length, EMPTY_TC, [0], [0], [0], 0);
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
  // The body straight from the writer's buffer (no header, no intermediate copy: thousands per image).
  const body = w.writtenFrom(base);
  // Octets and pointer offsets side by side in one buffer: fewer cache lines per answer.
  const size = body.length;
  const region = store(((size + 1) & ~1) + 2 * w.pointers.length);
  const bytes = region.subarray(0, size);
  bytes.set(body);
  const pointers = new Uint16Array(region.buffer, region.byteOffset + ((size + 1) & ~1), w.pointers.length);
  w.pointers.forEach((p, i) => (pointers[i] = p - base));
  const full: Body = Object.freeze({
    bytes,
    pointers,
    ancount: w.sectionCount(1),
    nscount: w.sectionCount(2),
    arcount: w.sectionCount(3),
    truncated: false,
  });
  return template(r.rcode, r.aa, anchor.wire.length, full, ends, nsCounts, arCounts, mandatory);
}

/** A template from its parts (the zone image materializes its stored ones with this). */
export function template(rcode: number, aa: boolean, anchorLength: number, full: Body, ends: ArrayLike<number>, nsCounts: ArrayLike<number>, arCounts: ArrayLike<number>, mandatory: number): Template {
  return {
    rcode,
    aa,
    anchorLength,
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

export const EMPTY_TC: Body = Object.freeze({ bytes: new Uint8Array(0), pointers: new Uint16Array(0), ancount: 0, nscount: 0, arcount: 0, truncated: true });
