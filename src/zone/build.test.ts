// buildZone(): refusal of bad zones, strip mode, RRset rules, the node layout.

import { describe, expect, it } from 'vitest';
import { canonicalSortKey, Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { DNSSEC_TYPES, RRType } from '../dns/types.js';
import { buildZone } from './build.js';
import { ZoneCheckError } from './checks.js';
import { suffixStarts } from './zone.js';

const n = (s: string): Name => Name.fromText(s);
const rec = (name: string, type: number, rdata: number[] | Uint8Array, ttl = 3600): ResourceRecord => ({
  name: n(name),
  type,
  class: 1,
  ttl,
  rdata: Uint8Array.from(rdata),
});
const soa = (serial: number): ResourceRecord =>
  rec('.', RRType.SOA, [...n('a.root-servers.net.').wire, ...n('nstld.verisign-grs.com.').wire, ...[serial, 1800, 900, 604800, 86400].flatMap((v) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255])], 86400);
const ns = (owner: string, target: string): ResourceRecord => rec(owner, RRType.NS, n(target).wire, 172800);
const a = (owner: string, last: number, ttl = 172800): ResourceRecord => rec(owner, RRType.A, [192, 0, 2, last], ttl);
const base = (): ResourceRecord[] => [soa(2026010100), ns('.', 'a.root-servers.net.'), a('a.root-servers.net.', 1)];

describe('buildZone', () => {
  it('refuses a zone failing the load checks', () => {
    expect(() => buildZone([ns('.', 'a.root-servers.net.')], { dnssec: 'keep' })).toThrow(ZoneCheckError);
    expect(() => buildZone([soa(1), a('x.', 1)], { dnssec: 'keep' })).toThrow(/no NS records at the apex/);
    expect(() => buildZone(base(), { dnssec: 'keep', origin: n('example.') })).toThrow(ZoneCheckError);
  });

  it('reads the serial, and drops every DNSSEC type in strip mode', () => {
    const sig = rec('.', RRType.RRSIG, [0, RRType.SOA, 8, 0, ...new Array<number>(16).fill(0), 0]);
    const extra = [sig, rec('.', RRType.DNSKEY, [1, 1, 3, 8, 1]), rec('com.', RRType.DS, [0, 1, 8, 2, 9]), ns('com.', 'ns.com.'), a('ns.com.', 2)];
    const keep = buildZone([...base(), ...extra], { dnssec: 'keep' });
    const strip = buildZone([...base(), ...extra], { dnssec: 'strip' });
    expect(keep.serial).toBe(2026010100);
    expect(keep.records.length).toBe(8);
    expect(strip.records.length).toBe(5);
    expect(strip.records.some((r) => DNSSEC_TYPES.has(r.type))).toBe(false);
    expect(keep.apex.rrsets.get(RRType.SOA)!.sigs).toEqual([sig]);
    expect(keep.apex.rrsigs).toEqual([sig]);
    expect(keep.apex.rrsets.has(RRType.RRSIG)).toBe(false);
    expect(strip.counts.get(RRType.DS)).toBeUndefined();
    expect(keep.counts.get(RRType.DS)).toBe(1);
  });

  it('drops duplicate records and gives an RRset one TTL, the first (RFC 2181 §5, §5.2)', () => {
    const z = buildZone([...base(), ns('com.', 'ns.com.'), a('ns.com.', 7, 100), a('ns.com.', 7, 100), a('ns.com.', 3, 200)], { dnssec: 'keep' });
    const set = z.nodes.get('ns.com.')!.rrsets.get(RRType.A)!;
    expect(set.ttl).toBe(100);
    expect(set.records.map((r) => [r.rdata[3], r.ttl])).toEqual([
      [3, 100],
      [7, 100],
    ]);
  });

  it('flags cuts, occluded names and empty non-terminals', () => {
    const z = buildZone([...base(), ns('com.', 'a.gtld-servers.net.'), ns('net.', 'a.gtld-servers.net.'), a('a.gtld-servers.net.', 30), a('x.y.z.', 9)], {
      dnssec: 'keep',
    });
    const node = (k: string) => z.nodes.get(k)!;
    expect([node('com.').delegation, node('com.').occluded]).toEqual([true, false]);
    expect([node('a.gtld-servers.net.').delegation, node('a.gtld-servers.net.').occluded]).toEqual([false, true]);
    expect([node('gtld-servers.net.').empty, node('gtld-servers.net.').occluded]).toEqual([true, true]);
    expect([node('y.z.').empty, node('z.').empty, node('y.z.').occluded]).toEqual([true, true, false]);
    expect(node('.').delegation).toBe(false);
    expect(z.delegations.map((d) => d.name.key)).toEqual(['com.', 'net.']);
    // The precomputed referral: sibling glue under net. is in the com. referral.
    expect(node('com.').referral!.plain.additional.map((r) => r.name.key)).toEqual(['a.gtld-servers.net.']);
  });

  it('is frozen', () => {
    const z = buildZone(base(), { dnssec: 'keep' });
    expect(Object.isFrozen(z)).toBe(true);
    expect(Object.isFrozen(z.nodes.get('com.')?.referral?.plain ?? z.nxdomainPlain)).toBe(true);
  });
});

describe('canonical order helpers', () => {
  // RFC 4034 §6.1: "the following names are sorted in canonical DNS name order".
  const RFC4034_6_1 = ['example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.'];
  it('canonicalSortKey orders the RFC 4034 §6.1 example', () => {
    const shuffled = [...RFC4034_6_1].reverse();
    shuffled.sort((x, y) => (canonicalSortKey(n(x)) < canonicalSortKey(n(y)) ? -1 : 1));
    expect(shuffled).toEqual(RFC4034_6_1);
  });
  it('suffixStarts skips escaped dots', () => {
    expect(suffixStarts('www.example.')).toEqual([0, 4]);
    expect(suffixStarts('a\\.b.c.')).toEqual([0, 5]);
    expect(suffixStarts('a\\\\.b.')).toEqual([0, 4]);
    expect(suffixStarts('.')).toEqual([]);
  });
});
