// locate() straight from a query's wire bytes, for the server's hot path: no
// Name, no key string, no Location object, and few cache lines touched.
//
// Under load each query's zone data comes cold from memory (the kernel and
// the young generation stream through the caches between two queries to the
// same TLD), so the cost is the number of dependent loads, not instructions.
// The nodes therefore go into one flat hash table keyed by (parent node,
// label): a slot of 32 octets holds the hash, the parent, the node's number,
// the delegation flag and the label's first 16 octets, lower-cased; one
// cache line decides most probes. The walk goes from the origin down, one
// label at a time, like locate() (lookup.ts), which stays the reference
// (locate-wire.test.ts compares the two).

import { lower, wireSortKey } from '../dns/name.js';
import { coveringIndex } from './lookup.js';
import type { Zone, ZoneNode } from './zone.js';

export const WireKind = { outside: 0, cut: 1, node: 2, nxdomain: 3 } as const;
export type WireKind = (typeof WireKind)[keyof typeof WireKind];

/**
 * Where a name lands, written by locateWire() into a caller-owned object (no
 * allocation per query). The node is named by its number, not held: storing
 * an object pointer costs a write barrier that reads the (cold) page header
 * of the node; nodeAt() gets the node when it is needed.
 */
export interface WireLocation {
  kind: WireKind;
  /** The node's number (wireIndexOf(zone).nodes): cut: the delegation point; node: the node; nxdomain: the closest encloser. */
  entry: number;
  /** cut: the name is the delegation point itself. */
  exact: boolean;
}

/** The zone's nodes that a walk can reach, numbered 0..n-1 (wireIndexOf(zone).nodes[entry]). */
export interface WireIndex {
  readonly nodes: readonly ZoneNode[];
  readonly apexEntry: number;
  /** Wire form of the origin, lower-cased; its label count. */
  readonly origin: Uint8Array;
  readonly originLabels: number;
  /** SLOT int32s per slot: hash, parent entry, entry + 1 (0: empty), label length | delegation flag, 16 label octets. */
  readonly slots: Int32Array;
  readonly slotBytes: Uint8Array;
  readonly mask: number;
  /** Each node's label, lower-cased, for labels longer than the slot holds. */
  readonly labels: readonly Uint8Array[];
}

const SLOT = 8; // int32s: 32 octets
const INLINE = 16; // label octets kept in the slot
const DELEGATION = 0x100;

const indexes = new WeakMap<Zone, WireIndex>();

const PRIME = 0x01000193;

/** Hash of (parent, label at w[at]) with ASCII case folded. Exported for tests (collisions). */
export function hashLabel(parent: number, w: Uint8Array, at: number): number {
  const end = at + w[at]!;
  let h = Math.imul(0x811c9dc5 ^ parent, PRIME);
  h = Math.imul(h ^ w[at]!, PRIME);
  for (let i = at + 1; i <= end; i++) h = Math.imul(h ^ lower(w[i]!), PRIME);
  return h ^ (h >>> 15);
}

/** The index of a zone, built on first use (a few ms for the root zone) and kept as long as the zone. */
export function wireIndexOf(zone: Zone): WireIndex {
  const known = indexes.get(zone);
  if (known !== undefined) return known;
  // Nodes strictly below a cut (glue, occluded data) are never reached: the walk stops at the cut.
  const nodes = [...zone.nodes.values()].filter((n) => !n.occluded);
  const entryOf = new Map<string, number>();
  nodes.forEach((n, i) => entryOf.set(n.name.key, i));
  let size = 16;
  while (size < nodes.length * 2) size *= 2;
  const slots = new Int32Array(size * SLOT);
  const slotBytes = new Uint8Array(slots.buffer);
  const labels: Uint8Array[] = [];
  const originKey = zone.origin.key;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const w = n.name.canonicalWire();
    labels.push(w.subarray(1, 1 + w[0]!));
    // The apex is found by the origin check, nodes above it are not in the zone.
    if (n.name.key === originKey || n.name.isRoot()) continue;
    const parent = entryOf.get(n.name.parent().key);
    if (parent === undefined) continue; // above the origin: never reached by the walk
    const h = hashLabel(parent, w, 0);
    let s = h & (size - 1);
    while (slots[s * SLOT + 2] !== 0) s = (s + 1) & (size - 1);
    const o = s * SLOT;
    slots[o] = h;
    slots[o + 1] = parent;
    slots[o + 2] = i + 1;
    slots[o + 3] = w[0]! | (n.delegation ? DELEGATION : 0);
    for (let k = 0; k < Math.min(w[0]!, INLINE); k++) slotBytes[o * 4 + 16 + k] = w[1 + k]!;
  }
  const origin = zone.origin.canonicalWire();
  let originLabels = 0;
  for (let o = 0; origin[o]! !== 0; o += origin[o]! + 1) originLabels++;
  const ix: WireIndex = { nodes, apexEntry: entryOf.get(originKey)!, origin, originLabels, slots, slotBytes, mask: size - 1, labels };
  indexes.set(zone, ix);
  return ix;
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
  const label = ix.labels[entry]!;
  for (let k = INLINE; k < len; k++) if (lower(msg[at + 1 + k]!) !== label[k]) return false;
  return true;
}

/**
 * locate() for the uncompressed name ending at `end` (past its root octet) in
 * `msg`, whose labels start at `starts[0..count)` (most specific first). The
 * caller has checked the name (label lengths, total length).
 */
export function locateWire(zone: Zone, msg: Uint8Array, starts: ArrayLike<number>, count: number, end: number, out: WireLocation): void {
  const ix = wireIndexOf(zone);
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

/** The node a WireLocation names. */
export function nodeAt(zone: Zone, loc: WireLocation): ZoneNode {
  return wireIndexOf(zone).nodes[loc.entry]!;
}

/**
 * The index in zone.nsecNodes of the NSEC covering the name (as lookup.ts's
 * coveringIndex(canonicalSortKey(name))), from the wire form.
 */
export function nsecCoverWire(zone: Zone, msg: Uint8Array, starts: ArrayLike<number>, count: number): number {
  return coveringIndex(zone, wireSortKey(msg, starts, count));
}
