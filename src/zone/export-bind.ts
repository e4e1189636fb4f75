// BIND master-file export: one record per line, absolute names, SOA first,
// then every other record in canonical order. Checked with `named-checkzone`
// and `ldns-read-zone` in the tests.

import { rdataToText } from '../dns/rdata.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType, classToString, typeToString } from '../dns/types.js';
import type { Zone } from './zone.js';

export function bindLine(rr: ResourceRecord): string {
  return `${rr.name.toString()}\t${rr.ttl}\t${classToString(rr.class)}\t${typeToString(rr.type)}\t${rdataToText(rr.type, rr.rdata)}`;
}

/** The zone as a master file (RFC 1035 §5) that BIND, NSD, Knot and ldns load. */
export function* exportBind(zone: Zone): Generator<string> {
  yield `; ${zone.origin.toString()} serial ${zone.serial}, exported by rootmirror (dnssec: ${zone.dnssec})\n`;
  yield bindLine(zone.soa) + '\n';
  for (const rr of zone.records) {
    if (rr.type === RRType.SOA && rr.name.key === zone.origin.key) continue;
    yield bindLine(rr) + '\n';
  }
}
