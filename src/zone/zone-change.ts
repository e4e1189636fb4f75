// What changed from the zone a new one replaces: the IXFR difference
// (diff.ts) and the operator's change report (change-report.ts). Both walk
// every record of both zones, so they are computed where the new zone is
// built — the refresh worker, which is handed the served zone's image — and
// travel with the new zone to whoever reacts to the swap (the IXFR journal,
// the monitoring). A zone that came without one (a zone file, a test)
// has its change computed by the reader, as before.

import { changeReport, type ChangeReport } from './change-report.js';
import { zoneDiff, type ZoneDiff } from './diff.js';
import type { ResourceRecord } from '../dns/record.js';
import type { Name } from '../dns/name.js';
import type { Zone } from './zone.js';

export interface ZoneChange {
  /** The serial of the zone this one replaces; the change means nothing after another swap. */
  readonly fromSerial: number;
  readonly diff: ZoneDiff;
  readonly report: ChangeReport;
}

const changes = new WeakMap<Zone, ZoneChange>();

/** What changed from `from` (its records and serial) to the zone `to`. */
export function computeChange(from: { readonly origin: Name; readonly serial: number; readonly records: readonly ResourceRecord[] }, to: Zone): ZoneChange {
  const records = to.records;
  return { fromSerial: from.serial, diff: zoneDiff(from.records, records), report: changeReport(from, { origin: to.origin, serial: to.serial, records }) };
}

export function attachChange(zone: Zone, change: ZoneChange): void {
  changes.set(zone, change);
}

/** The change from `previous` to `next`: the one computed aside if it is from that serial, else computed now. */
export function changeBetween(previous: Zone, next: Zone): ZoneChange {
  const known = changes.get(next);
  if (known !== undefined && known.fromSerial === previous.serial) return known;
  const c = computeChange(previous, next);
  changes.set(next, c);
  return c;
}
