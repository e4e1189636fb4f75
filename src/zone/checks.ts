// Checks a zone must pass before it may be served (NSD's and named-checkzone's
// load-time checks, narrowed to what a root mirror needs). They run over the
// whole record list once; each problem names the record and, when the parser
// kept it, the file:line it came from.

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRClass, RRType, classToString, typeToString } from '../dns/types.js';
import { OperatorError } from '../errors.js';

export type ZoneProblemCode =
  | 'no-soa'
  | 'multiple-soa'
  | 'soa-not-at-apex'
  | 'no-apex-ns'
  | 'out-of-zone'
  | 'class-not-in'
  | 'cname-and-other-data'
  | 'multiple-cname'
  | 'missing-glue';

export interface ZoneProblem {
  readonly code: ZoneProblemCode;
  /** Self-contained: where, which record, what is wrong. */
  readonly message: string;
  readonly record?: ResourceRecord;
}

const SHOWN = 10;

export class ZoneCheckError extends OperatorError {
  override readonly name = 'ZoneCheckError';
  constructor(
    readonly origin: Name,
    readonly problems: readonly ZoneProblem[],
  ) {
    const more = problems.length > SHOWN ? `\n  … and ${problems.length - SHOWN} more` : '';
    super(
      `zone ${origin.toString()} refused: ${problems.length} problem${problems.length === 1 ? '' : 's'}; fix the zone file or use another copy:\n  ` +
        problems
          .slice(0, SHOWN)
          .map((p) => p.message)
          .join('\n  ') +
        more,
    );
  }
}

/** Throw a ZoneCheckError listing every problem, or return if the zone may be served. */
export function checkZone(records: Iterable<ResourceRecord>, origin: Name): void {
  const problems = findZoneProblems(records, origin);
  if (problems.length > 0) throw new ZoneCheckError(origin, problems);
}

interface Node {
  firstCname: ResourceRecord | undefined;
  cnames: number;
  /** First record that may not share a name with a CNAME. */
  other: ResourceRecord | undefined;
  address: boolean;
  ns: boolean;
}

/** RFC 4035 §2.5: with DNSSEC a CNAME owner also holds its RRSIGs and NSEC. */
const CNAME_COMPANIONS: ReadonlySet<number> = new Set([RRType.CNAME, RRType.RRSIG, RRType.NSEC]);

/** Every problem, in file order within each check. */
export function findZoneProblems(records: Iterable<ResourceRecord>, origin: Name): ZoneProblem[] {
  const problems: ZoneProblem[] = [];
  const nodes = new Map<string, Node>();
  const soas: ResourceRecord[] = [];
  const nsRecords: ResourceRecord[] = [];
  const apex = origin.key;

  for (const rr of records) {
    if (rr.class !== RRClass.IN) {
      problems.push({ code: 'class-not-in', record: rr, message: `${where(rr)}class ${classToString(rr.class)} is not served; only class IN belongs in a root zone mirror` });
    }
    if (!rr.name.isSubdomainOf(origin)) {
      problems.push({ code: 'out-of-zone', record: rr, message: `${where(rr)}${rr.name.toString()} is not at or under the origin ${origin.toString()}` });
    }
    const key = rr.name.key;
    let node = nodes.get(key);
    if (node === undefined) {
      node = { firstCname: undefined, cnames: 0, other: undefined, address: false, ns: false };
      nodes.set(key, node);
    }
    switch (rr.type) {
      case RRType.SOA:
        soas.push(rr);
        break;
      case RRType.NS:
        node.ns = true;
        nsRecords.push(rr);
        break;
      case RRType.A:
      case RRType.AAAA:
        node.address = true;
        break;
      case RRType.CNAME:
        if (node.cnames++ === 0) node.firstCname = rr;
        break;
    }
    if (node.other === undefined && !CNAME_COMPANIONS.has(rr.type)) node.other = rr;
  }

  // RFC 1035 §5.2: exactly one SOA, at the top of the zone.
  if (soas.length === 0) {
    problems.push({ code: 'no-soa', message: `no SOA record; a zone needs exactly one, at ${origin.toString()}` });
  }
  for (const [k, soa] of soas.entries()) {
    if (soa.name.key !== apex) {
      problems.push({ code: 'soa-not-at-apex', record: soa, message: `${where(soa)}SOA at ${soa.name.toString()} is not at the apex ${origin.toString()}` });
    }
    if (k > 0) {
      problems.push({ code: 'multiple-soa', record: soa, message: `${where(soa)}a second SOA; the first is ${whereOr(soas[0]!, 'earlier')}` });
    }
  }

  if (nodes.get(apex)?.ns !== true) {
    problems.push({ code: 'no-apex-ns', message: `no NS records at the apex ${origin.toString()}` });
  }

  // RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME owner holds nothing else (except DNSSEC companions) and only one CNAME.
  for (const node of nodes.values()) {
    const c = node.firstCname;
    if (c === undefined) continue;
    if (node.other !== undefined) {
      problems.push({
        code: 'cname-and-other-data',
        record: c,
        message: `${where(c)}CNAME at ${c.name.toString()} beside other data (${typeToString(node.other.type)} ${whereOr(node.other, 'record')}); a CNAME owner may only have RRSIG and NSEC besides it`,
      });
    }
    if (node.cnames > 1) {
      problems.push({ code: 'multiple-cname', record: c, message: `${where(c)}${node.cnames} CNAME records at ${c.name.toString()}; at most one is allowed` });
    }
  }

  // Glue: a name server whose name is inside this zone can only be found through
  // address records in this zone, so they must be here (RFC 1034 §4.2.1, RFC 9471).
  const checked = new Map<string, boolean>();
  for (const ns of nsRecords) {
    let target: Name;
    try {
      const r = Name.fromWire(ns.rdata, 0);
      if (r.next !== ns.rdata.length) continue;
      target = r.name;
    } catch {
      continue; // malformed RDATA is the codec's business, not ours
    }
    if (!target.isSubdomainOf(origin)) continue;
    // RFC 9471 §2.2: glue for a name server under *another* delegation (sibling
    // glue, e.g. example. NS a.iana-servers.net. in the root) is optional; the
    // resolver finds it through that delegation. NSD accepts such zones too.
    const tk = target.key;
    let ok = checked.get(tk);
    if (ok === undefined) {
      ok = nodes.get(tk)?.address === true;
      checked.set(tk, ok);
    }
    if (!ok) {
      const cut = enclosingCut(target, origin, nodes);
      if (cut !== undefined && cut !== ns.name.key) continue;
      problems.push({
        code: 'missing-glue',
        record: ns,
        message: `${where(ns)}NS ${target.toString()} for ${ns.name.toString()} is inside the zone but has no A or AAAA record (missing glue)`,
      });
    }
  }
  return problems;
}

/** Key of the closest delegation point (NS owner below the origin) at or above `name`, if any. */
function enclosingCut(name: Name, origin: Name, nodes: ReadonlyMap<string, Node>): string | undefined {
  for (let n = name; n.labelCount > origin.labelCount; n = n.parent()) {
    if (nodes.get(n.key)?.ns === true) return n.key;
  }
  return undefined;
}

function location(rr: ResourceRecord): string | undefined {
  const r = rr as ResourceRecord & { file?: unknown; line?: unknown };
  return typeof r.file === 'string' && typeof r.line === 'number' ? `${r.file}:${r.line}` : undefined;
}

function where(rr: ResourceRecord): string {
  const loc = location(rr);
  const what = `${rr.name.toString()} ${typeToString(rr.type)}`;
  return loc !== undefined ? `${loc}: ${what}: ` : `${what}: `;
}

function whereOr(rr: ResourceRecord, fallback: string): string {
  const loc = location(rr);
  return loc !== undefined ? `at ${loc}` : fallback;
}
