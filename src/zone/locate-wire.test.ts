// locateWire() must land where locate() lands, for every name: the root zone
// and a zone below the root, with names at, below and beside nodes, cuts,
// empty non-terminals, labels longer than a slot holds, escapes, case.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalSortKey, Name } from '../dns/name.js';
import { buildZone } from './build.js';
import { hashLabel, locateWire, nodeAt, nsecCoverWire, WireKind, type WireLocation } from './locate-wire.js';
import { coveringIndex, locate, type Location } from './lookup.js';
import { parseZoneText } from './parser.js';
import type { Zone } from './zone.js';

const ROOT = readFileSync(new URL('../../test/fixtures/root-zone/root.zone.2026082200', import.meta.url));

const SUB = `$ORIGIN example.org.
$TTL 3600
@ SOA ns.example.org. host.example.org. 1 7200 3600 1209600 3600
@ NS ns
ns A 192.0.2.1
www A 192.0.2.2
a.very-long-label-beyond-sixteen-octets AAAA 2001:db8::1
a.very-long-label-beyond-sixteen-octetz AAAA 2001:db8::2
deep.x.y.z TXT "empty non-terminals y.z and z above me"
sub NS ns.sub
ns.sub A 192.0.2.3
dot\\.ted TXT "a label with a dot in it"
odd\\000byte TXT "a label with a zero octet"
`;

/** The same place, whichever way it was found. */
function describeLoc(l: Location): string {
  switch (l.kind) {
    case 'outside':
      return 'outside';
    case 'cut':
      return `cut ${l.node.name.key} ${l.exact}`;
    case 'node':
      return `node ${l.node.name.key}`;
    case 'nxdomain':
      return `nxdomain ${l.encloser.name.key}`;
  }
}
function describeWire(zone: Zone, l: WireLocation): string {
  switch (l.kind) {
    case WireKind.outside:
      return 'outside';
    case WireKind.cut:
      return `cut ${nodeAt(zone, l).name.key} ${l.exact}`;
    case WireKind.node:
      return `node ${nodeAt(zone, l).name.key}`;
    default:
      return `nxdomain ${nodeAt(zone, l).name.key}`;
  }
}

function viaWire(zone: Zone, name: Name): string {
  const w = name.wire;
  const starts: number[] = [];
  for (let o = 0; w[o]! !== 0; o += w[o]! + 1) starts.push(o);
  // Put the name inside a larger message, as the server sees it.
  const msg = new Uint8Array(12 + w.length + 4);
  msg.set(w, 12);
  const out: WireLocation = { kind: WireKind.outside, entry: -1, exact: false };
  locateWire(zone, msg, starts.map((s) => s + 12), starts.length, 12 + w.length, out);
  if (out.kind !== WireKind.outside) expect(out.entry).toBeGreaterThanOrEqual(0);
  return describeWire(zone, out);
}

function sample(zone: Zone, extra: readonly string[]): Name[] {
  let seed = 4242;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const owners = [...zone.nodes.values()].map((n) => n.name);
  const label = (): string => Array.from({ length: 1 + rnd(20) }, () => 'abcdefghijklmnopqrstuvwxyzABC0123456789-'[rnd(40)]).join('');
  const names: Name[] = [Name.root, ...extra.map((t) => Name.fromText(t))];
  for (let i = 0; i < 4000; i++) {
    const base = owners[rnd(owners.length)]!;
    const k = rnd(4);
    const n = k === 0 ? base : k === 1 ? Name.fromText(`${label()}.${base.toString()}`) : k === 2 ? Name.fromText(`${label()}.${label()}.${base.toString()}`) : Name.fromText(`${label()}.`);
    names.push(rnd(2) === 0 ? Name.fromText(n.toString().toUpperCase()) : n);
  }
  return names;
}

describe('locateWire lands where locate does', () => {
  it('the root zone: TLDs, names below them, glue, names that do not exist', () => {
    const zone = buildZone(parseZoneText(ROOT, {}), { dnssec: 'strip' });
    const names = sample(zone, ['com.', 'COM.', 'www.example.com.', 'a.root-servers.net.', 'xn--vermgensberatung-pwb.', 'nonexistent-tld.']);
    for (const n of names) expect(viaWire(zone, n), n.toString()).toBe(describeLoc(locate(zone, n)));
  });

  it('a zone below the root: outside names, cuts, empty non-terminals, long labels, escapes', () => {
    const zone = buildZone(parseZoneText(SUB, {}), { dnssec: 'strip' });
    const names = sample(zone, [
      'org.',
      'example.com.',
      'xexample.org.',
      'EXAMPLE.ORG.',
      'y.z.example.org.',
      'z.example.org.',
      'q.deep.x.y.z.example.org.',
      'a.very-long-label-beyond-sixteen-octets.example.org.',
      'a.very-long-label-beyond-sixteen-octetS.example.org.',
      'a.very-long-label-beyond-sixteen-octetq.example.org.',
      'dot.ted.example.org.',
      'Dot\\.Ted.example.org.',
      'odd\\000byte.example.org.',
      'odd\\000bytE.example.org.',
      'deeper.ns.sub.example.org.',
      'sub.example.org.',
    ]);
    for (const n of names) expect(viaWire(zone, n), n.toString()).toBe(describeLoc(locate(zone, n)));
  });
});

describe('a hash collision is not a match', () => {
  // Found by a birthday search over counters (below the apex, entry 0): one
  // pair held in the slot, one longer than it with the same first 16 octets.
  const PAIRS: [string, string][] = [
    ['0146wu', '01bwfa'],
    ['sixteen-octets-x009rnw', 'sixteen-octets-x00apba'],
  ];
  const wire = (label: string): Uint8Array => Name.fromText(`${label}.`).wire;

  it('for labels held in the slot and for labels longer than it', () => {
    for (const [a, b] of PAIRS) {
      expect(hashLabel(0, wire(a), 0), `${a} and ${b} no longer collide: find a new pair`).toBe(hashLabel(0, wire(b), 0));
      const zone = buildZone(parseZoneText(`$ORIGIN .\n$TTL 60\n. SOA a. b. 1 2 3 4 5\n. NS a.\na. A 192.0.2.1\n${a}. A 192.0.2.2\n`, {}), { dnssec: 'strip' });
      expect([...zone.nodes.values()][0]!.name.key).toBe('.');
      expect(viaWire(zone, Name.fromText(`${a}.`))).toBe(`node ${a}.`);
      expect(viaWire(zone, Name.fromText(`${b}.`))).toBe('nxdomain .');
    }
  });
});

describe('nsecCoverWire', () => {
  it('finds the NSEC coveringIndex(canonicalSortKey(name)) finds, from the wire form', () => {
    const zone = buildZone(parseZoneText(ROOT, {}), { dnssec: 'keep' });
    expect(zone.nsecKeys.length).toBeGreaterThan(1000);
    // q.xn. sorts before every xn--… TLD only if labels are separated by U+0000 ('-' + 1 is '.').
    for (const n of sample(zone, ['zzzzzz.', 'a.', '0.', 'COM.', 'a-.com.', 'q.xn.', 'Q.XN.', '\\000.', '\\255\\255.'])) {
      const w = n.wire;
      const starts: number[] = [];
      for (let o = 0; w[o]! !== 0; o += w[o]! + 1) starts.push(o);
      expect(nsecCoverWire(zone, w, starts, starts.length), n.toString()).toBe(coveringIndex(zone, canonicalSortKey(n)));
    }
  });
});
