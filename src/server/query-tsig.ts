// TSIG on a query that is not a transfer (RFC 8945 §5.2, §5.3). A secondary
// given a key for its primary signs more than the transfer: BIND (`primaries
// { ADDR key K; }`) signs its SOA refresh query with it too, so with
// --tsig-key those queries are verified and answered signed. Without keys a
// signed query is answered NOTAUTH with BADKEY (§5.2.1: we know no key).

import type { Clock } from '../clock.js';
import { signResponse, tsigErrorResponse, verifyRequest, type TsigVerified } from '../dns/tsig.js';
import { TsigKeyring } from '../dns/tsig-keys.js';

const NO_KEYS = new TsigKeyring([]);

export type QueryTsig =
  /** Verified: answer, then signResponse() the answer. */
  | { readonly kind: 'verified'; readonly verified: TsigVerified }
  /** Not acceptable: send this error response (FORMERR or NOTAUTH with the TSIG error). */
  | { readonly kind: 'refused'; readonly reply: Uint8Array; readonly rcode: number; readonly detail: string };

/** Check the TSIG of a signed request with `keys` (none: every key is unknown). */
export function checkQueryTsig(msg: Uint8Array, keys: TsigKeyring | undefined, clock: Clock): QueryTsig {
  const v = verifyRequest(msg, keys ?? NO_KEYS, { clock });
  if (v.status === 'verified') return { kind: 'verified', verified: v };
  if (v.status === 'unsigned') throw new Error('checkQueryTsig() called for a request without TSIG');
  return { kind: 'refused', reply: tsigErrorResponse(msg, v, { clock }), rcode: v.error === 'FORMERR' ? 1 : 9, detail: v.detail };
}

/** Octets the TSIG of the answer adds (§4.2: owner, fixed fields, algorithm, MAC, no Other Data): room to keep in a UDP answer. */
export function tsigLength(v: TsigVerified): number {
  return v.key.name.wire.length + 10 + v.key.algorithm.wireName.wire.length + 16 + v.key.algorithm.macLength;
}

/** The answer to a verified request, signed (§5.3: its digest starts with the request's MAC). */
export function signAnswer(answer: Uint8Array, v: TsigVerified, clock: Clock): Uint8Array {
  return signResponse(answer, v, { clock }).message;
}
