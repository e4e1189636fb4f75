// The real server on loopback, asked over UDP and TCP: dig-style expectations
// in both DNSSEC modes, the protocol's error paths, truncation, AXFR, swap.

import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/server.js';
import { ZoneStore } from '../src/zone/store.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';
import type { Zone } from '../src/zone/zone.js';
import { decode, encodeQuery, tcpExchange, udpExchange, type Decoded } from './helpers/dns-client.js';

const SMALL = readFileSync(new URL('./fixtures/signed/small.zone.signed', import.meta.url));
const zoneOf = (dnssec: 'strip' | 'keep'): Zone => buildZone(parseZoneText(SMALL, { file: 'small.zone.signed' }), { dnssec });

const HOST = '127.0.31.1';
let keep: RunningServer;
let strip: RunningServer;
let keepStore: ZoneStore;

beforeAll(async () => {
  keepStore = new ZoneStore();
  keepStore.swap(zoneOf('keep'));
  const stripStore = new ZoneStore();
  stripStore.swap(zoneOf('strip'));
  keep = await startServer({ listen: [`${HOST}:0`], store: keepStore, allowTransfer: ['127.0.0.0/8'] });
  strip = await startServer({ listen: ['127.0.31.2:0'], store: stripStore, allowTransfer: ['192.0.2.0/24'] });
});
afterAll(async () => {
  await keep.close();
  await strip.close();
});

async function ask(server: RunningServer, transport: 'udp' | 'tcp', msg: Buffer): Promise<Decoded> {
  const { address, port } = server.addresses[0]!;
  const raw = transport === 'udp' ? await udpExchange(address, port, msg) : (await tcpExchange(address, port, [msg]))[0]!;
  return decode(raw);
}

const types = (rrs: string[]): string[] => [...new Set(rrs.map((r) => r.split(' ').slice(0, 1).concat(r.split(' ')[2]!).join(' ')))].sort();

interface Case {
  readonly name: string;
  readonly q: [string, string];
  readonly dnssecOk?: boolean;
  readonly edns?: boolean;
  readonly rcode: number;
  readonly aa: boolean;
  /** `owner TYPE` of each RRset per section, sorted. */
  readonly answer?: string[];
  readonly authority?: string[];
  readonly additional?: string[];
}

// Expectations per RFC 1034 §4.3.2 / RFC 4035 §3.1, in keep mode (DO decides DNSSEC records).
const cases: Case[] = [
  { name: 'apex SOA', q: ['.', 'SOA'], rcode: 0, aa: true, answer: ['. SOA'], authority: ['. NS'] },
  { name: 'apex SOA with DO', q: ['.', 'SOA'], dnssecOk: true, rcode: 0, aa: true, answer: ['. RRSIG', '. SOA'], authority: ['. NS', '. RRSIG'] },
  { name: 'apex DNSKEY with DO', q: ['.', 'DNSKEY'], dnssecOk: true, rcode: 0, aa: true, answer: ['. DNSKEY', '. RRSIG'], authority: [] },
  { name: 'apex NS', q: ['.', 'NS'], edns: true, rcode: 0, aa: true, answer: ['. NS'], authority: [] },
  { name: 'referral with glue', q: ['www.example.', 'A'], edns: true, rcode: 0, aa: false, answer: [], authority: ['example. NS'] },
  { name: 'referral with DS and RRSIG under DO', q: ['www.example.', 'A'], dnssecOk: true, rcode: 0, aa: false, answer: [], authority: ['example. DS', 'example. NS', 'example. RRSIG'] },
  { name: 'DS at the cut, no DO', q: ['example.', 'DS'], edns: true, rcode: 0, aa: true, answer: ['example. DS'], authority: [] },
  { name: 'DS at the cut with DO', q: ['example.', 'DS'], dnssecOk: true, rcode: 0, aa: true, answer: ['example. DS', 'example. RRSIG'], authority: [] },
  { name: 'NXDOMAIN', q: ['no-such-tld.', 'A'], edns: true, rcode: 3, aa: true, answer: [], authority: ['. SOA'] },
  { name: 'NXDOMAIN with DO: SOA, NSECs, RRSIGs', q: ['no-such-tld.', 'A'], dnssecOk: true, rcode: 3, aa: true, answer: [] },
  { name: 'NODATA at the apex', q: ['.', 'A'], edns: true, rcode: 0, aa: true, answer: [], authority: ['. SOA'] },
  { name: 'ANY at the apex (RFC 8482: one RRset)', q: ['.', 'ANY'], edns: true, rcode: 0, aa: true },
  { name: 'case is preserved and ignored', q: ['WwW.ExAmPlE.', 'A'], edns: true, rcode: 0, aa: false, answer: [], authority: ['example. NS'] },
];

describe.each(['udp', 'tcp'] as const)('answers over %s', (transport) => {
  it.each(cases)('$name', async (c) => {
    const r = await ask(keep, transport, encodeQuery(c.q[0], c.q[1], { dnssecOk: c.dnssecOk ?? false, edns: c.edns ?? false }));
    expect(r.rcode).toBe(c.rcode);
    expect(r.flags.qr).toBe(true);
    expect(r.flags.aa).toBe(c.aa);
    expect(r.flags.tc).toBe(false);
    expect(r.question).toBe(`${c.q[0]} ${c.q[1]}`);
    if (c.answer) expect(types(r.answer)).toEqual(c.answer);
    if (c.authority) expect(types(r.authority)).toEqual(c.authority);
    if (c.dnssecOk) expect(r.opt?.do).toBe(true);
    if (!c.dnssecOk) expect([...r.answer, ...r.authority].some((x) => / (RRSIG|NSEC) /.test(x))).toBe(false);
  });
});

describe('protocol rules', () => {
  it('referral glue: every in-bailiwick A and AAAA in ADDITIONAL', async () => {
    const r = await ask(keep, 'udp', encodeQuery('x.many.', 'A', { edns: true }));
    expect(r.authority.filter((x) => x.includes(' NS'))).toHaveLength(13);
    expect(r.additional.filter((x) => / (A|AAAA)$/.test(x) && x.includes('.nic.many.'))).toHaveLength(26);
  });

  it('a referral too large for 512 octets without EDNS sets TC; TCP carries all of it', async () => {
    const q = encodeQuery('x.many.', 'A');
    const { address, port } = keep.addresses[0]!;
    const raw = await udpExchange(address, port, q);
    expect(raw.length).toBeLessThanOrEqual(512);
    expect(decode(raw).flags.tc).toBe(true);
    const full = await ask(keep, 'tcp', q);
    expect(full.flags.tc).toBe(false);
    expect(full.additional.length).toBe(26);
  });

  it('never sends a datagram over the client payload size (min 512, max 1232)', async () => {
    const { address, port } = keep.addresses[0]!;
    for (const payload of [512, 600, 1232, 4096]) {
      const raw = await udpExchange(address, port, encodeQuery('x.many.', 'A', { dnssecOk: true, payload }));
      expect(raw.length).toBeLessThanOrEqual(Math.min(Math.max(payload, 512), 1232));
      expect(decode(raw).opt?.payload).toBe(1232);
    }
  });

  it('copies ID and RD, preserves the question case byte for byte', async () => {
    const { address, port } = keep.addresses[0]!;
    const q = encodeQuery('CoM.', 'NS', { id: 0xbeef, rd: true });
    const raw = await udpExchange(address, port, q);
    expect(raw.readUInt16BE(0)).toBe(0xbeef);
    expect(decode(raw).flags.rd).toBe(true);
    expect(raw.subarray(12, 12 + 5).toString('latin1')).toBe('\x03CoM\x00');
  });

  const raw = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  const header = (flags: string, qd: number, an = 0, ns = 0, ar = 0): string =>
    `1234 ${flags} ${qd.toString(16).padStart(4, '0')} ${an.toString(16).padStart(4, '0')} ${ns.toString(16).padStart(4, '0')} ${ar.toString(16).padStart(4, '0')}`;
  const comNs = '03636f6d00 0002 0001';

  it.each([
    ['opcode STATUS → NOTIMP', raw(header('1000', 1) + comNs), 4],
    ['QDCOUNT 2 → FORMERR', raw(header('0000', 2) + comNs + comNs), 1],
    ['QDCOUNT 0 → FORMERR', raw(header('0000', 0)), 1],
    ['trailing garbage → FORMERR', raw(header('0000', 1) + comNs + 'deadbeef'), 1],
    ['compression loop in QNAME → FORMERR', raw(header('0000', 1) + 'c00c 0002 0001'), 1],
    ['forward pointer → FORMERR', raw(header('0000', 1) + 'c020 0002 0001'), 1],
    ['class CH → REFUSED', raw(header('0000', 1) + '03636f6d00 0010 0003'), 5],
    ['two OPT records → FORMERR', raw(header('0000', 1, 0, 0, 2) + comNs + '00 0029 04d0 00000000 0000' + '00 0029 04d0 00000000 0000'), 1],
    ['EDNS version 1 → BADVERS', raw(header('0000', 1, 0, 0, 1) + comNs + '00 0029 04d0 00010000 0000'), 16],
    ['OPT owner not root → FORMERR', raw(header('0000', 1, 0, 0, 1) + comNs + '03636f6d00 0029 04d0 00000000 0000'), 1],
    ['bad OPT option length → FORMERR', raw(header('0000', 1, 0, 0, 1) + comNs + '00 0029 04d0 00000000 0004 000a 0010'), 1],
    ['AXFR over UDP → FORMERR', raw(header('0000', 1) + '00 00fc 0001'), 1],
  ])('%s', async (_name, msg, rcode) => {
    const { address, port } = keep.addresses[0]!;
    const ans = await udpExchange(address, port, msg);
    expect(ans.readUInt16BE(0)).toBe(0x1234);
    expect(ans[2]! & 0x80).toBe(0x80);
    const opt = ans.length > 12 ? decodeSafe(ans) : undefined;
    expect((ans[3]! & 0x0f) | ((opt?.opt?.extRcode ?? 0) << 4)).toBe(rcode);
  });

  it('drops responses (QR set) and runts; the server stays up', async () => {
    const { address, port } = keep.addresses[0]!;
    const before = keep.counters.dropped;
    await expect(udpExchange(address, port, raw(header('8000', 1) + comNs), 300)).rejects.toThrow(/timeout/);
    await expect(udpExchange(address, port, raw('1234'), 300)).rejects.toThrow(/timeout/);
    expect(keep.counters.dropped).toBe(before + 2);
    expect((await ask(keep, 'udp', encodeQuery('.', 'SOA'))).rcode).toBe(0);
  });

  it('strip mode gives DO queries no DNSSEC records', async () => {
    const r = await ask(strip, 'udp', encodeQuery('www.example.', 'A', { dnssecOk: true }));
    expect(types(r.authority)).toEqual(['example. NS']);
    const nx = await ask(strip, 'udp', encodeQuery('nope.', 'A', { dnssecOk: true }));
    expect(types(nx.authority)).toEqual(['. SOA']);
  });

  it('pipelines several queries on one TCP connection, answering in order', async () => {
    const { address, port } = keep.addresses[0]!;
    const qs = ['com.', 'net.', 'example.', 'nope.', '.'].map((n, i) => encodeQuery(n, 'NS', { id: 100 + i }));
    const answers = await tcpExchange(address, port, qs);
    expect(answers.map((a) => a.readUInt16BE(0))).toEqual([100, 101, 102, 103, 104]);
  });
});

describe('AXFR', () => {
  it('serves the zone as served to allowed clients: SOA first and last', async () => {
    const { address, port } = keep.addresses[0]!;
    const msgs: Buffer[] = [];
    // Read until the closing SOA.
    await new Promise<void>((resolve, reject) => {
      import('node:net').then(({ default: net }) => {
        const s = net.connect({ host: address, port });
        const q = encodeQuery('.', 'AXFR');
        const f = Buffer.alloc(2 + q.length);
        f.writeUInt16BE(q.length);
        f.set(q, 2);
        s.on('connect', () => s.write(f));
        let buf = Buffer.alloc(0);
        let soas = 0;
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
            buf = buf.subarray(2 + buf.readUInt16BE(0));
            msgs.push(m);
            soas += decode(m).answer.filter((x) => x.includes(' SOA')).length;
            if (soas === 2) {
              s.destroy();
              resolve();
            }
          }
        });
        s.on('error', reject);
      }, reject);
    });
    const all = msgs.flatMap((m) => decode(m).answer);
    expect(all.filter((x) => x.endsWith(' SOA'))).toHaveLength(2);
    expect(all.length).toBe(136 + 1); // every record, SOA twice
    expect(keep.counters.axfrServed).toBeGreaterThan(0);
  });

  it('refuses clients outside --allow-transfer', async () => {
    const r = await ask(strip, 'tcp', encodeQuery('.', 'AXFR'));
    expect(r.rcode).toBe(5);
    expect(strip.counters.axfrRefused).toBe(1);
  });
});

describe('zone swap', () => {
  it('answers from the new zone after one atomic swap', async () => {
    const text = SMALL.toString('latin1').replace(/2026110100/g, '2026110199');
    keepStore.swap(buildZone(parseZoneText(text, {}), { dnssec: 'keep' }));
    const p = (await import('dns-packet')).default;
    const { address, port } = keep.addresses[0]!;
    const soa = p.decode(await udpExchange(address, port, encodeQuery('.', 'SOA'))).answers![0]!.data as { serial: number };
    expect(soa.serial).toBe(2026110199);
    keepStore.swap(zoneOf('keep'));
  });
});

function decodeSafe(m: Buffer): Decoded | undefined {
  try {
    return decode(m);
  } catch {
    return undefined;
  }
}

/** Whether this host can bind ::1 (IPv6 can be off in containers). */
function ipv6Loopback(): boolean {
  try {
    return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.family === 'IPv6' && i.address === '::1'));
  } catch {
    return false;
  }
}

describe.skipIf(!ipv6Loopback())('IPv6 listener ([::1])', () => {
  it('answers over UDP and TCP on [::1], with the client address checked against --allow-query', async () => {
    const store = new ZoneStore();
    store.swap(zoneOf('strip'));
    const s = await startServer({ listen: ['[::1]:0'], store });
    const refusing = await startServer({ listen: ['[::1]:0'], store, allowQuery: ['127.0.0.0/8'] });
    try {
      const { address, port } = s.addresses[0]!;
      expect(address).toBe('::1');
      const u = decode(await udpExchange(address, port, encodeQuery('.', 'SOA', { id: 61 })));
      expect(u).toMatchObject({ id: 61, rcode: 0, flags: { aa: true } });
      expect(u.answer.some((r) => r.includes(' SOA'))).toBe(true);
      const [t] = await tcpExchange(address, port, [encodeQuery('nonexistent.', 'A', { id: 62 })]);
      expect(decode(t!)).toMatchObject({ id: 62, rcode: 3 });
      const r = refusing.addresses[0]!;
      expect(decode(await udpExchange(r.address, r.port, encodeQuery('.', 'SOA'))).rcode).toBe(5);
    } finally {
      await Promise.all([s.close(), refusing.close()]);
    }
  });
});
