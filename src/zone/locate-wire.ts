// locate() straight from a query's wire bytes, for the server's hot path: no
// Name, no key string, no Location object, and few cache lines touched. The
// walk goes from the origin down, one label at a time, through the zone's
// wire index (wire-index.ts, stored in the zone image), like locate()
// (lookup.ts), which stays the reference (locate-wire.test.ts compares the two).

import { lower, wireSortKey } from '../dns/name.js';
import { imageOf } from './image.js';
import { coveringIndexIn } from './lookup.js';
import { DELEGATION, hashLabel, INLINE, SLOT, type WireIndex } from './wire-index.js';
import type { Zone, ZoneNode } from './zone.js';

export { hashLabel } from './wire-index.js';

export const WireKind = { outside: 0, cut: 1, node: 2, nxdomain: 3 } as const;
export type WireKind = (typeof WireKind)[keyof typeof WireKind];

/**
 * Where a name lands, written by locateWire() into a caller-owned object (no
 * allocation per query). The node is named by its number in the wire index
 * ("entry"), not held: storing an object pointer costs a write barrier that
 * reads the (cold) page header of the node.
 */
export interface WireLocation {
  kind: WireKind;
  /** The node's number: cut: the delegation point; node: the node; nxdomain: the closest encloser. */
  entry: number;
  /** cut: the name is the delegation point itself. */
  exact: boolean;
}

/** True if msg[at..end) equals `wire` with ASCII case folded (wire is lower case). */
function sameName(msg: Uint8Array, at: number, end: number, wire: Uint8Array): boolean {
  if (end - at !== wire.length) return false;
  for (let i = 0; i < wire.length; i++) if (lower(msg[at + i]!) !== wire[i]) return false;
  return true;
}

/** The slot (its first int32) of the label at msg[at] below `parent`, or -1. */
function find(ix: WireIndex, parent: number, msg: Uint8Array, at: number): number {
  const h = hashLabel(parent, msg, at);
  const len = msg[at]!;
  const slots = ix.slots;
  let s = h & ix.mask;
  for (;;) {
    const o = s * SLOT;
    const e = slots[o + 2]!;
    if (e === 0) return -1;
    if (slots[o] === h && slots[o + 1] === parent && (slots[o + 3]! & 0xff) === len && sameLabel(ix, o, e - 1, msg, at, len)) return o;
    s = (s + 1) & ix.mask;
  }
}

function sameLabel(ix: WireIndex, o: number, entry: number, msg: Uint8Array, at: number, len: number): boolean {
  const bytes = ix.slotBytes;
  const inline = len < INLINE ? len : INLINE;
  for (let k = 0; k < inline; k++) if (lower(msg[at + 1 + k]!) !== bytes[o * 4 + 16 + k]) return false;
  if (len <= INLINE) return true;
  // The entry's own label is the first one of its owner name.
  const names = ix.names;
  const label = ix.nameAt[entry]! + 1;
  for (let k = INLINE; k < len; k++) if (lower(msg[at + 1 + k]!) !== names[label + k]) return false;
  return true;
}

/**
 * locate() for the uncompressed name ending at `end` (past its root octet) in
 * `msg`, whose labels start at `starts[0..count)` (most specific first). The
 * caller has checked the name (label lengths, total length).
 */
export function locateWire(zone: Zone, msg: Uint8Array, starts: ArrayLike<number>, count: number, end: number, out: WireLocation): void {
  locateIn(imageOf(zone).index, msg, starts, count, end, out);
}

/** locateWire() in an index. */
export function locateIn(ix: WireIndex, msg: Uint8Array, starts: ArrayLike<number>, count: number, end: number, out: WireLocation): void {
  const oc = ix.originLabels;
  if (count < oc || (oc > 0 && !sameName(msg, starts[count - oc]!, end, ix.origin))) {
    out.kind = WireKind.outside;
    return;
  }
  let encloser = ix.apexEntry;
  for (let i = count - oc - 1; i >= 0; i--) {
    const o = find(ix, encloser, msg, starts[i]!);
    if (o < 0) {
      out.kind = WireKind.nxdomain;
      break;
    }
    const e = ix.slots[o + 2]! - 1;
    encloser = e;
    if ((ix.slots[o + 3]! & DELEGATION) !== 0) {
      out.kind = WireKind.cut;
      out.exact = i === 0;
      out.entry = e;
      return;
    }
    if (i === 0) out.kind = WireKind.node;
  }
  if (count === oc) out.kind = WireKind.node;
  out.entry = encloser;
}

/** The node a WireLocation names (for the reference path and tests: this reads the zone's nodes). */
export function nodeAt(zone: Zone, loc: WireLocation): ZoneNode {
  const key = imageOf(zone).entryName(loc.entry).key;
  const node = zone.nodes.get(key);
  if (node === undefined) throw new RangeError(`nodeAt: entry ${loc.entry} (${key}) is not a node of the zone`);
  return node;
}

/**
 * The index in zone.nsecNodes of the NSEC covering the name (as lookup.ts's
 * coveringIndex(canonicalSortKey(name))), from the wire form.
 */
export function nsecCoverWire(zone: Zone, msg: Uint8Array, starts: ArrayLike<number>, count: number): number {
  return coveringIndexIn(imageOf(zone).nsecKeys, wireSortKey(msg, starts, count));
}
