// A DNS response in a form two servers' answers can be compared in: rcode,
// AA/TC, EDNS DO, and each section as a sorted list of RRsets (owner
// lower-cased, class, type, TTL, canonical RDATA, records sorted), so order,
// name compression and the case of names do not matter. Compared as hex for
// speed; show() prints RDATA in presentation form.

import { readMessage } from './message-reader.js';
import { canonicalRdata } from '../../src/dns/canonical.js';
import { rdataToText } from '../../src/dns/rdata.js';
import type { ResourceRecord } from '../../src/dns/record.js';
import { RRType, classToString, typeToString } from '../../src/dns/types.js';

export interface NormalRRset {
  /** `owner CLASS TYPE` (RRSIG: `owner CLASS RRSIG/COVERED`), owner lower-cased. */
  readonly key: string;
  readonly owner: string;
  readonly type: number;
  /** Distinct TTLs of the records (one, in a well-formed RRset). */
  readonly ttls: readonly number[];
  /**
   * Canonical RDATA (RFC 4034 §6.2: embedded names lower-cased), sorted,
   * duplicates kept. Names compare case-insensitively (RFC 4343), and a
   * server that compresses RDATA names against the question echoes the
   * client's 0x20 case into them.
   */
  readonly rdata: readonly Uint8Array[];
  /** The whole RRset as one string (RDATA in hex): what comparisons use; show() prints presentation form. */
  readonly text: string;
  /** `text` with the RDATA as received (case of embedded names kept). */
  readonly rawText: string;
}

export type SectionName = 'answer' | 'authority' | 'additional';
export const SECTIONS: readonly SectionName[] = ['answer', 'authority', 'additional'];

export interface Normal {
  readonly rcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  /** undefined: no OPT record. */
  readonly edns?: { readonly do: boolean };
  readonly answer: readonly NormalRRset[];
  readonly authority: readonly NormalRRset[];
  readonly additional: readonly NormalRRset[];
  /** Octets on the wire. */
  readonly size: number;
}

export function normalize(msg: Uint8Array): Normal {
  const m = readMessage(msg);
  return {
    rcode: m.rcode,
    aa: m.header.aa,
    tc: m.header.tc,
    ...(m.edns ? { edns: { do: m.edns.dnssecOk } } : {}),
    answer: rrsets(m.answers),
    authority: rrsets(m.authorities),
    additional: rrsets(m.additionals),
    size: msg.length,
  };
}

function rrsets(rrs: readonly ResourceRecord[]): NormalRRset[] {
  const groups = new Map<string, { owner: string; type: number; ttls: Set<number>; rdata: { hex: string; wire: Uint8Array }[]; raw: string[] }>();
  for (const rr of rrs) {
    const owner = rr.name.key;
    const covered = rr.type === RRType.RRSIG && rr.rdata.length >= 2 ? `/${typeToString((rr.rdata[0]! << 8) | rr.rdata[1]!)}` : '';
    const key = `${owner} ${classToString(rr.class)} ${typeToString(rr.type)}${covered}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { owner, type: rr.type, ttls: new Set(), rdata: [], raw: [] }));
    g.ttls.add(rr.ttl);
    const raw = hex(rr.rdata);
    const canonical = canonicalRdata(rr.type, rr.rdata);
    g.raw.push(raw);
    g.rdata.push({ hex: canonical === rr.rdata ? raw : hex(canonical), wire: canonical });
  }
  const out: NormalRRset[] = [];
  for (const [key, g] of groups) {
    const ttls = [...g.ttls].sort((a, b) => a - b);
    g.rdata.sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
    const text = `${key} ${ttls.join('/')} ${g.rdata.map((r) => r.hex).join(' ')}`;
    const rawText = `${key} ${ttls.join('/')} ${g.raw.sort().join(' ')}`;
    out.push({ key, owner: g.owner, type: g.type, ttls, rdata: g.rdata.map((r) => r.wire), text, rawText });
  }
  return out.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Section texts equal (as sorted lists)? */
export function sameSection(a: readonly NormalRRset[], b: readonly NormalRRset[]): boolean {
  return a.length === b.length && a.every((s, i) => s.text === b[i]!.text);
}

/** Every RRset of `part` is in `whole`. */
export function subsetOf(part: readonly NormalRRset[], whole: readonly NormalRRset[]): boolean {
  const w = new Set(whole.map((s) => s.text));
  return part.every((s) => w.has(s.text));
}

/** The fields in which two responses differ. Empty: the same answer. */
export function differences(a: Normal, b: Normal): string[] {
  const d: string[] = [];
  if (a.rcode !== b.rcode) d.push('rcode');
  if (a.aa !== b.aa) d.push('aa');
  if (a.tc !== b.tc) d.push('tc');
  if ((a.edns === undefined) !== (b.edns === undefined) || a.edns?.do !== b.edns?.do) d.push('edns');
  for (const s of SECTIONS) if (!sameSection(a[s], b[s])) d.push(s);
  return d;
}

/** Equal sections whose RDATA differ in the case of embedded names only. */
export function rdataCaseDiffers(a: Normal, b: Normal): boolean {
  return SECTIONS.some((s) => a[s].some((r, i) => r.rawText !== b[s][i]?.rawText));
}

/** A readable multi-line rendering, for failure messages. */
export function show(n: Normal): string {
  const head = `rcode ${n.rcode}${n.aa ? ' aa' : ''}${n.tc ? ' tc' : ''}${n.edns ? (n.edns.do ? ' edns+do' : ' edns') : ''} ${n.size} octets`;
  const line = (r: NormalRRset): string => {
    const t = `${r.key} ${r.ttls.join('/')} ${r.rdata.map((d) => rdataToText(r.type, d)).join(' | ')}`;
    return t.length > 150 ? `${t.slice(0, 150)}…` : t;
  };
  return [head, ...SECTIONS.flatMap((s) => n[s].map((r) => `  ${s.slice(0, 4)} ${line(r)}`))].join('\n');
}
