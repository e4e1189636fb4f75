// The difference between two versions of a zone, as IXFR carries it (RFC 1995
// §4): the records to delete from the old version and the records to add to
// get the new one. Pure (records in, records out) so it can run wherever the
// zone is built: at swap time in the server today, in the refresh worker later.
//
// Records are compared in canonical wire form (RFC 4034 §6.2: owner and
// embedded names lower-cased) including the TTL, so a TTL change is a delete
// plus an add, as BIND and NSD journal it. The apex SOA is left out: IXFR
// frames each difference with the old and the new SOA itself.

import { canonicalRdata } from '../dns/canonical.js';
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
  const rd = canonicalRdata(rr.type, rr.rdata);
  // Name.key is the lower-cased presentation form (RFC 4034 §6.2 for the owner); the class is always IN here.
  return `${rr.name.key} ${rr.type} ${rr.ttl} ${Buffer.from(rd.buffer, rd.byteOffset, rd.byteLength).toString('latin1')}`;
}

const isSoa = (rr: ResourceRecord): boolean => rr.type === RRType.SOA;

/** deleted = old − new, added = new − old, SOA records excluded. */
export function zoneDiff(oldRecords: readonly ResourceRecord[], newRecords: readonly ResourceRecord[]): ZoneDiff {
  const oldKeys = oldRecords.map((rr) => (isSoa(rr) ? '' : recordKey(rr)));
  const oldSet = new Set(oldKeys);
  const newSet = new Set<string>();
  const added: ResourceRecord[] = [];
  for (const rr of newRecords) {
    if (isSoa(rr)) continue;
    const k = recordKey(rr);
    newSet.add(k);
    if (!oldSet.has(k)) added.push(rr);
  }
  const deleted = oldRecords.filter((rr, i) => oldKeys[i] !== '' && !newSet.has(oldKeys[i]!));
  return { deleted, added };
}
