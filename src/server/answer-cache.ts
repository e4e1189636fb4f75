// Answers encoded once per zone and reused (NSD's lesson: speed comes from a
// data layout built for answering). lookup() decides an answer; answerKey()
// names it; the first query with a new key encodes the sections once, with name
// compression, as if they followed a zero-length question. A query then costs a
// header, its own question (the client's case, 0x20), one copy, and a fix-up of
// the compression pointers by the question's length.

import { MessageWriter, Section, type SectionId } from '../dns/message-writer.js';
import type { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import { answerFor, keyFor, locate, type LookupResult } from '../zone/lookup.js';
import type { Zone } from '../zone/zone.js';

export interface Body {
  /** The sections' records, encoded as if they started at message offset 12. */
  readonly bytes: Uint8Array;
  /** Offsets in `bytes` of each compression pointer (values assume offset 12). */
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
  readonly full: Body;
  /** Bodies cut to a byte budget (UDP), by budget rounded down to 16. */
  readonly fitted: Map<number, Body>;
  readonly result: LookupResult;
}

/** Per-zone cache size bound: past it, answers are encoded per query (still correct). */
const MAX_TEMPLATES = 200_000;
const MAX_FITTED = 128;

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
    const result = answerFor(zone, loc, qname, qtype, { dnssecOk });
    t = { rcode: result.rcode, aa: result.aa, full: encodeBody(result, 65535 - 12), fitted: new Map(), result };
    if (cache.size < MAX_TEMPLATES) cache.set(key, t);
  }
  return t;
}

/** The body to send when the whole message may be at most `budget` octets past the question. */
export function bodyWithin(t: Template, budget: number): Body {
  if (12 + t.full.bytes.length <= budget) return t.full;
  const rounded = budget - (budget % 16);
  let b = t.fitted.get(rounded);
  if (b === undefined) {
    b = encodeBody(t.result, rounded);
    if (t.fitted.size < MAX_FITTED) t.fitted.set(rounded, b);
  }
  return b;
}

/**
 * Encode the sections within `limit` octets (header included, question not).
 * ANSWER and AUTHORITY must fit whole, else TC with empty sections. In a
 * referral, glue for name servers inside the delegated zone must fit, else TC
 * (RFC 9471); other additional records are dropped silently when they do not fit.
 */
function encodeBody(r: LookupResult, limit: number): Body {
  const w = new MessageWriter(limit);
  const put = (rrs: readonly ResourceRecord[], s: SectionId): boolean => rrs.every((rr) => w.addRecord(rr, s));
  if (!put(r.answer, Section.answer) || !put(r.authority, Section.authority)) return truncatedBody();
  let truncated = false;
  const cut = r.kind === 'referral' ? r.authority.find((rr) => rr.type === RRType.NS)?.name : undefined;
  for (const rr of r.additional) {
    if (w.addRecord(rr, Section.additional)) continue;
    if (cut !== undefined && (rr.type === RRType.A || rr.type === RRType.AAAA) && rr.name.isSubdomainOf(cut)) truncated = true;
  }
  const msg = w.finish({ id: 0, flags: 0 });
  return {
    bytes: msg.subarray(12),
    pointers: w.pointers.map((p) => p - 12),
    ancount: w.sectionCount(1),
    nscount: w.sectionCount(2),
    arcount: w.sectionCount(3),
    truncated,
  };
}

const EMPTY_TC: Body = Object.freeze({ bytes: new Uint8Array(0), pointers: [], ancount: 0, nscount: 0, arcount: 0, truncated: true });

function truncatedBody(): Body {
  return EMPTY_TC;
}
