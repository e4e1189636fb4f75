// The zone image: written where the zone is built, opened where it is served.
// An image opened from a copy of its bytes (as a transferred or persisted one
// is) must answer every question byte for byte as the zone it was written
// from, without building that zone again; a damaged one must be refused with
// ImageError at open, never found out by a query.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { rawQuery } from '../../test/helpers/raw-query.js';
import { describe, expect, it, vi } from 'vitest';
import { Name } from '../dns/name.js';
import { RRType } from '../dns/types.js';
import { Acl, LOOPBACK } from '../server/acl.js';
import { ServerCounters } from '../server/counters.js';
import { Responder } from '../server/respond.js';
import { buildZone } from './build.js';
import { HEADER_WORDS, HeaderField, Section } from './image-format.js';
import { ImageError, ZoneImage } from './image.js';
import { writeImage } from './image-writer.js';
import { zoneFromImage } from './image-zone.js';
import { parseZoneText } from './parser.js';
import { ZoneStore } from './store.js';
import type { DnssecMode, Zone } from './zone.js';

const fixture = (p: string): Buffer => readFileSync(new URL(`../../test/fixtures/${p}`, import.meta.url));
const ROOT = fixture('root-zone/root.zone.2026082200');
const ROOT_FULL = gunzipSync(fixture('root-zone-full/root.zone.2026073102.gz'));
const SMALL = fixture('signed/small.zone.signed');
// Below the root: CNAME chains (in and out of the zone, a loop), empty non-terminals, a cut, long labels.
const SUB = `$ORIGIN example.org.
$TTL 3600
@ SOA ns.example.org. host.example.org. 1 7200 3600 1209600 3600
@ NS ns
ns A 192.0.2.1
www A 192.0.2.2
alias CNAME www
out CNAME www.example.net.
loop1 CNAME loop2
loop2 CNAME loop1
a.very-long-label-beyond-sixteen-octets AAAA 2001:db8::1
deep.x.y.z TXT "empty non-terminals y.z and z above me"
sub NS ns.sub
ns.sub A 192.0.2.3
`;

function responder(zone: Zone): Responder {
  const store = new ZoneStore();
  store.swap(zone);
  return new Responder({ store, counters: new ServerCounters(), allowQuery: new Acl(LOOPBACK) });
}

const query = rawQuery;

/** Names at, below and beside every node, in mixed case, plus names outside the zone. */
function names(zone: Zone, n: number): Name[] {
  let seed = 8806;
  const rnd = (k: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % k);
  const owners = [...zone.nodes.values()].map((x) => x.name);
  const label = (): string => Array.from({ length: 1 + rnd(12) }, () => 'abcdefghijklmnopqrstuvwxyzXYZ0123456789-'[rnd(40)]).join('');
  const out: Name[] = [Name.root, Name.fromText('example.com.'), Name.fromText('ORG.')];
  for (let i = 0; i < n; i++) {
    const base = owners[rnd(owners.length)]!;
    const k = rnd(4);
    const name = k === 0 ? base : k === 1 ? Name.fromText(`${label()}.${base.toString()}`) : k === 2 ? Name.fromText(`${label()}.${label()}.${base.toString()}`) : Name.fromText(`${label()}.`);
    out.push(rnd(2) === 0 ? Name.fromText(name.toString().toUpperCase()) : name);
  }
  return out;
}

const QTYPES = [RRType.A, RRType.AAAA, RRType.NS, RRType.SOA, RRType.DS, RRType.DNSKEY, RRType.NSEC, RRType.RRSIG, RRType.TXT, RRType.CNAME, RRType.ANY, RRType.ZONEMD, 999];
const EDNS = [undefined, { payload: 1232, dnssecOk: false }, { payload: 1232, dnssecOk: true }, { payload: 4096, dnssecOk: true }];

/** Every (name, qtype, EDNS) answered by both, over UDP and TCP: the number compared. */
function compareAnswers(built: Zone, opened: Zone, sample: readonly Name[]): number {
  const a = responder(built);
  const b = responder(opened);
  let n = 0;
  for (const name of sample) {
    for (const t of QTYPES) {
      for (const e of EDNS) {
        const q = query(name, t, e);
        for (const transport of ['udp', 'tcp'] as const) {
          const want = a.answer(q, transport, '127.0.0.1') as Uint8Array;
          const got = b.answer(q, transport, '127.0.0.1') as Uint8Array;
          if (Buffer.compare(Buffer.from(want), Buffer.from(got)) !== 0) {
            throw new Error(`${name.toString()} type ${t} ${JSON.stringify(e)} ${transport}: the opened image answers differently`);
          }
          n++;
        }
      }
    }
  }
  return n;
}

/** Write the zone's image, copy the bytes (as a transfer or a file would), open it. */
function reopen(zone: Zone): Zone {
  const bytes = writeImage(zone);
  return zoneFromImage(new ZoneImage(Uint8Array.from(bytes)));
}

describe('an opened image answers as the zone it was written from', () => {
  const cases: [string, string | Buffer, DnssecMode, number][] = [
    ['root (stripped fixture)', ROOT, 'strip', 1500],
    ['root (stripped fixture)', ROOT, 'keep', 1500],
    ['root with every RRSIG', ROOT_FULL, 'keep', 1200],
    ['root with every RRSIG', ROOT_FULL, 'strip', 400],
    ['small.zone.signed', SMALL, 'keep', 400],
    ['small.zone.signed', SMALL, 'strip', 200],
    ['example.org. (CNAMEs, empty non-terminals, a cut)', SUB, 'keep', 400],
  ];
  for (const [label, text, dnssec, count] of cases) {
    it(`${label}, --dnssec ${dnssec}`, () => {
      const built = buildZone(parseZoneText(text, {}), { dnssec });
      const records = vi.spyOn(ZoneImage.prototype, 'records');
      const opened = reopen(built);
      expect(opened.serial).toBe(built.serial);
      expect([...opened.counts]).toEqual([...built.counts]);
      expect([opened.soa.name.wire, opened.soa.rdata, opened.soa.ttl]).toEqual([built.soa.name.wire, built.soa.rdata, built.soa.ttl]);
      const sample = names(built, count);
      const n = compareAnswers(built, opened, sample);
      expect(n).toBe(sample.length * QTYPES.length * EDNS.length * 2);
      // Only a CNAME question the image cannot precompute makes the zone build its records again.
      const hasCname = built.counts.has(RRType.CNAME);
      expect(records.mock.calls.length > 0).toBe(hasCname);
      records.mockRestore();
    });
  }

  it('records() gives back the served records, in order, byte for byte', () => {
    const built = buildZone(parseZoneText(ROOT_FULL, {}), { dnssec: 'keep' });
    const image = new ZoneImage(writeImage(built));
    const back = image.records();
    expect(back.length).toBe(built.records.length);
    back.forEach((rr, i) => {
      const want = built.records[i]!;
      expect([rr.name.wire, rr.type, rr.class, rr.ttl, rr.rdata]).toEqual([want.name.wire, want.type, want.class, want.ttl, want.rdata]);
    });
  });
});

describe('a damaged image is refused when opened', () => {
  const built = buildZone(parseZoneText(SMALL, {}), { dnssec: 'keep' });
  const good = writeImage(built);
  const header = (field: number, value: number): Uint8Array => {
    const b = Uint8Array.from(good);
    new Uint32Array(b.buffer, 0, HEADER_WORDS)[field] = value;
    return b;
  };
  const sectionOffset = (s: number, value: number): Uint8Array => {
    const b = Uint8Array.from(good);
    new Uint32Array(b.buffer, HEADER_WORDS * 4 + s * 8, 1)[0] = value;
    return b;
  };
  const table: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /shorter than its header/],
    ['truncated', good.slice(0, good.length - 8), /truncated/],
    ['not an image', new TextEncoder().encode('.  86400 IN SOA a. b. 1 2 3 4 5\n'.repeat(20)), /bad magic|shorter/],
    ['an older format version', header(HeaderField.version, 0), /format version 0/],
    ['the other byte order', header(HeaderField.byteOrder, 0x04030201), /byte order/],
    ['a section past the end', sectionOffset(Section.templates, good.length + 8), /out of bounds/],
    ['an answer number past the templates', header(HeaderField.templates, 1), /wrong size|out of range/],
    ['an apex outside the entries', header(HeaderField.apexEntry, 1_000_000), /bad index header/],
  ];
  for (const [what, bytes, message] of table) {
    it(what, () => {
      expect(() => new ZoneImage(bytes)).toThrow(ImageError);
      expect(() => new ZoneImage(bytes)).toThrow(message);
    });
  }

  it('any single flipped octet in the header, section table or index is refused or opens cleanly: never another exception', () => {
    const indexEnd = new Uint32Array(good.buffer, HEADER_WORDS * 4 + Section.templateAt * 8, 1)[0]!;
    let refused = 0;
    for (let at = 0; at < indexEnd; at++) {
      const b = Uint8Array.from(good);
      b[at] ^= 0x5a;
      try {
        new ZoneImage(b);
      } catch (e) {
        expect(e).toBeInstanceOf(ImageError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
