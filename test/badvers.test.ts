// RFC 6891 §6.1.3: a query with an EDNS VERSION we do not implement (> 0)
// gets RCODE=BADVERS (16: header RCODE 0, OPT extended RCODE 1) and an OPT
// with VERSION 0, and no answer data, on every path a QUERY can take: the
// fast path and the reference reader, UDP and TCP, a client allow-query
// refuses, AXFR/IXFR, while the zone is unavailable (SERVFAIL mode and the
// relay to the live roots, which must not be asked), with and without DO.
//
// The order is NSD's (4.6.1, checked with an allow-query/provide-xfr ACL):
// the EDNS version is judged before the ACL, so a refused client asking with
// version 1 gets BADVERS, not REFUSED; AXFR and IXFR get BADVERS too. Opcodes
// other than QUERY are not EDNS-processed by NSD (NOTIMP, or REFUSED for an
// unauthorised NOTIFY, without OPT); ours answer NOTIMP without OPT likewise.
// The last block asks NSD the same questions when it is installed.

import dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper without types
import { peerAvailable } from '../bench/peers/peers.mjs';
import { nsdDuringSuite } from './helpers/nsd.js';
import { FakeRoot } from './helpers/fake-root.js';
import { RootFallback } from '../src/server/fallback.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { ZoneStore } from '../src/zone/store.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';
// @ts-expect-error plain .mjs helper without types
import { deframer, frame } from '../bench/dns-tcp.mjs';

const SMALL_PATH = fileURLToPath(new URL('./fixtures/signed/small.zone.signed', import.meta.url));
const SMALL = readFileSync(SMALL_PATH);
const ALLOWED = '127.0.33.1';
const REFUSED = '127.0.33.2';
const BADVERS = 16;

const TYPES: Record<string, number> = { A: 1, NS: 2, SOA: 6, DNSKEY: 48, IXFR: 251, AXFR: 252, ANY: 255 };

/** A query written by hand: any opcode, any EDNS version, DO, one question. */
function query(qname: string, qtype: string, o: { version: number; dnssecOk?: boolean; opcode?: number; id?: number }): Buffer {
  const labels = qname.split('.').filter((l) => l !== '');
  const name = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(o.id ?? 0x5aa5, 0);
  header.writeUInt16BE((o.opcode ?? 0) << 11, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(TYPES[qtype]!, 0);
  q.writeUInt16BE(1, 2);
  // OPT: root owner, TYPE 41, CLASS = payload, TTL = ext-rcode | version | DO, RDLEN 0.
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(1232, 3);
  opt[6] = o.version;
  opt[7] = o.dnssecOk ? 0x80 : 0;
  return Buffer.concat([header, name, q, opt]);
}

interface Reply {
  readonly rcode: number;
  readonly opcode: number;
  readonly qr: boolean;
  readonly aa: boolean;
  readonly counts: readonly [number, number, number, number];
  /** The OPT record, if the reply has one (it must then be the only additional record here). */
  readonly opt: { readonly extRcode: number; readonly version: number } | undefined;
}

/** Header and, when the reply has no records but (at most) one OPT, the OPT (it ends the message: 11 octets). */
function parse(msg: Buffer): Reply {
  const counts = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)] as const;
  const onlyOpt = counts[1] === 0 && counts[2] === 0 && counts[3] === 1 && msg.length >= 11 && msg.readUInt16BE(msg.length - 10) === 41;
  const opt = onlyOpt ? { extRcode: msg[msg.length - 6]!, version: msg[msg.length - 5]! } : undefined;
  return {
    rcode: (msg[3]! & 0x0f) | ((opt?.extRcode ?? 0) << 4),
    opcode: (msg[2]! >> 3) & 0x0f,
    qr: (msg[2]! & 0x80) !== 0,
    aa: (msg[2]! & 0x04) !== 0,
    counts,
    opt,
  };
}

async function askUdp(from: string, to: { address: string; port: number }, msg: Buffer): Promise<Buffer> {
  const sock = dgram.createSocket('udp4');
  try {
    sock.bind(0, from);
    await once(sock, 'listening');
    sock.send(msg, to.port, to.address);
    const reply = once(sock, 'message') as Promise<[Buffer]>;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no UDP answer from ${to.address}:${to.port}`)), 3000).unref());
    return (await Promise.race([reply, timeout]))[0];
  } finally {
    sock.close();
  }
}

/** The first framed message back over TCP from `from` (for AXFR: the first message of the transfer, or the error). */
async function askTcp(from: string, to: { address: string; port: number }, msg: Buffer): Promise<Buffer> {
  const sock = net.connect({ host: to.address, port: to.port, localAddress: from });
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TCP answer from ${to.address}:${to.port}`)), 3000);
      sock.on('error', reject);
      sock.on('connect', () => sock.write(frame(msg)));
      sock.on(
        'data',
        deframer((m: Buffer) => {
          clearTimeout(timer);
          resolve(m);
        }),
      );
    });
  } finally {
    sock.destroy();
  }
}

const ask = (transport: 'udp' | 'tcp', from: string, to: { address: string; port: number }, msg: Buffer): Promise<Buffer> =>
  transport === 'udp' ? askUdp(from, to, msg) : askTcp(from, to, msg);

function expectBadvers(reply: Reply, what: string): void {
  expect({ rcode: reply.rcode, qr: reply.qr, aa: reply.aa, counts: reply.counts, optVersion: reply.opt?.version }, what).toEqual({
    rcode: BADVERS,
    qr: true,
    aa: false,
    counts: [1, 0, 0, 1],
    optVersion: 0,
  });
}

const QUESTIONS: ReadonlyArray<readonly [string, string]> = [
  ['.', 'SOA'], // apex, the fast path's favourite
  ['com.', 'NS'], // a referral
  ['nope.', 'A'], // NXDOMAIN
  ['.', 'ANY'],
  ['.', 'DNSKEY'],
  ['.', 'IXFR'], // without the client's SOA: FORMERR for version 0 (RFC 1995 §3)
  ['.', 'AXFR'], // TCP's transfer; FORMERR over UDP for version 0
];

let fakeRoot: FakeRoot;
const servers: Record<'serving' | 'servfail' | 'fallback', RunningServer> = {} as Record<'serving' | 'servfail' | 'fallback', RunningServer>;

beforeAll(async () => {
  const zone = buildZone(parseZoneText(SMALL, { file: 'small.zone.signed' }), { dnssec: 'keep' });
  const serving = new ZoneStore('servfail');
  serving.swap(zone);
  // A "live root" that answers anything with a normal `. SOA`: relaying a version-1 query there would show up as NOERROR.
  fakeRoot = await FakeRoot.start('127.0.33.9', 0, { serial: 2026110100 });
  const common = { allowQuery: [`${ALLOWED}/32`], allowTransfer: [`${ALLOWED}/32`] };
  servers.serving = await startServer({ listen: ['127.0.33.10:0'], store: serving, ...common });
  servers.servfail = await startServer({ listen: ['127.0.33.11:0'], store: new ZoneStore('servfail'), ...common });
  servers.fallback = await startServer({
    listen: ['127.0.33.12:0'],
    store: new ZoneStore('fallback'),
    fallback: new RootFallback({ servers: [{ address: fakeRoot.address, port: fakeRoot.port }], timeoutMs: 1000 }),
    ...common,
  });
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  await fakeRoot.close();
});

describe('EDNS version > 0 gets BADVERS on every answering path (RFC 6891 §6.1.3)', () => {
  for (const state of ['serving', 'servfail', 'fallback'] as const) {
    for (const transport of ['udp', 'tcp'] as const) {
      for (const client of [ALLOWED, REFUSED]) {
        it(`${state}, ${transport}, ${client === ALLOWED ? 'allowed' : 'refused'} client: every question, with and without DO, versions 1 and 255`, async () => {
          const to = servers[state].addresses[0]!;
          const before = fakeRoot.queries;
          for (const [qname, qtype] of QUESTIONS) {
            for (const dnssecOk of [false, true]) {
              for (const version of [1, 255]) {
                const reply = parse(await ask(transport, client, to, query(qname, qtype, { version, dnssecOk })));
                expectBadvers(reply, `${qname} ${qtype} version ${version}${dnssecOk ? ' DO' : ''}`);
              }
            }
          }
          // The relay to the live roots was never asked: BADVERS is ours to say.
          expect(fakeRoot.queries).toBe(before);
          // And version 0 on the same path is answered as usual (the test can tell the paths apart).
          const normal = parse(await ask(transport, client, to, query('.', 'SOA', { version: 0 })));
          const expected = client === REFUSED ? 5 : state === 'serving' ? 0 : state === 'servfail' ? 2 : 0;
          expect(normal.rcode).toBe(expected);
        });
      }
    }
  }

  it('the BADVERS query is counted with rcode 16 (rootmirror_dns_queries_total)', async () => {
    const to = servers.serving.addresses[0]!;
    const before = servers.serving.counters.queries.get('udp 6 16') ?? 0;
    await askUdp(ALLOWED, to, query('.', 'SOA', { version: 1 }));
    expect(servers.serving.counters.queries.get('udp 6 16')).toBe(before + 1);
  });

  it('opcodes other than QUERY are not EDNS-processed (as NSD): NOTIMP without OPT, never an answer', async () => {
    const to = servers.serving.addresses[0]!;
    for (const opcode of [1, 2, 4, 5]) {
      const reply = parse(await askUdp(ALLOWED, to, query('.', 'SOA', { version: 1, opcode })));
      expect({ rcode: reply.rcode, opcode: reply.opcode, an: reply.counts[1], ns: reply.counts[2] }, `opcode ${opcode}`).toEqual({ rcode: 4, opcode, an: 0, ns: 0 });
    }
  });
});

const NSD_ADDR = '127.61.0.1';
const NSD_PORT = 5362;

describe.skipIf(!peerAvailable('nsd'))('BADVERS: the same replies as NSD 4.6', () => {
  nsdDuringSuite(SMALL_PATH, NSD_ADDR, NSD_PORT);

  it('every question, UDP and TCP, with and without DO: rcode, flags, counts and OPT version agree', async () => {
    const ours = servers.serving.addresses[0]!;
    for (const transport of ['udp', 'tcp'] as const) {
      for (const [qname, qtype] of QUESTIONS) {
        for (const dnssecOk of [false, true]) {
          const msg = query(qname, qtype, { version: 1, dnssecOk });
          const theirs = parse(await ask(transport, ALLOWED, { address: NSD_ADDR, port: NSD_PORT }, msg));
          const mine = parse(await ask(transport, ALLOWED, ours, msg));
          expect(mine, `${transport} ${qname} ${qtype}${dnssecOk ? ' DO' : ''}`).toEqual(theirs);
        }
      }
    }
  });
});
