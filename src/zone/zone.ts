// CONTRACT STUB — being implemented (zone+lookup engineer). Immutable zone built once.
import type { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';

export type DnssecMode = 'strip' | 'keep';

export interface Zone {
  readonly origin: Name;
  readonly serial: number;
  readonly soa: ResourceRecord;
  readonly dnssec: DnssecMode;
}
