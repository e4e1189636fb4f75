// The flat hash table locateWire() (locate-wire.ts) walks: the zone's nodes
// keyed by (parent node, label). Built once per zone by the image writer
// (image-writer.ts, off the serving thread) and stored in the zone image, so
// the serving thread never builds it.
//
// Under load each query's zone data comes cold from memory (the kernel and
// the young generation stream through the caches between two queries to the
// same TLD), so the cost is the number of dependent loads, not instructions.
// A slot of 32 octets holds the hash, the parent, the node's number, the
// delegation flag and the label's first 16 octets, lower-cased: one cache
// line decides most probes. Longer labels are compared against the node's
// owner name, kept lower-cased in `names`.

import { lower, type Name } from '../dns/name.js';

/** int32s per slot: hash, parent entry, entry + 1 (0: empty), label length | delegation flag, 16 label octets. */
export const SLOT = 8;
/** Label octets kept in the slot itself. */
export const INLINE = 16;
export const DELEGATION = 0x100;

/** The walkable nodes of a zone, numbered 0..n-1 ("entries"), as the hot path reads them. */
export interface WireIndex {
  readonly apexEntry: number;
  /** Wire form of the origin, lower-cased; its label count. */
  readonly origin: Uint8Array;
  readonly originLabels: number;
  readonly slots: Int32Array;
  /** The same memory as `slots`, by octet. */
  readonly slotBytes: Uint8Array;
  readonly mask: number;
  /** Each entry's owner name in wire form, lower-cased, at names[nameAt[e]..nameAt[e + 1]). */
  readonly names: Uint8Array;
  readonly nameAt: Uint32Array;
}

const PRIME = 0x01000193;

/** Hash of (parent, label at w[at]) with ASCII case folded. Exported for tests (collisions). */
export function hashLabel(parent: number, w: Uint8Array, at: number): number {
  const end = at + w[at]!;
  let h = Math.imul(0x811c9dc5 ^ parent, PRIME);
  h = Math.imul(h ^ w[at]!, PRIME);
  for (let i = at + 1; i <= end; i++) h = Math.imul(h ^ lower(w[i]!), PRIME);
  return h ^ (h >>> 15);
}

/** What the index needs of a node. */
export interface IndexedNode {
  readonly name: Name;
  readonly delegation: boolean;
}

/**
 * Build the index over `nodes` (the walkable ones: nodes strictly below a cut
 * are never reached, the walk stops at the cut), whose apex is `origin`.
 */
export function buildWireIndex(nodes: readonly IndexedNode[], origin: Name): WireIndex {
  const entryOf = new Map<string, number>();
  nodes.forEach((n, i) => entryOf.set(n.name.key, i));
  let size = 16;
  while (size < nodes.length * 2) size *= 2;
  const slots = new Int32Array(size * SLOT);
  const slotBytes = new Uint8Array(slots.buffer);
  const wires = nodes.map((n) => n.name.canonicalWire());
  const nameAt = new Uint32Array(nodes.length + 1);
  for (let i = 0; i < nodes.length; i++) nameAt[i + 1] = nameAt[i]! + wires[i]!.length;
  const names = new Uint8Array(nameAt[nodes.length]!);
  wires.forEach((w, i) => names.set(w, nameAt[i]!));
  const originKey = origin.key;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const w = wires[i]!;
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
  const originWire = origin.canonicalWire();
  const apexEntry = entryOf.get(originKey);
  if (apexEntry === undefined) throw new RangeError('buildWireIndex: the apex is not among the nodes');
  return { apexEntry, origin: originWire, originLabels: labelCount(originWire), slots, slotBytes, mask: size - 1, names, nameAt };
}

/** Labels of an uncompressed wire name, or -1 if it is not exactly one well-formed name. */
export function labelCount(wire: Uint8Array): number {
  let n = 0;
  let o = 0;
  for (; o < wire.length && wire[o] !== 0; o += wire[o]! + 1) {
    if (wire[o]! > 63) return -1;
    n++;
  }
  return o === wire.length - 1 ? n : -1;
}
