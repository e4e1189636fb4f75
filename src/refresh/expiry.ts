// When a held copy stops being servable (RFC 8806 §3 via RFC 1035 SOA expire):
// not confirmed current for SOA expire (7 days for the root), or the RRSIGs over
// its apex SOA/ZONEMD have expired — whichever comes first. Then the store is
// marked unavailable (fallback or SERVFAIL per --on-expired); a fresh verified
// copy swapped in ends that by itself.

import type { Clock } from '../clock.js';
import type { ZoneStore } from '../zone/store.js';

export interface ExpiryInput {
  /** When a source last confirmed the copy current (ms). */
  readonly confirmedAt: number;
  /** SOA expire of the copy, seconds. */
  readonly soaExpire: number;
  readonly signaturesExpireAt: number | undefined;
}

export interface ExpiryDeadline {
  readonly at: number;
  readonly reason: string;
}

const d = (ms: number): string => new Date(ms).toISOString();

/** The deadline set by the apex SOA/ZONEMD RRSIGs alone (a `--zone-file` zone, never confirmed by a source). */
export function signatureDeadline(signaturesExpireAt: number): ExpiryDeadline {
  return { at: signaturesExpireAt, reason: `the RRSIGs over the apex SOA/ZONEMD expired at ${d(signaturesExpireAt)}` };
}

export function expiryDeadline(e: ExpiryInput): ExpiryDeadline {
  const unconfirmed = e.confirmedAt + e.soaExpire * 1000;
  if (e.signaturesExpireAt !== undefined && e.signaturesExpireAt < unconfirmed) return signatureDeadline(e.signaturesExpireAt);
  return {
    at: unconfirmed,
    reason: `not confirmed current since ${d(e.confirmedAt)} (SOA expire ${e.soaExpire} s passed at ${d(unconfirmed)})`,
  };
}

/**
 * Watches the held copy's deadline. `check()` is called by the scheduler on
 * every tick (and after each refresh); it never sleeps on its own.
 */
export class ExpiryWatch {
  private input: ExpiryInput | undefined;
  constructor(
    private readonly store: ZoneStore,
    private readonly clock: Clock,
  ) {}

  /** The copy being served changed or was re-confirmed. */
  update(input: ExpiryInput | undefined): void {
    this.input = input;
    // The store's readiness (src/zone/readiness.ts) reads the deadline at every ask,
    // so it is exact between the scheduler's checks.
    this.store.setDeadline(this.deadline);
  }

  get deadline(): ExpiryDeadline | undefined {
    return this.input === undefined ? undefined : expiryDeadline(this.input);
  }

  /** True when the held copy may be served at this moment. */
  isServable(now = this.clock.now()): boolean {
    const d = this.deadline;
    return d !== undefined && now < d.at;
  }

  /** Mark the store unavailable once the deadline has passed. Returns the reason if expired. */
  check(): string | undefined {
    const d = this.deadline;
    if (d === undefined) return undefined;
    if (this.clock.now() < d.at) return undefined;
    const reason = `zone expired: ${d.reason}`;
    this.store.markUnavailable(reason);
    return reason;
  }
}
