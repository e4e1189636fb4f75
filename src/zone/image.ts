// ZoneImage: a zone image (layout: image-format.ts) opened for answering.
// Opening checks the header and the section table and makes typed views, no
// copy and no per-record work: a few hundred microseconds for the root zone,
// which is what lets a restart answer at once (refresh/image-file.ts) and a
// swap cost the serving thread nothing but an assignment. Templates are
// materialized (views into the image, no copy) the first time they are asked
// for and kept.
//
// imageOf(zone) is how the answer path finds the image of the zone it was
// handed: zones opened from an image carry theirs (image-zone.ts); any other
// zone (tests, tools) gets one written for it on first use.

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import { template, EMPTY_TC, type Template } from './answer-template.js';
import { BYTE_ORDER_MARK, EntryFlag, Flag, HEADER_SIZE, HEADER_WORDS, HeaderField, MAGIC, nodeKey, Section, SECTION_COUNT, TEMPLATE_HEAD, VERSION } from './image-format.js';
import { writeImage } from './image-writer.js';
import { labelCount, SLOT, type WireIndex } from './wire-index.js';
import { decodeRecords, readRecord } from './record-wire.js';
import type { Zone } from './zone.js';

/** The bytes are not a usable image (truncated, corrupt, another version or byte order): rebuild it from the copy. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}



export class ZoneImage {
  readonly serial: number;
  /** DNSSEC records kept (`--dnssec keep`): DO changes answers. */
  readonly keep: boolean;
  /** NXDOMAIN with DO carries NSEC proofs that depend on the name. */
  readonly nsecProofs: boolean;
  readonly entries: number;
  readonly recordCount: number;
  readonly index: WireIndex;
  readonly nxdomain: Template;
  readonly outside: Template;
  private readonly entryFlags: Uint8Array;
  private readonly cuts: Uint32Array;
  private readonly nodeKeys: Float64Array;
  private readonly nodeValues: Uint32Array;
  private readonly nsecNxKeys: Float64Array;
  private readonly nsecNxValues: Uint32Array;
  private readonly templateAt: Uint32Array;
  private readonly templateBytes: Uint8Array;
  private readonly materialized: (Template | undefined)[];
  private nsecKeyList: readonly string[] | undefined;

  /** Open `bytes` (kept, not copied, unless misaligned). Throws ImageError if they are not a usable image. */
  constructor(readonly bytes: Uint8Array) {
    if (bytes.byteOffset % 8 !== 0) bytes = this.bytes = bytes.slice();
    if (bytes.length < HEADER_SIZE) throw new ImageError(`zone image: ${bytes.length} octets, shorter than its header`);
    if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new ImageError('zone image: not a zone image (bad magic)');
    const head = new Uint32Array(bytes.buffer, bytes.byteOffset, HEADER_WORDS);
    if (head[HeaderField.byteOrder] !== BYTE_ORDER_MARK) throw new ImageError('zone image: written on a machine of the other byte order');
    if (head[HeaderField.version] !== VERSION) throw new ImageError(`zone image: format version ${head[HeaderField.version]}, this rootmirror reads ${VERSION}`);
    if (head[HeaderField.byteLength] !== bytes.length) throw new ImageError(`zone image: ${bytes.length} octets, its header says ${head[HeaderField.byteLength]} (truncated?)`);
    const table = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER_WORDS * 4, SECTION_COUNT * 2);
    const section = (s: number, unit: number, expected?: number): { off: number; len: number } => {
      const off = table[s * 2]!;
      const len = table[s * 2 + 1]!;
      if (off % 8 !== 0 || off < HEADER_SIZE || off + len > bytes.length || len % unit !== 0 || (expected !== undefined && len !== expected * unit)) {
        throw new ImageError(`zone image: section ${s} is out of bounds or of the wrong size`);
      }
      return { off: bytes.byteOffset + off, len };
    };
    const u8 = (s: number, n?: number): Uint8Array => {
      const { off, len } = section(s, 1, n);
      return new Uint8Array(bytes.buffer, off, len);
    };
    const u32 = (s: number, n?: number): Uint32Array => {
      const { off, len } = section(s, 4, n);
      return new Uint32Array(bytes.buffer, off, len / 4);
    };
    const f64 = (s: number, n: number): Float64Array => {
      const { off, len } = section(s, 8, n);
      return new Float64Array(bytes.buffer, off, len / 8);
    };
    this.serial = head[HeaderField.serial]!;
    const flags = head[HeaderField.flags]!;
    this.keep = (flags & Flag.keep) !== 0;
    this.nsecProofs = (flags & Flag.nsecProofs) !== 0;
    const entries = (this.entries = head[HeaderField.entries]!);
    const templates = head[HeaderField.templates]!;
    const mask = head[HeaderField.mask]!;
    const apexEntry = head[HeaderField.apexEntry]!;
    this.recordCount = head[HeaderField.records]!;
    if ((mask & (mask + 1)) !== 0 || apexEntry >= entries) throw new ImageError('zone image: bad index header');
    const { off: slotsOff } = section(Section.slots, SLOT * 4, mask + 1);
    const slots = new Int32Array(bytes.buffer, slotsOff, (mask + 1) * SLOT);
    const origin = u8(Section.origin);
    const names = u8(Section.names);
    const nameAt = u32(Section.nameAt, entries + 1);
    this.entryFlags = u8(Section.entryFlags, entries);
    this.cuts = u32(Section.cuts, entries * 4);
    this.nodeKeys = f64(Section.nodeKeys, head[HeaderField.nodeKeys]!);
    this.nodeValues = u32(Section.nodeValues, head[HeaderField.nodeKeys]!);
    this.nsecNxKeys = f64(Section.nsecNxKeys, head[HeaderField.nsecNxKeys]!);
    this.nsecNxValues = u32(Section.nsecNxValues, head[HeaderField.nsecNxKeys]!);
    this.templateAt = u32(Section.templateAt, templates + 1);
    this.templateBytes = u8(Section.templates);
    u32(Section.nsecKeyAt, head[HeaderField.nsecCount]! + 1);
    // Every number that indexes something else must index inside it: a corrupt
    // image is refused here, not found out by a query.
    if (!ascendingWithin(nameAt, names.length) || !ascendingWithin(this.templateAt, this.templateBytes.length)) throw new ImageError('zone image: offsets out of order');
    let empty = 0;
    for (let i = 0; i < slots.length; i += SLOT) {
      const e = slots[i + 2]!;
      if (e < 0 || e > entries || (e !== 0 && (slots[i + 1]! < 0 || slots[i + 1]! >= entries))) throw new ImageError('zone image: index slot out of range');
      if (e === 0) empty++;
    }
    // A probe stops at an empty slot: a table without one would never end a miss.
    if (empty === 0) throw new ImageError('zone image: index has no empty slot');
    for (const v of this.cuts) if (v > templates) throw new ImageError('zone image: cut answer out of range');
    for (const vs of [this.nodeValues, this.nsecNxValues]) for (const v of vs) if (v >= templates) throw new ImageError('zone image: answer out of range');
    if (head[HeaderField.nxdomainPlain]! >= templates || head[HeaderField.outside]! >= templates) throw new ImageError('zone image: answer out of range');
    const originLabels = labelCount(origin);
    if (originLabels < 0) throw new ImageError('zone image: the origin is not a domain name');
    this.index = { apexEntry, origin, originLabels, slots, slotBytes: new Uint8Array(bytes.buffer, slotsOff, slots.byteLength), mask, names, nameAt };
    this.materialized = new Array<Template | undefined>(templates).fill(undefined);
    this.nxdomain = this.template(head[HeaderField.nxdomainPlain]!);
    this.outside = this.template(head[HeaderField.outside]!);
  }

  /** Template number `i`, materialized on first use. */
  template(i: number): Template {
    return this.materialized[i] ?? this.materialize(i);
  }

  /** At a cut: the referral, or the DS answer when the question is DS at the cut itself; `d` 1 for DO in keep mode. */
  cutTemplate(entry: number, ds: boolean, d: number): Template | undefined {
    const v = this.cuts[entry * 4 + (ds ? 2 : 0) + d]!;
    return v === 0 ? undefined : this.template(v - 1);
  }

  /**
   * At a node: the answer for `qtype`, or undefined when the image does not
   * hold it (a CNAME node asked for a type it lacks: the server's cache
   * decides that one from the zone's records).
   */
  nodeTemplate(entry: number, qtype: number, d: number): Template | undefined {
    const f = this.entryFlags[entry]!;
    let v = (f & EntryFlag.empty) === 0 ? search(this.nodeKeys, nodeKey(entry, qtype, d)) : -1;
    if (v < 0) {
      if ((f & EntryFlag.cname) !== 0 && (f & EntryFlag.empty) === 0) return undefined;
      v = search(this.nodeKeys, nodeKey(entry, 0, d));
      if (v < 0) return undefined;
    }
    return this.template(this.nodeValues[v]!);
  }

  /** NXDOMAIN with NSEC proofs: the NSEC at `cover` covers the name, `encloser` is its closest encloser. */
  nsecNxTemplate(cover: number, encloser: number): Template | undefined {
    const v = search(this.nsecNxKeys, cover * this.entries + encloser);
    return v < 0 ? undefined : this.template(this.nsecNxValues[v]!);
  }

  /** The NSEC owners' canonical sort keys (decoded on first use). */
  get nsecKeys(): readonly string[] {
    if (this.nsecKeyList === undefined) {
      const at = this.view32(Section.nsecKeyAt);
      const { off, len } = this.sectionOf(Section.nsecKeys);
      const units = new Uint16Array(this.bytes.buffer, this.bytes.byteOffset + off, len / 2);
      const keys: string[] = [];
      for (let i = 0; i + 1 < at.length; i++) keys.push(String.fromCharCode.apply(null, units.subarray(at[i]!, at[i + 1]!) as unknown as number[]));
      this.nsecKeyList = keys;
    }
    return this.nsecKeyList;
  }

  /** The owner name of an entry, lower-cased. */
  entryName(entry: number): Name {
    const at = this.index.nameAt;
    if (entry < 0 || entry >= this.entries) throw new RangeError(`zone image: no entry ${entry}`);
    return Name.fromUncompressedWire(this.index.names.slice(at[entry]!, at[entry + 1]!));
  }

  get origin(): Name {
    return Name.fromUncompressedWire(this.index.origin.slice());
  }

  /** Every served record, canonical order: decoded afresh on each call (AXFR, export), so the image stays the only copy held. */
  records(): ResourceRecord[] {
    let out: ResourceRecord[];
    try {
      out = decodeRecords(this.recordBytes());
    } catch (err) {
      throw new ImageError(`zone image: ${(err as Error).message}`);
    }
    if (out.length !== this.recordCount) throw new ImageError(`zone image: ${out.length} records, its header says ${this.recordCount}`);
    return out;
  }

  /** The records section as it is stored (record-wire.ts: uncompressed, canonical order), a view: what image-change.ts compares. */
  recordBytes(): Uint8Array {
    const { off, len } = this.sectionOf(Section.records);
    return this.bytes.subarray(off, off + len);
  }

  /** The apex SOA and the record counts by type. */
  meta(): { soa: ResourceRecord; counts: Map<number, number> } {
    const { off, len } = this.sectionOf(Section.meta);
    const b = this.bytes.subarray(off, off + len);
    let soa: ResourceRecord;
    let next: number;
    try {
      ({ rr: soa, next } = readRecord(b, 0));
    } catch (err) {
      throw new ImageError(`zone image: ${(err as Error).message}`);
    }
    if (soa.type !== RRType.SOA) throw new ImageError('zone image: no SOA in its meta section');
    const counts = new Map<number, number>();
    for (let o = next; o + 6 <= b.length; o += 6) counts.set((b[o]! << 8) | b[o + 1]!, ((b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!) >>> 0);
    return { soa, counts };
  }

  private sectionOf(s: number): { off: number; len: number } {
    const table = new Uint32Array(this.bytes.buffer, this.bytes.byteOffset + HEADER_WORDS * 4, SECTION_COUNT * 2);
    return { off: table[s * 2]!, len: table[s * 2 + 1]! };
  }

  private view32(s: number): Uint32Array {
    const { off, len } = this.sectionOf(s);
    return new Uint32Array(this.bytes.buffer, this.bytes.byteOffset + off, len / 4);
  }

  private materialize(i: number): Template {
    if (i < 0 || i >= this.materialized.length) throw new RangeError(`zone image: no template ${i}`);
    const b = this.templateBytes;
    const start = this.templateAt[i]!;
    const end = this.templateAt[i + 1]!;
    const dv = new DataView(b.buffer, b.byteOffset + start, end - start);
    const u16 = (k: number): number => dv.getUint16(4 + 2 * k, true);
    const [ancount, nscount, arcount, e, mandatory, p] = [u16(0), u16(1), u16(2), u16(3), u16(4), u16(5)];
    const size = dv.getUint32(16, true);
    if (e === 0 || start + TEMPLATE_HEAD + 2 * (3 * e + p) + size > end || mandatory > e) throw new ImageError(`zone image: template ${i} is malformed`);
    const arrays = b.byteOffset + start + TEMPLATE_HEAD;
    const ends = new Uint16Array(b.buffer, arrays, e);
    const nsCounts = new Uint16Array(b.buffer, arrays + 2 * e, e);
    const arCounts = new Uint16Array(b.buffer, arrays + 4 * e, e);
    const pointers = new Uint16Array(b.buffer, arrays + 6 * e, p);
    const bytes = new Uint8Array(b.buffer, arrays + 6 * e + 2 * p, size);
    const bits = b[start + 1]!;
    for (const x of ends) if (x > size) throw new ImageError(`zone image: template ${i} is malformed`);
    for (const x of pointers) if (x + 2 > size) throw new ImageError(`zone image: template ${i} is malformed`);
    const full = (bits & 2) !== 0 ? EMPTY_TC : Object.freeze({ bytes, pointers, ancount, nscount, arcount, truncated: false });
    const t = template(b[start]!, (bits & 1) !== 0, b[start + 2]!, full, ends, nsCounts, arCounts, mandatory);
    this.materialized[i] = t;
    return t;
  }
}

function ascendingWithin(a: Uint32Array, limit: number): boolean {
  for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) return false;
  return a.length === 0 || a[a.length - 1]! <= limit;
}

/** Index of `key` in ascending `keys`, or -1. */
function search(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

const images = new WeakMap<Zone, ZoneImage>();
let lastZone: Zone | undefined;
let lastImage: ZoneImage | undefined;

/** Attach an image to the zone it was opened as (image-zone.ts). */
export function attachImage(zone: Zone, image: ZoneImage): void {
  images.set(zone, image);
}

/** The image of `zone`: its own, or one written for it now (synchronously: tests and tools; the daemon's zones come with theirs). */
export function imageOf(zone: Zone): ZoneImage {
  // The answer path asks for the served zone's image on every query: remember the last one.
  if (zone === lastZone) return lastImage!;
  let img = images.get(zone);
  if (img === undefined) {
    img = new ZoneImage(writeImage(zone));
    images.set(zone, img);
  }
  lastZone = zone;
  lastImage = img;
  return img;
}


