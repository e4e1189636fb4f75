// buildZone(): records in, immutable Zone out. Refuses a zone that fails the
// load checks (checks.ts), drops DNSSEC material in `strip` mode, then lays the
// data out for answering: nodes with RRsets and their RRSIGs, empty
// non-terminals, zone cuts and what they occlude, the NSEC chain in canonical
// order, and each delegation's referral computed once.

import { canonicalSortKey, Name } from '../dns/name.js';
import { canonicalRdata } from '../dns/canonical.js';
import type { ResourceRecord } from '../dns/record.js';
import { DNSSEC_TYPES, RRType, Rcode } from '../dns/types.js';
import { checkZone } from './checks.js';
import { parseZoneFile } from './parser.js';
import { result } from './result.js';
import { rdataName, type DnssecMode, type RRsetData, type Zone, type ZoneNode } from './zone.js';
import { compareBytes } from '../bytes.js';
import { decodeSoa } from '../dns/rdata/soa.js';

export interface BuildOptions {
  readonly dnssec: DnssecMode;
  /** The zone's apex; default: the owner of the SOA record. */
  readonly origin?: Name;
}

interface Draft {
  readonly name: Name;
  readonly sortKey: string;
  readonly byType: Map<number, ResourceRecord[]>;
  readonly sigs: ResourceRecord[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function buildZone(input: Iterable<ResourceRecord>, opts: BuildOptions): Zone {
  const strip = opts.dnssec === 'strip';
  const list: ResourceRecord[] = [];
  let firstSoa: ResourceRecord | undefined;
  for (const rr of input) {
    if (strip && DNSSEC_TYPES.has(rr.type)) continue;
    if (rr.type === RRType.SOA && firstSoa === undefined) firstSoa = rr;
    list.push(rr);
  }
  const origin = opts.origin ?? firstSoa?.name;
  // checkZone reports a missing SOA itself; any origin will do for that message.
  checkZone(list, origin ?? Name.root);
  if (origin === undefined || firstSoa === undefined) throw new Error('unreachable: checkZone accepted a zone without SOA');

  // Group by owner, RRSIGs apart (RFC 4035 §2.2: they are not an RRset of their own for answering).
  const drafts = new Map<string, Draft>();
  for (const rr of list) {
    let d = drafts.get(rr.name.key);
    if (d === undefined) {
      d = { name: rr.name, sortKey: canonicalSortKey(rr.name), byType: new Map(), sigs: [] };
      drafts.set(rr.name.key, d);
    }
    if (rr.type === RRType.RRSIG) {
      d.sigs.push(rr);
    } else {
      const set = d.byType.get(rr.type);
      if (set === undefined) d.byType.set(rr.type, [rr]);
      else set.push(rr);
    }
  }

  // Empty non-terminals between each owner and the apex (RFC 8020: they exist, NODATA).
  for (const d of [...drafts.values()]) {
    let n = d.name;
    while (n.key !== origin.key && !n.isRoot()) {
      n = n.parent();
      if (drafts.has(n.key)) break;
      drafts.set(n.key, { name: n, sortKey: canonicalSortKey(n), byType: new Map(), sigs: [] });
    }
  }

  const sorted = [...drafts.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));

  const nodes = new Map<string, ZoneNode>();
  const records: ResourceRecord[] = [];
  const counts = new Map<number, number>();
  const nsecNodes: ZoneNode[] = [];
  const delegations: ZoneNode[] = [];
  let cutPrefix: string | undefined;
  let apex: ZoneNode | undefined;

  for (const d of sorted) {
    const isApex = d.name.key === origin.key;
    const occluded = cutPrefix !== undefined && d.sortKey.startsWith(cutPrefix);
    if (!occluded) cutPrefix = undefined;
    const delegation = !isApex && !occluded && d.byType.has(RRType.NS);
    if (delegation) cutPrefix = d.sortKey + '\u0000';

    const sigsByType = new Map<number, ResourceRecord[]>();
    const rrsigs = canonicalSet(d.sigs, RRType.RRSIG, false);
    for (const sig of rrsigs) {
      const covered = sig.rdata.length >= 2 ? (sig.rdata[0]! << 8) | sig.rdata[1]! : -1;
      const g = sigsByType.get(covered);
      if (g === undefined) sigsByType.set(covered, [sig]);
      else g.push(sig);
    }

    const rrsets = new Map<number, RRsetData>();
    const types = [...d.byType.keys()];
    if (rrsigs.length > 0) types.push(RRType.RRSIG);
    types.sort((a, b) => a - b);
    for (const type of types) {
      if (type === RRType.RRSIG) {
        for (const r of rrsigs) records.push(r);
        counts.set(type, (counts.get(type) ?? 0) + rrsigs.length);
        continue;
      }
      const set = canonicalSet(d.byType.get(type)!, type, true);
      rrsets.set(type, { name: d.name, type, ttl: set[0]!.ttl, records: set, sigs: sigsByType.get(type) ?? [] });
      for (const r of set) records.push(r);
      counts.set(type, (counts.get(type) ?? 0) + set.length);
    }

    const node: ZoneNode = {
      name: d.name,
      sortKey: d.sortKey,
      rrsets,
      rrsigs,
      delegation,
      occluded,
      empty: d.byType.size === 0 && rrsigs.length === 0,
    };
    nodes.set(d.name.key, node);
    if (isApex) apex = node;
    if (delegation) delegations.push(node);
    if (rrsets.has(RRType.NSEC) && !occluded) nsecNodes.push(node);
  }
  if (apex === undefined) throw new Error('unreachable: checkZone accepted a zone without apex');

  const soa = apex.rrsets.get(RRType.SOA)!.records[0]!;
  // NS targets repeat a lot (13 gtld-servers for hundreds of TLDs): resolve each RDATA once.
  const targetCache = new Map<string, ZoneNode | undefined>();
  const target = (rdata: Uint8Array): ZoneNode | undefined => {
    const k = Buffer.from(rdata.buffer, rdata.byteOffset, rdata.byteLength).toString('latin1');
    if (targetCache.has(k)) return targetCache.get(k);
    const t = nodes.get(rdataName(rdata, 0).name.key);
    targetCache.set(k, t);
    return t;
  };
  const glueFor = (ns: RRsetData | undefined): ResourceRecord[] => glue(ns, nodes, target);

  // Referrals do not depend on the question below the cut: build them once.
  for (const node of delegations) {
    const ns = node.rrsets.get(RRType.NS)!;
    const additional = inDomainFirst(glueFor(ns), node.name);
    const plain = result('referral', Rcode.NOERROR, false, [], ns.records, additional);
    let dnssec = plain;
    if (!strip) {
      // RFC 4035 §3.1.4: DS and its RRSIG, or the NSEC (+RRSIG) proving there is none.
      const ds = node.rrsets.get(RRType.DS);
      const nsec = node.rrsets.get(RRType.NSEC);
      const proof = ds !== undefined ? [...ds.records, ...ds.sigs] : nsec !== undefined ? [...nsec.records, ...nsec.sigs] : [];
      dnssec = result('referral', Rcode.NOERROR, false, [], [...ns.records, ...proof], additional);
    }
    (node as Mutable<ZoneNode>).referral = { plain, dnssec };
  }

  return Object.freeze({
    origin: apex.name,
    serial: decodeSoa(soa.rdata).serial,
    soa,
    dnssec: opts.dnssec,
    apex,
    nodes,
    records,
    nsecNodes,
    nsecKeys: nsecNodes.map((n) => n.sortKey),
    delegations,
    counts,
    apexGlue: glueFor(apex.rrsets.get(RRType.NS)),
    nxdomainPlain: result('nxdomain', Rcode.NXDOMAIN, true, [], [soa], []),
  });
}

/**
 * Addresses for NS targets found anywhere in the zone: in-domain glue, sibling
 * glue under other delegations (the root's gtld-servers.net. for com.), and
 * authoritative addresses. NSD's order: every A first, then every AAAA.
 */
export function glue(
  ns: RRsetData | undefined,
  nodes: ReadonlyMap<string, ZoneNode>,
  target: (rdata: Uint8Array) => ZoneNode | undefined = (rdata) => nodes.get(rdataName(rdata, 0).name.key),
): ResourceRecord[] {
  if (ns === undefined) return [];
  const targets: ZoneNode[] = [];
  for (const r of ns.records) {
    const t = target(r.rdata);
    if (t !== undefined && !targets.includes(t)) targets.push(t);
  }
  const out: ResourceRecord[] = [];
  for (const type of [RRType.A, RRType.AAAA]) {
    for (const t of targets) {
      const set = t.rrsets.get(type);
      if (set !== undefined) for (const r of set.records) out.push(r);
    }
  }
  return out;
}

/**
 * A referral's glue with the in-domain part first (A, then AAAA), then the
 * rest (sibling glue, A then AAAA). RFC 9471 §3.1: all in-domain glue must fit
 * or the response is truncated (TC); sibling glue (§3.2) may be left out. When
 * a UDP answer is cut to size, the records that go are then the optional ones.
 */
export function inDomainFirst(glue: readonly ResourceRecord[], cut: Name): ResourceRecord[] {
  const inside: ResourceRecord[] = [];
  const outside: ResourceRecord[] = [];
  for (const rr of glue) (rr.name.isSubdomainOf(cut) ? inside : outside).push(rr);
  return outside.length === 0 || inside.length === 0 ? [...glue] : [...inside, ...outside];
}

/**
 * One RRset in canonical RDATA order (RFC 4034 §6.3) with exact duplicates
 * dropped (RFC 2181 §5). With `oneTtl`, records whose TTL differs from the
 * first are given the first one's (RFC 2181 §5.2 calls differing TTLs an
 * error; the root zone never has them, so this only keeps answers consistent).
 */
function canonicalSet(rrs: readonly ResourceRecord[], type: number, oneTtl: boolean): ResourceRecord[] {
  if (rrs.length === 0) return [];
  if (rrs.length === 1) return [rrs[0]!];
  const ttl = rrs[0]!.ttl;
  const keyed = rrs.map((rr) => ({ rr, c: canonicalRdata(type, rr.rdata) }));
  keyed.sort((a, b) => compareBytes(a.c, b.c));
  const out: ResourceRecord[] = [];
  let prev: Uint8Array | undefined;
  for (const { rr, c } of keyed) {
    if (prev !== undefined && compareBytes(prev, c) === 0) continue;
    prev = c;
    out.push(oneTtl && rr.ttl !== ttl ? { ...rr, ttl } : rr);
  }
  return out;
}

/** Parse a master file (plain or .gz) and build it: what the CLI commands and tests start from. `onWarning` hears what the parser accepted with a warning. */
export async function loadZoneFile(path: string, opts: BuildOptions & { readonly onWarning?: (warning: string) => void }): Promise<Zone> {
  const records = await parseZoneFile(path, { file: path, origin: opts.origin ?? Name.root, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  return buildZone(records, opts);
}
