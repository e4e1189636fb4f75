// The fast path (WireQuery + locateWire, answered from the bytes as they came)
// must answer every message exactly as the reference path (readQuery, Names)
// does: same octets, same counters. Checked on the common queries it takes,
// on the unusual ones it must leave alone, and on seeded mutations of both.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { RRType } from '../dns/types.js';
import { buildZone } from '../zone/build.js';
import { parseZoneText } from '../zone/parser.js';
import type { DnssecMode, Zone } from '../zone/zone.js';
import { Acl, LOOPBACK } from './acl.js';
import { ServerCounters } from './counters.js';
import { WireQuery } from './fast-query.js';
import { readQuery } from './query.js';
import { Responder } from './respond.js';
import { ZoneStore } from '../zone/store.js';

const FIX = new URL('../../test/fixtures/', import.meta.url);
const SMALL = readFileSync(new URL('signed/small.zone.signed', FIX));
const ROOT = readFileSync(new URL('root-zone/root.zone.2026082200', FIX));

interface Q {
  readonly name: string;
  readonly type: number;
  readonly cls?: number;
  readonly id?: number;
  readonly flags?: number;
  readonly edns?: { readonly payload: number; readonly dnssecOk: boolean; readonly version?: number; readonly options?: readonly number[] };
}

function encode(q: Q): Buffer {
  const wire = Name.fromText(q.name).wire;
  const opt = q.edns ? 11 + (q.edns.options?.length ?? 0) : 0;
  const b = Buffer.alloc(12 + wire.length + 4 + opt);
  b.writeUInt16BE(q.id ?? 0xbeef, 0);
  b.writeUInt16BE(q.flags ?? 0x0100, 2);
  b.writeUInt16BE(1, 4);
  b.set(wire, 12);
  let o = b.writeUInt16BE(q.type, 12 + wire.length);
  o = b.writeUInt16BE(q.cls ?? 1, o);
  if (q.edns) {
    b.writeUInt16BE(1, 10);
    b.writeUInt16BE(RRType.OPT, o + 1);
    b.writeUInt16BE(q.edns.payload, o + 3);
    b[o + 6] = q.edns.version ?? 0;
    b[o + 7] = q.edns.dnssecOk ? 0x80 : 0;
    const opts = q.edns.options ?? [];
    b.writeUInt16BE(opts.length, o + 9);
    b.set(opts, o + 11);
  }
  return b;
}

function corpus(zone: Zone): Buffer[] {
  let seed = 777;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), (seed >>> 8) % n);
  const owners = [...zone.nodes.values()].map((n) => n.name.toString());
  const label = (): string => Array.from({ length: 1 + rnd(20) }, () => 'abcdefghijklmnopqrstuvwxyzABC0123456789-'[rnd(40)]).join('');
  const types = [RRType.A, RRType.AAAA, RRType.NS, RRType.DS, RRType.SOA, RRType.ANY, RRType.DNSKEY, RRType.NSEC, RRType.RRSIG, RRType.TXT, RRType.CNAME, 0, 99, 249, 250, 251, 252, 253, 254, RRType.OPT];
  const ednss: (Q['edns'] | undefined)[] = [
    undefined,
    { payload: 1232, dnssecOk: true },
    { payload: 1232, dnssecOk: false },
    { payload: 0, dnssecOk: false },
    { payload: 600, dnssecOk: true },
    { payload: 4096, dnssecOk: true },
    { payload: 1232, dnssecOk: true, options: [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8] }, // client COOKIE
    { payload: 1232, dnssecOk: true, options: [0, 10, 0, 9, 1] }, // option runs past the RDATA
    { payload: 1232, dnssecOk: false, version: 1 },
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const base = owners[rnd(owners.length)]!;
    const k = rnd(4);
    let name = k === 0 ? base : k === 1 ? `${label()}.${base === '.' ? '' : base}` : k === 2 ? '.' : `${label()}.`;
    if (rnd(3) === 0) name = name.toUpperCase();
    const q: Q = { name, type: types[rnd(types.length)]!, id: rnd(65536), flags: [0x0100, 0x0000, 0x0110, 0x0300, 0x8100, 0x2800][rnd(6)]!, cls: [1, 1, 1, 1, 3, 255][rnd(6)]!, edns: ednss[rnd(ednss.length)] };
    const m = encode(q);
    out.push(m);
    // Seeded damage: a flipped octet, a cut, trailing garbage, bumped counts, a pointer for a name.
    const d = Buffer.from(m);
    switch (rnd(6)) {
      case 0:
        d[rnd(d.length)] = rnd(256);
        out.push(d);
        break;
      case 1:
        out.push(d.subarray(0, rnd(d.length)));
        break;
      case 2:
        out.push(Buffer.concat([d, Buffer.from([0])]));
        break;
      case 3:
        d[5 + 2 * rnd(4)] += 1;
        out.push(d);
        break;
      case 4:
        out.push(Buffer.concat([d.subarray(0, 12), Buffer.from([0xc0, 0x0c]), d.subarray(12 + Name.fromText(name).wire.length)]));
        break;
      default:
        break;
    }
  }
  return out;
}

/** Two responders on two copies of the zone: each path fills its own answer cache. */
function pair(build: () => Zone): { fast: Responder; read: Responder; fastCounters: ServerCounters; readCounters: ServerCounters } {
  const responder = (counters: ServerCounters): Responder => {
    const store = new ZoneStore();
    store.swap(build());
    return new Responder({ store, counters, allowQuery: new Acl(LOOPBACK) });
  };
  const fastCounters = new ServerCounters();
  const readCounters = new ServerCounters();
  return { fast: responder(fastCounters), read: responder(readCounters), fastCounters, readCounters };
}

const hex = (b: unknown): string => (b === null ? 'null' : Buffer.from(b as Uint8Array).toString('hex'));

describe('the fast path answers exactly as readQuery() does', () => {
  for (const [label, text] of [['small.zone.signed', SMALL], ['root zone', ROOT]] as const) {
    for (const dnssec of ['keep', 'strip'] as DnssecMode[]) {
      it(`${label}, --dnssec ${dnssec}: same octets and counters, over UDP and TCP, for allowed and refused clients`, () => {
        const build = (): Zone => buildZone(parseZoneText(text, {}), { dnssec });
        const zone = build();
        const { fast, read, fastCounters, readCounters } = pair(build);
        const wq = new WireQuery();
        let taken = 0;
        const msgs = corpus(zone);
        for (const m of msgs) {
          if (wq.read(m)) {
            taken++;
            // What the fast reader accepts, the reference reads as the same query.
            const v = readQuery(m);
            expect(v.kind, hex(m)).toBe('query');
            if (v.kind !== 'query') continue;
            expect([v.id, v.rd, v.cd, v.question.qtype, v.edns !== undefined, v.edns?.payload ?? 0, v.edns?.dnssecOk ?? false], hex(m)).toEqual([
              wq.id,
              wq.rd,
              wq.cd,
              wq.qtype,
              wq.edns,
              wq.edns ? wq.payload : 0,
              wq.dnssecOk,
            ]);
          }
          for (const transport of ['udp', 'tcp'] as const) {
            for (const client of ['127.0.0.1', '192.0.2.1']) {
              expect(hex(fast.answer(m, transport, client)), `${hex(m)} ${transport} ${client}`).toBe(hex(read.answerRead(m, transport, client)));
            }
          }
        }
        expect(taken).toBeGreaterThan(msgs.length / 10);
        expect([...fastCounters.queries].sort()).toEqual([...readCounters.queries].sort());
        expect([fastCounters.truncated, fastCounters.malformed, fastCounters.dropped, fastCounters.doOnStripped]).toEqual([
          readCounters.truncated,
          readCounters.malformed,
          readCounters.dropped,
          readCounters.doOnStripped,
        ]);
      });
    }
  }
});
