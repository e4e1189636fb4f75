// FORMERR, what it carries, and NSD 4.6 asked the same questions.
//
// RFC 1035 §4.1.4: a compression pointer names an earlier occurrence of a
// name; the question is a query's first name, so a pointer in it points at the
// header or forward. Read naively, 0xc00b lands on ARCOUNT's low octet (0: the
// root) and `. SOA` would be answered; it is FORMERR, with nothing echoed.
//
// RFC 6891 §7: a query that carried OPT gets OPT back, FORMERR included, and
// "if there is a problem with processing the OPT record itself ... the
// response MUST include an OPT record". NSD leaves OPT out of most FORMERRs;
// where we follow the RFC instead, the row says what NSD answers and the last
// block checks that NSD still does (so the table cannot drift from it).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper without types
import { peerAvailable } from '../bench/peers/peers.mjs';
import { nsdDuringSuite } from './helpers/nsd.js';
import { udpExchange } from './helpers/dns-client.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { ZoneStore } from '../src/zone/store.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';

const SMALL_PATH = fileURLToPath(new URL('./fixtures/signed/small.zone.signed', import.meta.url));

const raw = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const hdr = (qd: number, an = 0, ns = 0, ar = 0): string => `5aa5 0100 ${[qd, an, ns, ar].map((n) => n.toString(16).padStart(4, '0')).join(' ')}`;
const ROOT_SOA = '00 0006 0001';
/** OPT: root owner, payload 1232, version 0, DO set, no options. */
const OPT_DO = '00 0029 04d0 00 00 8000 0000';

/** What a reply says, as far as these cases need: rcode, how many of each section, the OPT's version and DO. */
interface Shape {
  readonly rcode: number;
  readonly counts: readonly [number, number, number, number];
  readonly opt?: { readonly version: number; readonly dnssecOk: boolean };
}

/** For replies holding at most a question and an OPT (every FORMERR here): the OPT, when present, is the last 11 octets. */
function shape(msg: Buffer): Shape {
  const counts = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)] as const;
  const hasOpt = counts[3] === 1 && msg.length >= 23 && msg.readUInt16BE(msg.length - 10) === 41;
  const opt = hasOpt ? { version: msg[msg.length - 5]!, dnssecOk: (msg[msg.length - 4]! & 0x80) !== 0 } : undefined;
  return { rcode: (msg[3]! & 0x0f) | ((hasOpt ? msg[msg.length - 6]! : 0) << 4), counts, ...(opt ? { opt } : {}) };
}

const FORMERR = 1;
const bare: Shape = { rcode: FORMERR, counts: [0, 0, 0, 0] };
const withQuestionAndOpt: Shape = { rcode: FORMERR, counts: [1, 0, 0, 1], opt: { version: 0, dnssecOk: true } };

interface Case {
  readonly what: string;
  readonly msg: Buffer;
  readonly ours: Shape;
  /** Not counted as malformed: a well-formed query FORMERR is the answer to (AXFR over UDP). */
  readonly wellFormed?: true;
  /** NSD 4.6's reply when it differs from ours, and why we differ. */
  readonly nsd?: { readonly shape: Shape | 'answers'; readonly why: string };
}

const CASES: readonly Case[] = [
  // RFC 1035 §4.1.4: a pointer in the question, with and without OPT. NSD answers the header alone. (BIND 9.18, asked
  // without OPT, answers c00b as the root and 03636f6d c00b as com., as we used to.)
  { what: 'QNAME a pointer to the header (ARCOUNT: the root)', msg: raw(hdr(1) + 'c00b' + '0006 0001'), ours: bare },
  { what: 'QNAME a pointer to the header, with OPT', msg: raw(hdr(1, 0, 0, 1) + 'c00b' + '0006 0001' + OPT_DO), ours: bare },
  { what: 'QNAME a pointer to the ID', msg: raw(hdr(1, 0, 0, 1) + 'c000' + '0006 0001' + OPT_DO), ours: bare },
  { what: 'QNAME a pointer to itself', msg: raw(hdr(1) + 'c00c' + '0006 0001'), ours: bare },
  { what: 'QNAME a pointer forward', msg: raw(hdr(1) + 'c012' + '0006 0001' + '00'), ours: bare },
  { what: 'QNAME a label, then a pointer to the header', msg: raw(hdr(1, 0, 0, 1) + '03636f6d c00b' + '0006 0001' + OPT_DO), ours: bare },
  // RFC 6891 §7: OPT back on every other FORMERR.
  {
    what: 'QDCOUNT 0, with OPT',
    msg: raw(hdr(0, 0, 0, 1) + OPT_DO),
    ours: { rcode: FORMERR, counts: [0, 0, 0, 1], opt: { version: 0, dnssecOk: true } },
    nsd: { shape: { rcode: 0, counts: [0, 0, 0, 1], opt: { version: 0, dnssecOk: true } }, why: 'NSD takes it for a cookie-only query (RFC 7873 §5.4); we do no cookies, so FORMERR, as BIND 9.18' },
  },
  { what: 'QDCOUNT 0, without OPT', msg: raw(hdr(0)), ours: bare },
  {
    what: 'QDCOUNT 2, with OPT',
    msg: raw(hdr(2, 0, 0, 1) + ROOT_SOA + ROOT_SOA + OPT_DO),
    ours: { rcode: FORMERR, counts: [0, 0, 0, 1], opt: { version: 0, dnssecOk: true } },
    nsd: { shape: bare, why: 'RFC 6891 §7: the query carried OPT' },
  },
  {
    what: 'a record in ANSWER, with OPT',
    msg: raw(hdr(1, 1, 0, 1) + ROOT_SOA + '00 0001 0001 00000000 0004 01020304' + OPT_DO),
    ours: withQuestionAndOpt,
    nsd: { shape: bare, why: 'RFC 6891 §7: the query carried OPT' },
  },
  {
    what: 'two OPT records',
    msg: raw(hdr(1, 0, 0, 2) + ROOT_SOA + OPT_DO + OPT_DO),
    ours: withQuestionAndOpt,
    nsd: { shape: bare, why: 'RFC 6891 §7: a problem with the OPT itself MUST be answered with OPT' },
  },
  {
    what: 'an EDNS option longer than the RDATA',
    msg: raw(hdr(1, 0, 0, 1) + ROOT_SOA + '00 0029 04d0 00 00 8000 0004 000a 0010'),
    ours: withQuestionAndOpt,
    nsd: { shape: bare, why: 'RFC 6891 §7: a badly formatted option MUST be answered with OPT' },
  },
  {
    what: 'OPT owner not the root',
    msg: raw(hdr(1, 0, 0, 1) + ROOT_SOA + '03636f6d00 0029 04d0 00 00 8000 0000'),
    ours: withQuestionAndOpt,
    nsd: { shape: bare, why: 'RFC 6891 §7: a problem with the OPT itself MUST be answered with OPT' },
  },
  {
    what: 'AXFR over UDP, with OPT (RFC 5936 §4.2)',
    msg: raw(hdr(1, 0, 0, 1) + '00 00fc 0001' + OPT_DO),
    ours: withQuestionAndOpt,
    wellFormed: true,
    nsd: { shape: { ...withQuestionAndOpt, rcode: 4 }, why: 'NSD says NOTIMP; RFC 5936 §4.2 has a server answer AXFR over UDP with FORMERR' },
  },
  {
    what: 'trailing octets after the OPT',
    msg: raw(hdr(1, 0, 0, 1) + ROOT_SOA + OPT_DO + 'dead'),
    ours: withQuestionAndOpt,
    nsd: { shape: 'answers', why: 'NSD ignores what follows the last record; we refuse a message that is not one' },
  },
];

let server: RunningServer;
beforeAll(async () => {
  const store = new ZoneStore('servfail');
  store.swap(buildZone(parseZoneText(readFileSync(SMALL_PATH), { file: 'small.zone.signed' }), { dnssec: 'keep' }));
  server = await startServer({ listen: ['127.0.34.10:0'], store });
});
afterAll(() => server.close());

describe('FORMERR: nothing echoed for a pointer in the question (RFC 1035 §4.1.4), OPT echoed otherwise (RFC 6891 §7)', () => {
  for (const c of CASES) {
    it(c.what, async () => {
      const { address, port } = server.addresses[0]!;
      const before = server.counters.malformed;
      const reply = await udpExchange(address, port, c.msg);
      expect(reply.readUInt16BE(0)).toBe(0x5aa5);
      expect(shape(reply)).toEqual(c.ours);
      expect(server.counters.malformed).toBe(before + (c.wellFormed ? 0 : 1));
    });
  }

  it('a pointer in a later name (the OPT owner pointing back at the root QNAME) is still fine', async () => {
    const { address, port } = server.addresses[0]!;
    // The OPT's owner is a pointer to the question's root octet (offset 12).
    const reply = await udpExchange(address, port, raw(hdr(1, 0, 0, 1) + ROOT_SOA + 'c00c 0029 04d0 00 00 8000 0000'));
    expect(reply[3]! & 0x0f).toBe(0);
    expect(reply.readUInt16BE(6)).toBeGreaterThan(0);
  });
});

const NSD_ADDR = '127.61.0.3';
const NSD_PORT = 5364;

describe.skipIf(!peerAvailable('nsd'))('FORMERR: NSD 4.6 answers the same, or as each row says', () => {
  nsdDuringSuite(SMALL_PATH, NSD_ADDR, NSD_PORT);

  it('every case', async () => {
    for (const c of CASES) {
      const theirs = await udpExchange(NSD_ADDR, NSD_PORT, c.msg);
      const expected = c.nsd?.shape ?? c.ours;
      if (expected === 'answers') expect(theirs[3]! & 0x0f, `${c.what}: NSD answers it (${c.nsd?.why})`).toBe(0);
      else expect(shape(theirs), `${c.what}${c.nsd ? ` (we differ: ${c.nsd.why})` : ''}`).toEqual(expected);
    }
  });
});
