// A resource record as the whole code base passes it around: owner name,
// numbers, and RDATA in uncompressed wire form. Keeping RDATA as wire bytes
// makes canonical form (RFC 4034 §6.2), digests and precomputed answers cheap.

import type { Name } from './name.js';

export interface ResourceRecord {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** Uncompressed wire RDATA; names inside keep the case they were written with. */
  readonly rdata: Uint8Array;
}

/** An RRset: same owner, class and type. TTL is the set's (RFC 2181 §5.2). */
export interface RRset {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdatas: readonly Uint8Array[];
}
