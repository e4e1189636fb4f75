#!/usr/bin/env node
// Per-query cost of the answering path without sockets: Responder.answer() on
// the resolver-like mix (bench/querymix.mjs), wire in → wire out.
//   npm run build && node bench/answer.mjs [ZONEFILE] [-n QUERIES]
import { readFileSync } from 'node:fs';
import packet from 'dns-packet';
import { Acl, LOOPBACK } from '../dist/server/acl.js';
import { ServerCounters } from '../dist/server/counters.js';
import { Responder } from '../dist/server/respond.js';
import { ZoneStore } from '../dist/zone/store.js';
import { buildZone } from '../dist/zone/build.js';
import { parseZoneText } from '../dist/zone/parser.js';
import { execFileSync } from 'node:child_process';

const file = process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2] : 'test/fixtures/root-zone/root.zone.2026082200';
const n = Number(process.argv[process.argv.indexOf('-n') + 1] ?? 0) || 200_000;
const mix = execFileSync(process.execPath, ['bench/querymix.mjs', file, '-n', '20000']).toString().trim().split('\n');
const store = new ZoneStore();
for (const dnssec of ['strip', 'keep']) {
  store.swap(buildZone(parseZoneText(readFileSync(file), {}), { dnssec }));
  const r = new Responder({ store, counters: new ServerCounters(), allowQuery: new Acl(LOOPBACK) });
  for (const edns of [false, true]) {
    const qs = mix.map((line, i) => {
      const [name, type] = line.split(' ');
      return packet.encode({
        type: 'query', id: i & 0xffff, flags: 0,
        questions: [{ name, type, class: 'IN' }],
        additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK }] : [],
      });
    });
    for (let i = 0; i < 50_000; i++) r.answer(qs[i % qs.length], 'udp', '127.0.0.1');
    // Steady state: the first passes still pay for compilation and the
    // answers encoded on first use; report the median of five.
    const perQuery = [];
    let bytes = 0;
    for (let rep = 0; rep < 5; rep++) {
      const t0 = process.hrtime.bigint();
      bytes = 0;
      for (let i = 0; i < n; i++) bytes += r.answer(qs[i % qs.length], 'udp', '127.0.0.1').length;
      perQuery.push(Number(process.hrtime.bigint() - t0) / n);
    }
    const ns = perQuery.sort((a, b) => a - b)[2];
    console.log(`${dnssec.padEnd(5)} ${edns ? 'EDNS+DO' : 'no EDNS'}: ${(ns / 1000).toFixed(2)} µs/query median of 5 ` +
      `(${(perQuery[0] / 1000).toFixed(2)}–${(perQuery[4] / 1000).toFixed(2)}; ${Math.round(1e9 / ns).toLocaleString()} q/s on one core), avg answer ${Math.round(bytes / n)} B`);
  }
}
console.log(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
