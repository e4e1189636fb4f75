// --on-expired fallback (the default): with no usable zone, each query is
// relayed to a live root and its answer handed back under the client's ID.
// The "live roots" here are real servers on loopback (rootmirror's own,
// serving the real root zone); the dead ones are sockets that never answer,
// or answer wrongly.

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encodeQuery, tcpExchange, udpExchange } from '../../test/helpers/dns-client.js';
import { buildZone } from '../zone/build.js';
import { parseZoneText } from '../zone/parser.js';
import { RootFallback } from './fallback.js';
import { startServer, type ListenAddress, type RunningServer } from './server.js';
import { ZoneStore } from '../zone/store.js';

const ROOT = readFileSync(new URL('../../test/fixtures/root-zone/root.zone.2026082200', import.meta.url));

let live: RunningServer;
let liveAt: ListenAddress;
/** Takes UDP datagrams and TCP connections, never answers. */
let silentUdp: dgram.Socket;
let silentTcp: net.Server;
let silentAt: ListenAddress;
/** Answers every UDP query with the right ID but another question. */
let liar: dgram.Socket;
let liarAt: ListenAddress;

beforeAll(async () => {
  const store = new ZoneStore();
  store.swap(buildZone(parseZoneText(ROOT, {}), { dnssec: 'strip' }));
  live = await startServer({ listen: ['127.66.0.1:0'], store });
  liveAt = live.addresses[0]!;

  silentUdp = dgram.createSocket('udp4');
  await new Promise<void>((r) => silentUdp.bind(0, '127.66.0.2', r));
  silentAt = { address: '127.66.0.2', port: silentUdp.address().port };
  silentTcp = net.createServer(() => undefined);
  await new Promise<void>((r) => silentTcp.listen(silentAt.port, silentAt.address, r));

  liar = dgram.createSocket('udp4');
  liar.on('message', (m, from) => {
    const other = encodeQuery('net.', 'NS', { id: (m[0]! << 8) | m[1]! });
    other[2]! |= 0x80;
    liar.send(other, from.port, from.address);
  });
  await new Promise<void>((r) => liar.bind(0, '127.66.0.3', r));
  liarAt = { address: '127.66.0.3', port: liar.address().port };
});

afterAll(async () => {
  await live.close();
  silentUdp.close();
  silentTcp.close();
  liar.close();
});

/** The answer minus its ID, to compare a relayed answer with the live root's own. */
const body = (m: Uint8Array): string => Buffer.from(m.subarray(2)).toString('hex');

describe('RootFallback.forward', () => {
  it('relays over UDP: the live root answer, under a fresh ID, question echoed with its case', async () => {
    const q = encodeQuery('ExAmPle.CoM.', 'A', { id: 7, edns: true });
    const relayed = await new RootFallback({ servers: [liveAt] }).forward(q, 'udp');
    const direct = await udpExchange(liveAt.address, liveAt.port, q);
    expect(relayed).toBeDefined();
    expect(body(relayed!)).toBe(body(direct));
    expect(decode(Buffer.from(relayed!)).question).toBe('ExAmPle.CoM. A');
  });

  it('relays over TCP when the client asked over TCP: the full referral a UDP answer without EDNS truncates', async () => {
    // amazon.'s in-domain glue does not fit in 512 octets: TC over UDP without EDNS (RFC 9471).
    const q = encodeQuery('amazon.', 'NS', { id: 9 });
    const overUdp = await new RootFallback({ servers: [liveAt] }).forward(q, 'udp');
    expect(decode(Buffer.from(overUdp!)).flags.tc).toBe(true);
    const overTcp = await new RootFallback({ servers: [liveAt] }).forward(q, 'tcp');
    const [direct] = await tcpExchange(liveAt.address, liveAt.port, [q]);
    expect(decode(Buffer.from(overTcp!)).flags.tc).toBe(false);
    expect(body(overTcp!)).toBe(body(direct!));
    expect(overTcp!.length).toBeGreaterThan(512);
  });

  it.each(['udp', 'tcp'] as const)('over %s, a server that never answers is given up after the timeout and the next one asked', async (transport) => {
    // Both orders: the first server is picked at random.
    const fb = new RootFallback({ servers: [silentAt, liveAt], timeoutMs: 200, tries: 2 });
    for (let i = 0; i < 4; i++) {
      const r = await fb.forward(encodeQuery('org.', 'NS', { id: i, edns: true }), transport);
      expect(decode(Buffer.from(r!)).authority.length).toBeGreaterThan(0);
    }
  });

  it('gives up (undefined) when no server answers, within tries × timeout', async () => {
    const fb = new RootFallback({ servers: [silentAt], timeoutMs: 200, tries: 2 });
    const t0 = Date.now();
    expect(await fb.forward(encodeQuery('org.', 'NS'), 'udp')).toBeUndefined();
    expect(await fb.forward(encodeQuery('org.', 'NS'), 'tcp')).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('does not relay an answer to another question, even with the right ID from the right address', async () => {
    const fb = new RootFallback({ servers: [liarAt], timeoutMs: 200, tries: 1 });
    expect(await fb.forward(encodeQuery('org.', 'NS'), 'udp')).toBeUndefined();
    const both = new RootFallback({ servers: [liarAt, liveAt], timeoutMs: 200, tries: 2 });
    for (let i = 0; i < 4; i++) expect(decode(Buffer.from((await both.forward(encodeQuery('org.', 'NS'), 'udp'))!)).question).toBe('org. NS');
  });

  it('relays nothing shorter than a header and asks no one with no servers', async () => {
    expect(await new RootFallback({ servers: [liveAt] }).forward(new Uint8Array(11), 'udp')).toBeUndefined();
    expect(await new RootFallback({ servers: [] }).forward(encodeQuery('org.', 'NS'), 'udp')).toBeUndefined();
  });
});

describe('a server without a usable zone, in fallback mode', () => {
  it('answers with the live root answer under the client ID (UDP and TCP), SERVFAIL when the roots are silent', async () => {
    const relaying = await startServer({
      listen: ['127.66.0.4:0'],
      store: new ZoneStore('fallback'),
      fallback: new RootFallback({ servers: [liveAt], timeoutMs: 300 }),
    });
    const dead = await startServer({
      listen: ['127.66.0.5:0'],
      store: new ZoneStore('fallback'),
      fallback: new RootFallback({ servers: [silentAt], timeoutMs: 100, tries: 1 }),
    });
    try {
      const at = relaying.addresses[0]!;
      const q = encodeQuery('nosuchtld.', 'A', { id: 4321, edns: true });
      const u = await udpExchange(at.address, at.port, q);
      expect(decode(u)).toMatchObject({ id: 4321, rcode: 3, flags: { aa: true } });
      expect(body(u)).toBe(body(await udpExchange(liveAt.address, liveAt.port, q)));
      const [t] = await tcpExchange(at.address, at.port, [encodeQuery('com.', 'NS', { id: 99 })]);
      expect(decode(t!)).toMatchObject({ id: 99, rcode: 0, flags: { tc: false } });
      expect(relaying.counters.fallbackForwarded).toBe(2);

      const d = dead.addresses[0]!;
      expect(decode(await udpExchange(d.address, d.port, encodeQuery('com.', 'NS', { id: 5 })))).toMatchObject({ id: 5, rcode: 2 });
      expect(dead.counters.fallbackFailed).toBe(1);
    } finally {
      await Promise.all([relaying.close(), dead.close()]);
    }
  });
});
