// `rootmirror inspect FILE [--json]`: what is in a zone file, at a glance.

import { RRType, typeToString } from '../../dns/types.js';
import { loadZoneFile } from '../../zone/build.js';
import type { Zone } from '../../zone/zone.js';
import { UsageError, bool, type Command } from '../options.js';
import { jsonOption } from '../shared-options.js';

export interface ZoneSummary {
  readonly origin: string;
  readonly serial: number;
  /** All records served in `keep` mode (duplicates removed). */
  readonly records: number;
  /** Type mnemonic → number of records. */
  readonly counts: Readonly<Record<string, number>>;
  /** Delegations below the apex (for the root zone: the TLDs); signed = has a DS RRset. */
  readonly tlds: { readonly total: number; readonly signed: number; readonly unsigned: number };
  readonly dnssec: boolean;
  readonly zonemd: boolean;
}

export function summarize(zone: Zone): ZoneSummary {
  const counts: Record<string, number> = {};
  for (const [type, n] of [...zone.counts].sort((a, b) => a[0] - b[0])) counts[typeToString(type)] = n;
  const signed = zone.delegations.filter((d) => d.rrsets.has(RRType.DS)).length;
  const dnssecTypes = [RRType.RRSIG, RRType.DNSKEY, RRType.NSEC, RRType.NSEC3, RRType.DS];
  return {
    origin: zone.origin.toString(),
    serial: zone.serial,
    records: zone.records.length,
    counts,
    tlds: { total: zone.delegations.length, signed, unsigned: zone.delegations.length - signed },
    dnssec: dnssecTypes.some((t) => (zone.counts.get(t) ?? 0) > 0),
    zonemd: zone.apex.rrsets.has(RRType.ZONEMD),
  };
}

export const command: Command = {
  name: 'inspect',
  summary: 'summarize a zone file: serial, record counts by type, TLDs signed/unsigned, DNSSEC and ZONEMD presence',
  usage: 'FILE',
  options: [jsonOption()],
  async run(args) {
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    const file = args.positionals[0]!;
    const zone = await loadZoneFile(file, { dnssec: 'keep', onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
    const s = summarize(zone);
    if (bool(args, 'json')) {
      process.stdout.write(JSON.stringify({ file, ...s }, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `file:     ${file}`,
      `origin:   ${s.origin}`,
      `serial:   ${s.serial}`,
      `records:  ${s.records}`,
      `tlds:     ${s.tlds.total} (${s.tlds.signed} signed, ${s.tlds.unsigned} unsigned)`,
      `dnssec:   ${s.dnssec ? 'yes' : 'no'}`,
      `zonemd:   ${s.zonemd ? 'yes' : 'no'}`,
      'counts:',
      ...Object.entries(s.counts).map(([t, n]) => `  ${t.padEnd(10)}${String(n).padStart(7)}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
