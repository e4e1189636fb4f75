// "While serving in strip mode, when a query arrives with DO set, log once that
// a validating resolver is talking to a stripped zone and how to fix it."
// Once per process (one Responder per server), whatever the transport; every
// such query is still counted. Keep mode and DO-less queries never log it.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { ZoneStore } from '../src/zone/store.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';
import { decode, encodeQuery, tcpExchange, udpExchange } from './helpers/dns-client.js';

const SMALL = readFileSync(new URL('./fixtures/signed/small.zone.signed', import.meta.url));

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(dnssec: 'strip' | 'keep', host: string): Promise<{ lines: Array<{ level: string; msg: string }>; server: RunningServer }> {
  const lines: Array<{ level: string; msg: string }> = [];
  const log = createLogger({ level: 'debug', format: 'json', sink: { write: (l: string) => lines.push(JSON.parse(l) as { level: string; msg: string }) } });
  const store = new ZoneStore();
  store.swap(buildZone(parseZoneText(SMALL, { file: 'small.zone.signed' }), { dnssec }));
  server = await startServer({ listen: [`${host}:0`], store, log });
  return { lines, server };
}

const warnings = (lines: Array<{ level: string; msg: string }>) => lines.filter((l) => /validating resolver/.test(l.msg));

describe('DO bit on a stripped zone', () => {
  it('logs one warning naming the fix, however many DO queries arrive over UDP and TCP', async () => {
    const { lines, server: s } = await start('strip', '127.62.1.1');
    const { address, port } = s.addresses[0]!;
    expect(warnings(lines)).toEqual([]);
    for (let i = 0; i < 5; i++) {
      const r = decode(await udpExchange(address, port, encodeQuery('www.test.', 'A', { dnssecOk: true, id: i })));
      expect(r.rcode).toBe(0);
      expect(r.opt?.do).toBe(true); // DO echoed (RFC 3225 §3), but no DNSSEC records
      expect(r.authority.some((x) => / (DS|RRSIG|NSEC) /.test(` ${x.split(' ')[2]} `))).toBe(false);
    }
    await tcpExchange(address, port, [encodeQuery('com.', 'NS', { dnssecOk: true }), encodeQuery('.', 'DNSKEY', { dnssecOk: true })]);
    const w = warnings(lines);
    expect(w).toHaveLength(1);
    expect(w[0]!.level).toBe('warn');
    expect(w[0]!.msg).toMatch(/DO bit set.*--dnssec strip.*--dnssec keep \(ROOTMIRROR_DNSSEC=keep\)/);
    expect(s.counters.doOnStripped).toBe(7);
  });

  it('says nothing for queries without DO, or when the zone keeps its DNSSEC records', async () => {
    const a = await start('strip', '127.62.1.2');
    const { address, port } = a.server.addresses[0]!;
    await udpExchange(address, port, encodeQuery('www.test.', 'A', { edns: true }));
    await udpExchange(address, port, encodeQuery('www.test.', 'A'));
    expect(warnings(a.lines)).toEqual([]);
    expect(a.server.counters.doOnStripped).toBe(0);
    await a.server.close();

    const b = await start('keep', '127.62.1.3');
    const k = b.server.addresses[0]!;
    const r = decode(await udpExchange(k.address, k.port, encodeQuery('www.test.', 'A', { dnssecOk: true })));
    expect(r.authority.some((x) => x.split(' ')[2] === 'DS')).toBe(true);
    expect(warnings(b.lines)).toEqual([]);
  });
});
