// writeImage(): a built Zone in, its image out (layout: image-format.ts). Runs
// where the zone was built (the refresh worker), never on the serving thread:
// it decides and encodes every answer the zone can give whose key is bounded
// by the zone's size (answerKey(), lookup.ts), so the serving thread only
// copies:
//   - at each cut: the referral and the DS answer, without and with DO;
//   - at each other node: every type it holds, ANY, RRSIG and NODATA, ×DO;
//   - NXDOMAIN without proofs, REFUSED outside the zone;
//   - NXDOMAIN with NSEC proofs for every (covering NSEC, closest encloser)
//     pair that can occur: the closest encloser of a name the NSEC at P
//     covers is P or one of its ancestors, or an ancestor of the next NSEC
//     owner (when it is an empty non-terminal with nothing at or before the
//     name), so the pairs are bounded by NSEC records × depth.
// Not enumerable, and left to the server's cache: at a CNAME node, a type the
// node lacks (the answer follows the chain, so it depends on the type).

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { Rcode, RRType } from '../dns/types.js';
import { encodeTemplate, slab, type Template } from './answer-template.js';
import { EntryFlag, Flag, HEADER_SIZE, HEADER_WORDS, HeaderField, MAGIC, BYTE_ORDER_MARK, nodeKey, Section, SECTION_COUNT, TEMPLATE_HEAD, VERSION } from './image-format.js';
import { answerFor, nodataAt, nxdomainWithProofs } from './lookup.js';
import { result, type LookupResult } from './result.js';
import { buildWireIndex } from './wire-index.js';
import { encodeRecords, putRecord } from './record-wire.js';
import type { Zone, ZoneNode } from './zone.js';

/** A qtype no node holds, for asking lookup() for a node's NODATA answer (private use, RFC 6895). */
const ABSENT_TYPE = 65_399;

class Templates {
  readonly list: Template[] = [];
  private readonly seen = new Map<LookupResult, number>();
  /** Templates live only until they are copied into the image. */
  private readonly store = slab();

  /** The number of the template for `r` (encoded once per distinct result object). */
  add(r: LookupResult, anchor: Name): number {
    const known = this.seen.get(r);
    if (known !== undefined) return known;
    const i = this.list.length;
    this.list.push(encodeTemplate(r, anchor, this.store));
    this.seen.set(r, i);
    return i;
  }
}

export function writeImage(zone: Zone): Uint8Array {
  const keep = zone.dnssec === 'keep';
  const dos = keep ? [0, 1] : [0];
  const nodes = [...zone.nodes.values()].filter((n) => !n.occluded);
  const ix = buildWireIndex(nodes, zone.origin);
  const entryOf = new Map<string, number>();
  nodes.forEach((n, i) => entryOf.set(n.name.key, i));
  const t = new Templates();

  const flags = new Uint8Array(nodes.length);
  const cuts = new Uint32Array(nodes.length * 4);
  const nodeAnswers = new Map<number, number>();
  for (let e = 0; e < nodes.length; e++) {
    const n = nodes[e]!;
    flags[e] = (n.delegation ? EntryFlag.delegation : 0) | (n.empty ? EntryFlag.empty : 0) | (n.rrsets.has(RRType.CNAME) ? EntryFlag.cname : 0);
    if (n.delegation) {
      for (const d of dos) {
        const dnssecOk = d === 1;
        cuts[e * 4 + d] = 1 + t.add(answerFor(zone, { kind: 'cut', node: n, exact: false }, n.name, RRType.A, { dnssecOk }), n.name);
        cuts[e * 4 + 2 + d] = 1 + t.add(answerFor(zone, { kind: 'cut', node: n, exact: true }, n.name, RRType.DS, { dnssecOk }), n.name);
      }
      // Without DNSSEC records DO changes nothing: the same answers.
      if (!keep) (cuts[e * 4 + 1] = cuts[e * 4]!), (cuts[e * 4 + 3] = cuts[e * 4 + 2]!);
      continue;
    }
    const qtypes = n.empty ? [] : [...n.rrsets.keys(), RRType.ANY, RRType.RRSIG];
    for (const d of dos) {
      const opts = { dnssecOk: d === 1 };
      for (const q of qtypes) nodeAnswers.set(nodeKey(e, q, d), t.add(answerFor(zone, { kind: 'node', node: n }, n.name, q, opts), n.name));
      if (nodataAt(n, ABSENT_TYPE)) nodeAnswers.set(nodeKey(e, 0, d), t.add(answerFor(zone, { kind: 'node', node: n }, n.name, ABSENT_TYPE, opts), n.name));
    }
  }

  const nxdomainPlain = t.add(zone.nxdomainPlain, zone.origin);
  const outside = t.add(result('refused', Rcode.REFUSED, false, [], [], []), Name.root);

  const nsecProofs = keep && zone.nsecKeys.length > 0;
  const nsecNx = new Map<number, number>();
  if (nsecProofs) {
    const enclosers = (n: ZoneNode, self: boolean): number[] => {
      const out: number[] = [];
      for (let name: Name | undefined = self ? n.name : parentOf(n.name); name !== undefined; name = parentOf(name)) {
        const e = entryOf.get(name.key);
        if (e !== undefined && !nodes[e]!.delegation) out.push(e);
        if (name.key === zone.origin.key) break;
      }
      return out;
    };
    const count = zone.nsecNodes.length;
    for (let i = 0; i < count; i++) {
      const own = zone.nsecNodes[i]!;
      const next = zone.nsecNodes[(i + 1) % count]!;
      for (const e of new Set([...enclosers(own, true), ...enclosers(next, false)])) {
        nsecNx.set(i * nodes.length + e, t.add(nxdomainWithProofs(zone, nodes[e]!, i), zone.origin));
      }
    }
  }

  const nsecKeyAt = new Uint32Array(zone.nsecKeys.length + 1);
  zone.nsecKeys.forEach((k, i) => (nsecKeyAt[i + 1] = nsecKeyAt[i]! + k.length));
  const nsecKeys = new Uint16Array(nsecKeyAt[zone.nsecKeys.length]!);
  zone.nsecKeys.forEach((k, i) => {
    for (let c = 0; c < k.length; c++) nsecKeys[nsecKeyAt[i]! + c] = k.charCodeAt(c);
  });

  const [nodeKeys, nodeValues] = sortedPairs(nodeAnswers);
  const [nsecNxKeys, nsecNxValues] = sortedPairs(nsecNx);
  const [templateAt, templates] = encodeTemplates(t.list);
  const records = encodeRecords(zone.records);
  const meta = encodeMeta(zone);

  const sections: Uint8Array[] = [];
  sections[Section.origin] = ix.origin;
  sections[Section.slots] = bytesOf(ix.slots);
  sections[Section.names] = ix.names;
  sections[Section.nameAt] = bytesOf(ix.nameAt);
  sections[Section.entryFlags] = flags;
  sections[Section.cuts] = bytesOf(cuts);
  sections[Section.nodeKeys] = bytesOf(nodeKeys);
  sections[Section.nodeValues] = bytesOf(nodeValues);
  sections[Section.nsecNxKeys] = bytesOf(nsecNxKeys);
  sections[Section.nsecNxValues] = bytesOf(nsecNxValues);
  sections[Section.nsecKeys] = bytesOf(nsecKeys);
  sections[Section.nsecKeyAt] = bytesOf(nsecKeyAt);
  sections[Section.templateAt] = bytesOf(templateAt);
  sections[Section.templates] = templates;
  sections[Section.records] = records;
  sections[Section.meta] = meta;

  let size = HEADER_SIZE;
  const offsets: number[] = [];
  for (let s = 0; s < SECTION_COUNT; s++) {
    size = align8(size);
    offsets.push(size);
    size += sections[s]!.length;
  }
  const out = new Uint8Array(align8(size));
  const head = new Uint32Array(out.buffer, 0, HEADER_WORDS);
  const magic = new TextEncoder().encode(MAGIC);
  out.set(magic, 0);
  head[HeaderField.version] = VERSION;
  head[HeaderField.byteOrder] = BYTE_ORDER_MARK;
  head[HeaderField.byteLength] = out.length;
  head[HeaderField.serial] = zone.serial;
  head[HeaderField.flags] = (keep ? Flag.keep : 0) | (nsecProofs ? Flag.nsecProofs : 0);
  head[HeaderField.entries] = nodes.length;
  head[HeaderField.apexEntry] = ix.apexEntry;
  head[HeaderField.mask] = ix.mask;
  head[HeaderField.templates] = t.list.length;
  head[HeaderField.nsecCount] = zone.nsecKeys.length;
  head[HeaderField.nxdomainPlain] = nxdomainPlain;
  head[HeaderField.outside] = outside;
  head[HeaderField.nodeKeys] = nodeKeys.length;
  head[HeaderField.nsecNxKeys] = nsecNxKeys.length;
  head[HeaderField.records] = zone.records.length;
  const table = new Uint32Array(out.buffer, HEADER_WORDS * 4, SECTION_COUNT * 2);
  for (let s = 0; s < SECTION_COUNT; s++) {
    table[s * 2] = offsets[s]!;
    table[s * 2 + 1] = sections[s]!.length;
    out.set(sections[s]!, offsets[s]!);
  }
  return out;
}

function parentOf(name: Name): Name | undefined {
  return name.isRoot() ? undefined : name.parent();
}

const align8 = (n: number): number => (n + 7) & ~7;

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function sortedPairs(m: Map<number, number>): [Float64Array, Uint32Array] {
  const keys = Float64Array.from(m.keys()).sort();
  return [keys, Uint32Array.from(keys, (k) => m.get(k)!)];
}

function encodeTemplates(list: readonly Template[]): [Uint32Array, Uint8Array] {
  const at = new Uint32Array(list.length + 1);
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    const n = TEMPLATE_HEAD + 2 * (3 * t.ends.length + t.full.pointers.length) + t.full.bytes.length;
    at[i + 1] = at[i]! + ((n + 3) & ~3);
  }
  const out = new Uint8Array(at[list.length]!);
  const dv = new DataView(out.buffer);
  const le = true;
  // Plain loops: this runs once per template (thousands), mostly before V8 has optimized anything.
  const u16s = (arr: ArrayLike<number>, o: number): number => {
    for (let k = 0; k < arr.length; k++, o += 2) dv.setUint16(o, arr[k]!, le);
    return o;
  };
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    let o = at[i]!;
    const f = t.full;
    out[o] = t.rcode;
    out[o + 1] = (t.aa ? 1 : 0) | (f.truncated ? 2 : 0);
    out[o + 2] = t.anchorLength;
    dv.setUint16(o + 4, f.ancount, le);
    dv.setUint16(o + 6, f.nscount, le);
    dv.setUint16(o + 8, f.arcount, le);
    dv.setUint16(o + 10, t.ends.length, le);
    dv.setUint16(o + 12, t.mandatory, le);
    dv.setUint16(o + 14, f.pointers.length, le);
    dv.setUint32(o + 16, f.bytes.length, le);
    o += TEMPLATE_HEAD;
    o = u16s(t.ends, o);
    o = u16s(t.nsCounts, o);
    o = u16s(t.arCounts, o);
    o = u16s(f.pointers, o);
    out.set(f.bytes, o);
  }
  return [at, out];
}

function encodeMeta(zone: Zone): Uint8Array {
  const soa = zone.soa;
  const out = new Uint8Array(soa.name.wire.length + 10 + soa.rdata.length + 6 * zone.counts.size);
  let o = putRecord(out, 0, soa);
  for (const [type, count] of zone.counts) {
    out[o++] = type >>> 8;
    out[o++] = type & 0xff;
    out[o++] = count >>> 24;
    out[o++] = (count >>> 16) & 0xff;
    out[o++] = (count >>> 8) & 0xff;
    out[o++] = count & 0xff;
  }
  return out;
}
