// The one place the server reads its zone from. Replacing the zone is a single
// assignment: a query picks up `store.current` once and answers entirely from
// that snapshot, so no answer ever mixes two zones (CoreDNS file plugin's setData,
// NSD's build-aside-then-swap).

import { EventEmitter } from 'node:events';
import type { Zone } from './zone.js';

/** What the server should do when it has no usable (verified, unexpired) zone. */
export type OnExpired = 'fallback' | 'servfail';

export type StoreState =
  | { readonly kind: 'serving'; readonly zone: Zone }
  /** A zone is held but has expired (or none was ever loaded): answer per policy. */
  | { readonly kind: 'unavailable'; readonly zone: Zone | undefined; readonly onExpired: OnExpired; readonly reason: string };

/** When the zone being served stops being usable, and why (see src/refresh/expiry.ts). */
export interface StoreDeadline {
  readonly at: number;
  readonly reason: string;
}

export interface StoreEvents {
  swap: [next: Zone, previous: Zone | undefined];
  state: [state: StoreState];
}

export class ZoneStore extends EventEmitter<StoreEvents> {
  private snapshot: StoreState;
  private expiry: StoreDeadline | undefined;

  constructor(readonly onExpired: OnExpired = 'fallback') {
    super();
    this.snapshot = { kind: 'unavailable', zone: undefined, onExpired, reason: 'no verified zone loaded yet' };
  }

  /** The state to answer one query from. Read it once per query. */
  get state(): StoreState {
    return this.snapshot;
  }

  /** The zone being served, if any. */
  get zone(): Zone | undefined {
    return this.snapshot.kind === 'serving' ? this.snapshot.zone : undefined;
  }

  /** When the served zone expires (src/zone/readiness.ts reads it); undefined: never. */
  get deadline(): StoreDeadline | undefined {
    return this.expiry;
  }

  /** Set by whoever knows the copy's expiry: the refresher's ExpiryWatch, or `serve --zone-file` from its RRSIGs. */
  setDeadline(deadline: StoreDeadline | undefined): void {
    this.expiry = deadline;
  }

  /** Swap in a new zone (already verified and built). One assignment. */
  swap(next: Zone): void {
    const previous = this.snapshot.zone;
    this.snapshot = { kind: 'serving', zone: next };
    this.emit('swap', next, previous);
    this.emit('state', this.snapshot);
  }

  /** Stop answering from the held zone (expired): fallback or SERVFAIL per policy. */
  markUnavailable(reason: string): void {
    if (this.snapshot.kind === 'unavailable' && this.snapshot.reason === reason) return;
    this.snapshot = { kind: 'unavailable', zone: this.snapshot.zone, onExpired: this.onExpired, reason };
    this.emit('state', this.snapshot);
  }
}
