// EDNS EXPIRE (RFC 7314): a secondary that asks with the (empty) EXPIRE option
// on SOA, AXFR or IXFR learns how many seconds the copy has left, so a fleet
// fed from this mirror expires with us, not a full SOA expire after us
// (draft LocalRoot asks for it). Our copy expires at the store's deadline
// (SOA expire since the last confirmed refresh, or its apex RRSIGs, whichever
// is first: src/refresh/expiry.ts), never later than the SOA EXPIRE field.

import { RRType } from '../dns/types.js';
import type { StoreDeadline } from '../zone/store.js';
import type { Zone } from '../zone/zone.js';

/** RFC 7314 §2: option code 9; in a response, 4 octets of seconds. */
export const EXPIRE_OPTION = 9;
/** Octets the option adds to an OPT record: code, length, 4 octets of seconds. */
export const EXPIRE_OPTION_LENGTH = 8;

/**
 * Whole seconds until the served copy expires (never negative), at most the
 * SOA EXPIRE field: with no deadline, or one further off (a zone file whose
 * RRSIGs run for years), we answer as the zone's primary would (RFC 7314 §4).
 */
export function expireSeconds(zone: Zone, deadline: StoreDeadline | undefined, nowMs: number): number {
  const soa = soaExpire(zone);
  if (deadline === undefined) return soa;
  return Math.min(soa, Math.max(0, Math.floor((deadline.at - nowMs) / 1000)));
}

/** SOA RDATA ends with REFRESH RETRY EXPIRE MINIMUM (RFC 1035 §3.3.13). */
function soaExpire(zone: Zone): number {
  const r = zone.soa.rdata;
  const o = r.length - 8;
  return ((r[o]! << 24) | (r[o + 1]! << 16) | (r[o + 2]! << 8) | r[o + 3]!) >>> 0;
}

function expireOption(seconds: number): Uint8Array {
  return Uint8Array.of(0, EXPIRE_OPTION, 0, 4, seconds >>> 24, (seconds >>> 16) & 0xff, (seconds >>> 8) & 0xff, seconds & 0xff);
}

/** An OPT record (RFC 6891 §6.1.2) for a transfer message: our payload size, DO echoed, EXPIRE when given. */
export function optRecord(payload: number, dnssecOk: boolean, expire: number | undefined): Uint8Array {
  const options = expire === undefined ? new Uint8Array(0) : expireOption(expire);
  const out = new Uint8Array(11 + options.length);
  out[2] = RRType.OPT;
  out[3] = payload >>> 8;
  out[4] = payload & 0xff;
  out[7] = dnssecOk ? 0x80 : 0;
  out[9] = options.length >>> 8;
  out[10] = options.length & 0xff;
  out.set(options, 11);
  return out;
}

/** `response`, whose last record is an option-less OPT, with the EXPIRE option added to it. */
export function withExpireOption(response: Uint8Array, seconds: number): Uint8Array {
  const out = new Uint8Array(response.length + EXPIRE_OPTION_LENGTH);
  out.set(response);
  // The OPT's RDLENGTH is the last two octets of an empty OPT.
  out[response.length - 1] = EXPIRE_OPTION_LENGTH;
  out.set(expireOption(seconds), response.length);
  return out;
}
