// tinydns-data export (djbdns 1.05 "data" format, https://cr.yp.to/djbdns/tinydns-data.html):
// the classic root-mirror recipe's "bind-to-tinydns" step done right.
//   SOA → Z, NS → & (a delegation when the owner has no SOA), A → +, CNAME → C,
//   everything else (AAAA included: Debian's tinydns 1.05 has no AAAA line type)
//   → generic `:fqdn:type:rdata:ttl` with every octet that is not a letter or a digit
//   written as \ooo. Names are escaped the same way, so `:` and `\` never reach
//   the field syntax. tinydns has no DNSSEC: only a stripped zone can be exported.
// Consequence to know: tinydns adds only A glue to referrals (no AAAA glue).

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { DNSSEC_TYPES, RRType } from '../dns/types.js';
import { rdataName, type Zone } from './zone.js';
import { OperatorError } from '../errors.js';
import { readUint32 } from '../bytes.js';

export class TinydnsExportError extends OperatorError {
  override readonly name = 'TinydnsExportError';
}

/** Generic RDATA: every octet as \ooo, so no digit after an escape can be misread. */
function escAll(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += '\\' + b.toString(8).padStart(3, '0');
  return s;
}

/** Octal escape for everything in a name that is not [A-Za-z0-9-_]. */
function esc(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f) {
      s += String.fromCharCode(b);
    } else {
      s += '\\' + b.toString(8).padStart(3, '0');
    }
  }
  return s;
}

/** tinydns-data spelling of a name: labels joined by dots, no trailing dot, the root as ".". */
export function tinydnsName(name: Name): string {
  if (name.isRoot()) return '.';
  return name
    .labels()
    .map((l) => esc(l))
    .join('.');
}

export function tinydnsLine(rr: ResourceRecord): string {
  const owner = tinydnsName(rr.name);
  switch (rr.type) {
    case RRType.SOA: {
      const m = rdataName(rr.rdata, 0);
      const r = rdataName(rr.rdata, m.next);
      const o = r.next;
      const [ser, ref, ret, exp, min] = [0, 4, 8, 12, 16].map((k) => readUint32(rr.rdata, o + k));
      return `Z${owner}:${tinydnsName(m.name)}:${tinydnsName(r.name)}:${ser}:${ref}:${ret}:${exp}:${min}:${rr.ttl}`;
    }
    case RRType.NS:
      return `&${owner}::${tinydnsName(rdataName(rr.rdata, 0).name)}:${rr.ttl}`;
    case RRType.A:
      return `+${owner}:${Array.from(rr.rdata).join('.')}:${rr.ttl}`;
    case RRType.CNAME:
      return `C${owner}:${tinydnsName(rdataName(rr.rdata, 0).name)}:${rr.ttl}`;
    default:
      return `:${owner}:${rr.type}:${escAll(rr.rdata)}:${rr.ttl}`;
  }
}

/** The zone as a tinydns-data `data` file. Refuses DNSSEC records: tinydns cannot serve them correctly. */
export function* exportTinydns(zone: Zone): Generator<string> {
  if (zone.records.some((rr) => DNSSEC_TYPES.has(rr.type))) {
    throw new TinydnsExportError('tinydns cannot serve DNSSEC records; export with --dnssec strip');
  }
  yield `# ${zone.origin.toString()} serial ${zone.serial}, exported by rootmirror for tinydns-data\n`;
  yield tinydnsLine(zone.soa) + '\n';
  for (const rr of zone.records) {
    if (rr.type === RRType.SOA) continue;
    yield tinydnsLine(rr) + '\n';
  }
}
