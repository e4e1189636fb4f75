// When a signed copy stops being verifiable: the earliest expiration of the
// RRSIGs over its apex SOA and ZONEMD (RFC 4034 §3.1.5, serial arithmetic for
// the 32-bit times). The refresher's expiry policy and `serve --zone-file`
// readiness both start from it.

import type { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { rrsigTimeToMs } from '../dns/serial.js';
import { RRType } from '../dns/types.js';

/**
 * Earliest expiration (ms) of the RRSIGs at the apex covering SOA or ZONEMD,
 * or undefined when there are none (an unsigned zone; DNSSEC then decides).
 */
export function apexSignatureExpiry(records: Iterable<ResourceRecord>, origin: Name, nowMs: number): number | undefined {
  let earliest: number | undefined;
  for (const r of records) {
    if (r.type !== RRType.RRSIG || r.name.key !== origin.key || r.rdata.length < 18) continue;
    const v = new DataView(r.rdata.buffer, r.rdata.byteOffset, r.rdata.length);
    const covered = v.getUint16(0);
    if (covered !== RRType.SOA && covered !== RRType.ZONEMD) continue;
    const exp = rrsigTimeToMs(v.getUint32(8), nowMs);
    if (earliest === undefined || exp < earliest) earliest = exp;
  }
  return earliest;
}
