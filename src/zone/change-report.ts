// What changed between two served zones (the old one and the serial just
// swapped in): TLDs added and removed, delegations whose NS set or glue
// changed, DS changes (TLD key rollovers), and any change to the root's own
// DNSKEY set — a root KSK/ZSK rollover, which an operator must hear about
// loudly (logged at error level for the KSK, warn for a ZSK).

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import type { Logger } from '../log.js';

/** What the report reads from a zone; `Zone` (src/zone/zone.ts) satisfies it. */
export interface ZoneContent {
  readonly origin?: Name;
  readonly serial: number;
  readonly records: Iterable<ResourceRecord>;
}

export interface SetDiff {
  added: string[];
  removed: string[];
}

export interface DelegationChange {
  name: string;
  ns: SetDiff;
  /** Glue as `host address`. */
  glue: SetDiff;
}

export interface ChangeReport {
  fromSerial: number;
  toSerial: number;
  tldsAdded: string[];
  tldsRemoved: string[];
  delegationsChanged: DelegationChange[];
  /** DS as `key-tag algorithm digest-type DIGEST`. */
  dsChanged: (SetDiff & { name: string })[];
  /** Apex DNSKEY as `flags=257 alg=8 tag=20326`; undefined when unchanged. */
  dnskeyChanged: SetDiff | undefined;
  /** One line for logs and /status. */
  summary: string;
}

interface Indexed {
  apex: string;
  ns: Map<string, Set<string>>; // delegation -> targets
  addr: Map<string, Set<string>>; // host -> addresses
  ds: Map<string, Set<string>>;
  dnskey: Set<string>;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

function ipv6(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // RFC 5952: compress the longest run (>1) of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** RFC 4034 Appendix B key tag (algorithm 1 excepted, which is long gone). */
export function keyTag(rdata: Uint8Array): number {
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

function wireName(rdata: Uint8Array): string {
  let o = 0;
  while (o < rdata.length && rdata[o]! !== 0) o += rdata[o]! + 1;
  return Name.fromUncompressedWire(rdata.subarray(0, o + 1)).key;
}

function add(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (s === undefined) m.set(k, (s = new Set()));
  s.add(v);
}

function index(z: ZoneContent): Indexed {
  const apex = z.origin?.key ?? '.';
  const ix: Indexed = { apex, ns: new Map(), addr: new Map(), ds: new Map(), dnskey: new Set() };
  for (const r of z.records) {
    const owner = r.name.key;
    switch (r.type) {
      case RRType.NS:
        if (owner !== apex) add(ix.ns, owner, wireName(r.rdata));
        break;
      case RRType.A:
        if (r.rdata.length === 4) add(ix.addr, owner, r.rdata.join('.'));
        break;
      case RRType.AAAA:
        if (r.rdata.length === 16) add(ix.addr, owner, ipv6(r.rdata));
        break;
      case RRType.DS:
        if (r.rdata.length > 4) {
          const v = new DataView(r.rdata.buffer, r.rdata.byteOffset, r.rdata.byteLength);
          add(ix.ds, owner, `${v.getUint16(0)} ${r.rdata[2]} ${r.rdata[3]} ${hex(r.rdata.subarray(4))}`);
        }
        break;
      case RRType.DNSKEY:
        if (owner === apex && r.rdata.length > 4) {
          const flags = (r.rdata[0]! << 8) | r.rdata[1]!;
          ix.dnskey.add(`flags=${flags} alg=${r.rdata[3]} tag=${keyTag(r.rdata)}`);
        }
        break;
    }
  }
  return ix;
}

function diff(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): SetDiff {
  const A = a ?? new Set<string>();
  const B = b ?? new Set<string>();
  return { added: [...B].filter((x) => !A.has(x)).sort(), removed: [...A].filter((x) => !B.has(x)).sort() };
}

const empty = (d: SetDiff) => d.added.length === 0 && d.removed.length === 0;

/** Glue of one delegation: addresses of its NS targets that lie inside the zone. */
function glueOf(ix: Indexed, deleg: string): Set<string> {
  const out = new Set<string>();
  for (const host of ix.ns.get(deleg) ?? []) for (const a of ix.addr.get(host) ?? []) out.add(`${host} ${a}`);
  return out;
}

export function changeReport(from: ZoneContent, to: ZoneContent): ChangeReport {
  const a = index(from);
  const b = index(to);
  const tlds = diff(new Set(a.ns.keys()), new Set(b.ns.keys()));
  const delegationsChanged: DelegationChange[] = [];
  for (const name of [...b.ns.keys()].sort()) {
    if (!a.ns.has(name)) continue;
    const ns = diff(a.ns.get(name), b.ns.get(name));
    const glue = diff(glueOf(a, name), glueOf(b, name));
    if (!empty(ns) || !empty(glue)) delegationsChanged.push({ name, ns, glue });
  }
  const dsChanged: ChangeReport['dsChanged'] = [];
  for (const name of [...new Set([...a.ds.keys(), ...b.ds.keys()])].sort()) {
    // DS of an added or removed TLD is part of that news, not a rollover.
    if (!a.ns.has(name) || !b.ns.has(name)) continue;
    const d = diff(a.ds.get(name), b.ds.get(name));
    if (!empty(d)) dsChanged.push({ name, ...d });
  }
  const dk = diff(a.dnskey, b.dnskey);
  const dnskeyChanged = empty(dk) ? undefined : dk;

  const parts: string[] = [];
  if (tlds.added.length) parts.push(`${tlds.added.length} TLD(s) added (${tlds.added.join(' ')})`);
  if (tlds.removed.length) parts.push(`${tlds.removed.length} TLD(s) removed (${tlds.removed.join(' ')})`);
  if (delegationsChanged.length) parts.push(`${delegationsChanged.length} delegation(s) changed NS/glue`);
  if (dsChanged.length) parts.push(`${dsChanged.length} DS change(s)`);
  if (dnskeyChanged) parts.push(`ROOT DNSKEY SET CHANGED (${[...dk.added.map((k) => `+${k}`), ...dk.removed.map((k) => `-${k}`)].join(', ')})`);
  const summary = `${from.serial} -> ${to.serial}: ${parts.length ? parts.join('; ') : 'no delegation, DS or DNSKEY changes'}`;
  return { fromSerial: from.serial, toSerial: to.serial, tldsAdded: tlds.added, tldsRemoved: tlds.removed, delegationsChanged, dsChanged, dnskeyChanged, summary };
}

/** Log a report: one info line, detail lines, and the DNSKEY change at error (KSK) or warn (ZSK) level. */
export function logChangeReport(log: Logger, r: ChangeReport): void {
  log.info(`zone changed: ${r.summary}`, { from: r.fromSerial, to: r.toSerial });
  for (const d of r.delegationsChanged) log.info(`delegation ${d.name} changed`, { ns: d.ns, glue: d.glue });
  for (const d of r.dsChanged) log.info(`DS of ${d.name} changed`, { added: d.added, removed: d.removed });
  if (r.dnskeyChanged) {
    const ksk = [...r.dnskeyChanged.added, ...r.dnskeyChanged.removed].some((k) => k.startsWith('flags=257 '));
    const msg = `ROOT DNSKEY SET CHANGED in ${r.toSerial}${ksk ? ' (KSK: check your trust anchor, RFC 5011)' : ''}`;
    (ksk ? log.error : log.warn)(msg, { added: r.dnskeyChanged.added, removed: r.dnskeyChanged.removed });
  }
}
