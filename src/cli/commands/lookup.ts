// `rootmirror lookup FILE QNAME [QTYPE]`: answer one question from a zone file,
// printed like dig, without any network: what the server would say.

import { Name } from '../../dns/name.js';
import { rdataToText } from '../../dns/rdata.js';
import type { ResourceRecord } from '../../dns/record.js';
import { RRType, classToString, rcodeToString, typeFromString, typeToString } from '../../dns/types.js';
import { loadZoneFile } from '../../zone/build.js';
import { lookup } from '../../zone/lookup.js';
import type { LookupResult } from '../../zone/result.js';
import type { DnssecMode } from '../../zone/zone.js';
import { UsageError, bool, defaultedStr, type Command } from '../options.js';
import { dnssecOption } from '../shared-options.js';

/** One record in master-file form, tab-separated as dig prints it. */
export function recordToText(rr: ResourceRecord): string {
  return `${rr.name.toString()}\t${rr.ttl}\t${classToString(rr.class)}\t${typeToString(rr.type)}\t${rdataToText(rr.type, rr.rdata)}`;
}

/** dig-style rendering of a lookup result (id 0: there is no message). */
export function formatDig(qname: Name, qtype: number, r: LookupResult, dnssecOk: boolean): string {
  const flags = ['qr', ...(r.aa ? ['aa'] : [])].join(' ');
  const status = rcodeToString(r.rcode);
  const out = [
    `;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 0`,
    `;; flags: ${flags}; QUERY: 1, ANSWER: ${r.answer.length}, AUTHORITY: ${r.authority.length}, ADDITIONAL: ${r.additional.length}`,
    '',
  ];
  if (dnssecOk) out.push(';; OPT PSEUDOSECTION:', '; EDNS: version: 0, flags: do; udp: 1232', '');
  out.push(';; QUESTION SECTION:', `;${qname.toString()}\t\tIN\t${typeToString(qtype)}`, '');
  for (const [title, rrs] of [
    ['ANSWER', r.answer],
    ['AUTHORITY', r.authority],
    ['ADDITIONAL', r.additional],
  ] as const) {
    if (rrs.length === 0) continue;
    out.push(`;; ${title} SECTION:`, ...rrs.map(recordToText), '');
  }
  return out.join('\n');
}

export const command: Command = {
  name: 'lookup',
  summary: 'answer one question from a zone file, printed like dig (no network)',
  usage: 'FILE QNAME [QTYPE]',
  options: [
    dnssecOption({ help: 'drop DNSSEC records before building (strip) or serve them following DO (keep)' }),
    { name: 'do', type: 'boolean', help: 'set the DNSSEC OK bit in the question', env: false },
  ],
  async run(args) {
    const [file, qnameText, qtypeText = 'A', ...extra] = args.positionals;
    if (file === undefined || qnameText === undefined || extra.length > 0) throw new UsageError('expected FILE QNAME [QTYPE]');
    const qtype = typeFromString(qtypeText);
    if (qtype === undefined || qtype === RRType.OPT || qtype === RRType.AXFR || qtype === RRType.IXFR) {
      throw new UsageError(`"${qtypeText}" is not a query type (use a mnemonic like A, NS, DS or TYPEnnn)`);
    }
    // As in dig, a QNAME without the trailing dot is taken as absolute.
    const qname = Name.fromText(qnameText, Name.root);
    const zone = await loadZoneFile(file, { dnssec: defaultedStr(args, 'dnssec') as DnssecMode, onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
    const dnssecOk = bool(args, 'do');
    process.stdout.write(formatDig(qname, qtype, lookup(zone, qname, qtype, { dnssecOk }), dnssecOk));
    return 0;
  },
};
