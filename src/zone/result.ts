// What lookup() returns for one question, and how one is made: frozen, because
// the zone precomputes some (referrals, NXDOMAIN without DO) and every answer
// that decides the same way shares them.

import type { ResourceRecord } from '../dns/record.js';

export type LookupKind = 'answer' | 'referral' | 'nodata' | 'nxdomain' | 'refused';

export interface LookupResult {
  readonly kind: LookupKind;
  readonly rcode: number;
  /** Authoritative Answer: clear on referrals and REFUSED. */
  readonly aa: boolean;
  /** Records keep the zone's case; the server writes the question's case itself if it wants to. */
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

/** Freeze a lookup result; the sections are shared between answers, nobody may change them. */
export function result(
  kind: LookupResult['kind'],
  rcode: number,
  aa: boolean,
  answer: readonly ResourceRecord[],
  authority: readonly ResourceRecord[],
  additional: readonly ResourceRecord[],
): LookupResult {
  return Object.freeze({
    kind,
    rcode,
    aa,
    answer: Object.freeze(answer),
    authority: Object.freeze(authority),
    additional: Object.freeze(additional),
  });
}
