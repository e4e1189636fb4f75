// The layout of a zone image (image-writer.ts writes it, image.ts reads it):
// one buffer holding everything the serving thread needs to answer, built
// off that thread, transferred without copying and persisted beside the
// verified copy (in the spirit of NSD's nsd.db and tinydns's data.cdb).
//
//   header   HEADER_SIZE octets: magic, version, byte order, totals (HeaderField)
//   sections SECTION_COUNT (offset, length) pairs, each section 8-aligned
//
// Typed arrays are in the writer's byte order; the header records it and a
// reader on the other order refuses the image (it is rebuilt from the copy).
// Bump VERSION whenever anything here or what the writer puts in changes:
// an image of another version is refused the same way.

export const MAGIC = 'RMZIMAGE';
export const VERSION = 1;
export const BYTE_ORDER_MARK = 0x01020304;

/** u32 fields of the header, by index (the header is a Uint32Array of HEADER_WORDS). */
export const HeaderField = {
  magic0: 0,
  magic1: 1,
  version: 2,
  byteOrder: 3,
  byteLength: 4,
  serial: 5,
  /** bit 0: DNSSEC kept (`keep`); bit 1: NXDOMAIN answers carry NSEC proofs with DO. */
  flags: 6,
  entries: 7,
  apexEntry: 8,
  /** Slots in the wire index minus one. */
  mask: 9,
  templates: 10,
  nsecCount: 11,
  nxdomainPlain: 12,
  outside: 13,
  nodeKeys: 14,
  nsecNxKeys: 15,
  records: 16,
} as const;
export const HEADER_WORDS = 24;

export const Flag = { keep: 1, nsecProofs: 2 } as const;

/** Sections, by index in the section table. */
export const Section = {
  /** The origin's wire form, lower-cased. */
  origin: 0,
  /** wire-index.ts slots (Int32Array). */
  slots: 1,
  /** Each entry's owner, wire form lower-cased, and where each starts (Uint32Array, entries + 1). */
  names: 2,
  nameAt: 3,
  /** Per entry (Uint8Array): EntryFlag bits. */
  entryFlags: 4,
  /** Per entry, 4 template numbers + 1 (0: none): referral, referral with DO, DS, DS with DO (Uint32Array). */
  cuts: 5,
  /** Answers at nodes: keys entry * 2^17 + (qtype, 0 for NODATA) * 2 + DO, ascending (Float64Array), template numbers (Uint32Array). */
  nodeKeys: 6,
  nodeValues: 7,
  /** NXDOMAIN with NSEC proofs: keys cover * entries + encloser, ascending (Float64Array), template numbers (Uint32Array). */
  nsecNxKeys: 8,
  nsecNxValues: 9,
  /** The NSEC owners' canonical sort keys (name.ts canonicalSortKey) as UTF-16 code units, and where each starts. */
  nsecKeys: 10,
  nsecKeyAt: 11,
  /** Where each template starts in `templates` (Uint32Array, templates + 1), and the templates (see image-writer.ts). */
  templateAt: 12,
  templates: 13,
  /** Every served record, canonical order, as uncompressed wire RRs (owner, type, class, TTL, RDLENGTH, RDATA). */
  records: 14,
  /** The apex SOA as a wire RR, then (type u16, count u32) pairs of record counts by type. */
  meta: 15,
} as const;
export const SECTION_COUNT = 16;

export const HEADER_SIZE = HEADER_WORDS * 4 + SECTION_COUNT * 8;

export const EntryFlag = { delegation: 1, empty: 2, cname: 4 } as const;

/** Key of an answer at a node (Section.nodeKeys). */
export function nodeKey(entry: number, qtype: number, d: number): number {
  return entry * 0x20000 + qtype * 2 + d;
}

/**
 * A template on the wire of the image, from its first octet (2-aligned):
 *   u8 rcode, u8 bits (1: AA, 2: the full body is truncated), u8 anchorLength, u8 0,
 *   u16 ancount, nscount, arcount, ends count E, mandatory, pointer count P, u32 body length B,
 *   u16[E] ends, u16[E] AUTHORITY counts, u16[E] ADDITIONAL counts, u16[P] pointers, B body octets.
 */
export const TEMPLATE_HEAD = 20;
