// What changed between two zones, read from their images (image.ts): the
// same ZoneChange as zone-change.ts's computeChange() — the IXFR difference
// and the change report, identical records and strings — at a fraction of
// the CPU, for the refresh worker, which has both images at hand.
//
// computeChange() keys every record of both zones canonically and indexes
// every NS, glue and DS record for the report (~350 ms of the root zone in a
// fresh process). Between two serials almost every record is byte for byte
// the same, so here records are first matched on their stored bytes (one
// latin1 string per section, a substring per record); only the ones left over
// are decoded and handed to the canonical comparison (diff.ts) and the report
// (change-report.ts), with what the report needs around them.
//
// Why this is exact: records equal in bytes are equal canonically, and a
// built zone never holds two records that are equal canonically (build.ts
// drops RFC 2181 §5 duplicates; the TTL is part of the key), so a record
// matched by bytes can never be the canonical partner of a left-over one.

import { RRType } from '../dns/types.js';
import { skipName } from '../dns/rdata/wire-layout.js';
import type { ResourceRecord } from '../dns/record.js';
import { changeReport } from './change-report.js';
import { zoneDiff } from './diff.js';
import type { ZoneImage } from './image.js';
import { readRecord } from './record-wire.js';
import type { ZoneChange } from './zone-change.js';

/** The records of one image's section: where each starts, where its owner ends, its type; the section as latin1 text. */
interface Section {
  readonly bytes: Uint8Array;
  readonly start: number[];
  readonly ownerEnd: number[];
  readonly end: number[];
  readonly type: number[];
  readonly text: string;
}

function section(bytes: Uint8Array): Section {
  const start: number[] = [];
  const ownerEnd: number[] = [];
  const end: number[] = [];
  const type: number[] = [];
  for (let o = 0; o < bytes.length; ) {
    const e = skipName(bytes, o);
    if (e < 0 || e + 10 > bytes.length) throw new RangeError('zone image: a record runs past the end of its section');
    const next = e + 10 + ((bytes[e + 8]! << 8) | bytes[e + 9]!);
    if (next > bytes.length) throw new RangeError('zone image: a record runs past the end of its section');
    start.push(o);
    ownerEnd.push(e);
    end.push(next);
    type.push((bytes[e]! << 8) | bytes[e + 1]!);
    o = next;
  }
  return { bytes, start, ownerEnd, end, type, text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') };
}

/** A wire name as a key: its octets as latin1, ASCII letters lower-cased (RFC 4343). */
const nameKey = (s: Section, from: number, to: number): string => s.text.substring(from, to).replace(/[A-Z]+/g, (m) => m.toLowerCase());
const ownerOf = (s: Section, i: number): string => nameKey(s, s.start[i]!, s.ownerEnd[i]!);
/** An NS record's target (its RDATA is one uncompressed name), as a key. */
const targetOf = (s: Section, i: number): string => nameKey(s, s.ownerEnd[i]! + 10, s.end[i]!);
const decode = (s: Section, i: number): ResourceRecord => readRecord(s.bytes, s.start[i]!).rr;

/** Indices of the records of `s` whose bytes are not those of any record of `other`. */
function unmatched(s: Section, other: Section): number[] {
  const theirs = new Set<string>();
  for (let i = 0; i < other.start.length; i++) theirs.add(other.text.substring(other.start[i]!, other.end[i]!));
  const out: number[] = [];
  for (let i = 0; i < s.start.length; i++) if (!theirs.has(s.text.substring(s.start[i]!, s.end[i]!))) out.push(i);
  return out;
}

/** What changed from the zone of image `from` to the zone of image `to`: what computeChange(from, zoneOf(to)) returns. */
export function imageChange(from: ZoneImage, to: ZoneImage): ZoneChange {
  const a = section(from.recordBytes());
  const b = section(to.recordBytes());
  const goneA = unmatched(a, b);
  const newB = unmatched(b, a);
  const diff = zoneDiff(
    goneA.map((i) => decode(a, i)),
    newB.map((i) => decode(b, i)),
  );
  return { fromSerial: from.serial, diff, report: reportOf(from, to, a, b, goneA, newB) };
}

/**
 * changeReport() over only the records that can change it: NS and DS of the
 * delegations that own a left-over record or name a left-over owner as NS
 * target (its glue may have changed), the addresses of those delegations' NS
 * targets, the DNSKEY records. Every delegation it reads is read whole, in
 * both zones, so its NS, glue and DS differences are what the full zones give;
 * any other delegation is byte for byte the same in both and would report nothing.
 */
function reportOf(from: ZoneImage, to: ZoneImage, a: Section, b: Section, goneA: number[], newB: number[]): ZoneChange['report'] {
  const touched = new Set<string>([...goneA.map((i) => ownerOf(a, i)), ...newB.map((i) => ownerOf(b, i))]);
  const delegations = new Set(touched);
  for (const s of [a, b]) for (let i = 0; i < s.type.length; i++) if (s.type[i] === RRType.NS && touched.has(targetOf(s, i))) delegations.add(ownerOf(s, i));
  const hosts = new Set<string>();
  for (const s of [a, b]) for (let i = 0; i < s.type.length; i++) if (s.type[i] === RRType.NS && delegations.has(ownerOf(s, i))) hosts.add(targetOf(s, i));
  const wanted = (s: Section): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < s.type.length; i++) {
      const t = s.type[i]!;
      const keep = t === RRType.DNSKEY || ((t === RRType.NS || t === RRType.DS) && delegations.has(ownerOf(s, i))) || ((t === RRType.A || t === RRType.AAAA) && hosts.has(ownerOf(s, i)));
      if (keep) out.push(decode(s, i));
    }
    return out;
  };
  return changeReport({ origin: from.origin, serial: from.serial, records: wanted(a) }, { origin: to.origin, serial: to.serial, records: wanted(b) });
}
