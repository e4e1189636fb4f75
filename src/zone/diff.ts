// The difference between two versions of a zone, as IXFR carries it (RFC 1995
// §4): the records to delete from the old version and the records to add to
// get the new one. Pure (records in, records out) so it can run wherever the
// zone is built: at swap time in the server today, in the refresh worker later.
//
// Records are compared in canonical wire form (RFC 4034 §6.2: owner and
// embedded names lower-cased) including the TTL, so a TTL change is a delete
// plus an add, as BIND and NSD journal it. The apex SOA is left out: IXFR
// frames each difference with the old and the new SOA itself.

import { canonicalRecordWire } from '../dns/canonical.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';

export interface ZoneDiff {
  /** In the old version, not in the new one; in the order given (canonical for a Zone's records). */
  readonly deleted: readonly ResourceRecord[];
  /** In the new version, not in the old one; in the order given. */
  readonly added: readonly ResourceRecord[];
}

/** One string per record, equal exactly when the canonical records (TTL included) are. */
function recordKey(rr: ResourceRecord): string {
  return Buffer.from(canonicalRecordWire(rr.name, rr.type, rr.class, rr.ttl, rr.rdata)).toString('latin1');
}

const isSoa = (rr: ResourceRecord): boolean => rr.type === RRType.SOA;

/** deleted = old − new, added = new − old, SOA records excluded. */
export function zoneDiff(oldRecords: readonly ResourceRecord[], newRecords: readonly ResourceRecord[]): ZoneDiff {
  const oldKeys = new Set<string>();
  for (const rr of oldRecords) if (!isSoa(rr)) oldKeys.add(recordKey(rr));
  const newKeys = new Set<string>();
  const added: ResourceRecord[] = [];
  for (const rr of newRecords) {
    if (isSoa(rr)) continue;
    const k = recordKey(rr);
    newKeys.add(k);
    if (!oldKeys.has(k)) added.push(rr);
  }
  const deleted: ResourceRecord[] = [];
  for (const rr of oldRecords) if (!isSoa(rr) && !newKeys.has(recordKey(rr))) deleted.push(rr);
  return { deleted, added };
}
