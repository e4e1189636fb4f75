// The one definition of "ready": a verified, unexpired zone is being served.
// /readyz, /status, rootmirror_ready, the `ready` log line and (through
// /readyz) `rootmirror healthcheck` all ask this function, so they cannot
// disagree; the reason says why in one line.

import type { StoreDeadline } from './store.js';

export interface Readiness {
  readonly ready: boolean;
  /** "serving serial N", or why not (the store's reason, the expiry, a failed layer). */
  readonly reason: string;
}

/** What readiness reads of the store (a ZoneStore is one; OpsState builds one from its fields). */
export interface ReadinessSource {
  readonly state: { readonly kind: 'serving'; readonly zone: { readonly serial: number } } | { readonly kind: 'unavailable'; readonly reason: string };
  /** When the served copy stops being usable, and why (RFC 8806 §3: SOA expire, or its apex RRSIGs). */
  readonly deadline: StoreDeadline | undefined;
}

/** Verdicts of the verification layers on the served copy, when known. */
export type LayerVerdictsLike = Readonly<Record<string, { readonly ok: boolean; readonly detail: string } | undefined>>;

export function readiness(source: ReadinessSource, now: number, layers?: LayerVerdictsLike): Readiness {
  const s = source.state;
  if (s.kind !== 'serving') return { ready: false, reason: s.reason };
  const d = source.deadline;
  if (d !== undefined && now >= d.at) return { ready: false, reason: `serial ${s.zone.serial} is served but has expired: ${d.reason}` };
  for (const [name, v] of Object.entries(layers ?? {})) {
    if (v !== undefined && !v.ok) return { ready: false, reason: `serial ${s.zone.serial} failed ${name} verification: ${v.detail}` };
  }
  return { ready: true, reason: `serving serial ${s.zone.serial}` };
}
