#!/usr/bin/env node
// Why the server has two query readers: the cost of reading one query with
// the fast reader (server/fast-query.ts, WireQuery.read) and with the
// reference reader (server/query.ts, readQuery) on the resolver-like mix
// (bench/querymix.mjs), with and without an EDNS OPT. Median of five passes.
//   npm run build && node bench/query-readers.mjs [ZONEFILE] [-n QUERIES]
import { execFileSync } from 'node:child_process';
import packet from 'dns-packet';
import { WireQuery } from '../dist/server/fast-query.js';
import { readQuery } from '../dist/server/query.js';

const file = process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2] : 'test/fixtures/root-zone/root.zone.2026082200';
const n = Number(process.argv[process.argv.indexOf('-n') + 1] ?? 0) || 1_000_000;
const mix = execFileSync(process.execPath, ['bench/querymix.mjs', file, '-n', '20000']).toString().trim().split('\n');

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

for (const edns of [false, true]) {
  const qs = mix.map((line, i) => {
    const [name, type] = line.split(' ');
    return packet.encode({
      type: 'query', id: i & 0xffff, flags: packet.RECURSION_DESIRED,
      questions: [{ name, type, class: 'IN' }],
      additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK }] : [],
    });
  });
  const fast = new WireQuery();
  const readers = {
    'fast (WireQuery.read)': (q) => (fast.read(q) ? fast.qtype : -1),
    'reference (readQuery)': (q) => { const v = readQuery(q); return v.kind === 'query' ? v.question.qtype : -1; },
  };
  for (const [label, read] of Object.entries(readers)) {
    let sink = 0;
    for (let i = 0; i < 200_000; i++) sink += read(qs[i % qs.length]);
    const perQuery = [];
    for (let rep = 0; rep < 5; rep++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) sink += read(qs[i % qs.length]);
      perQuery.push(Number(process.hrtime.bigint() - t0) / n);
    }
    const ns = median(perQuery);
    console.log(`${edns ? 'EDNS+DO' : 'no EDNS'}  ${label.padEnd(22)} ${ns.toFixed(0).padStart(4)} ns/query median of 5 (${Math.min(...perQuery).toFixed(0)}–${Math.max(...perQuery).toFixed(0)}) [${sink > 0 ? 'ok' : '?'}]`);
  }
}
