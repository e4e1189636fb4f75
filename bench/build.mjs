#!/usr/bin/env node
// Zone build benchmark: time and heap of buildZone() (src/zone/build.ts) on real
// zones, apart from parsing (bench/parse.mjs times parse + build together),
// plus the per-query cost of lookup() and answerKey() on a resolver-like mix.
//
//   npm run build && node bench/build.mjs [-n RUNS] [FILE...]
//
// Default file: test/fixtures/signed/root.zone.signed (2.2 MB, every RRset
// signed). Prints median/min/max ms over RUNS builds (default 15, after 3
// warm-ups) in keep and strip mode, the heap the built zone holds beyond its
// input records (after a forced GC), and lookups per second.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const args = process.argv.slice(2);
let runs = 15;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-n') runs = Number(args[++i]);
  else if (args[i].startsWith('-')) {
    console.error(`build.mjs: unknown option ${args[i]}\nusage: node bench/build.mjs [-n RUNS] [FILE...]`);
    process.exit(2);
  } else files.push(resolve(args[i]));
}
if (files.length === 0) files.push(join(here, '../test/fixtures/signed/root.zone.signed'));

const load = (m) => import(pathToFileURL(join(dist, m)).href);
const { parseZoneText } = await load('zone/parser.js');
const { buildZone } = await load('zone/build.js');
const { lookup, answerKey } = await load('zone/lookup.js');
const { Name } = await load('dns/name.js');

const mb = (b) => (b / 1048576).toFixed(1) + ' MB';
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[s.length >> 1].toFixed(1)} ms  min ${s[0].toFixed(1)}  max ${s[s.length - 1].toFixed(1)}`;
};

for (const file of files) {
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const records = parseZoneText(bytes, { file, origin: Name.root });
  console.log(`${file}: ${(bytes.length / 1e6).toFixed(2)} MB, ${records.length} records`);
  for (const dnssec of ['keep', 'strip']) {
    const times = [];
    for (let i = 0; i < runs + 3; i++) {
      const t0 = performance.now();
      buildZone(records, { dnssec, origin: Name.root });
      if (i >= 3) times.push(performance.now() - t0);
    }
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    const zone = buildZone(records, { dnssec, origin: Name.root });
    globalThis.gc();
    const held = process.memoryUsage().heapUsed - before;
    console.log(`  build ${dnssec.padEnd(5)} ${stats(times)}  zone holds +${mb(held)} beyond the records (heap now ${mb(process.memoryUsage().heapUsed)})`);

    // Query mix: 60% names under TLDs (referrals), 35% nonexistent TLDs, 5% apex.
    const tlds = zone.delegations.map((d) => d.name.toString());
    const qs = [];
    for (let i = 0; i < 20000; i++) {
      const r = i % 20;
      const n = r < 12 ? `www${i}.${tlds[i % tlds.length]}` : r < 19 ? `nx${i}.` : '.';
      qs.push(Name.fromText(n));
    }
    for (const dnssecOk of [false, true]) {
      const t0 = performance.now();
      let k = 0;
      for (let rep = 0; rep < 5; rep++) for (const q of qs) k += lookup(zone, q, 1, { dnssecOk }).answer.length + answerKey(zone, q, 1, dnssecOk).length;
      const per = (performance.now() - t0) / (qs.length * 5);
      console.log(`  lookup+answerKey ${dnssec} DO=${dnssecOk ? 1 : 0}: ${(per * 1000).toFixed(2)} µs/query (${Math.round(1000 / per)} q/s) [${k}]`);
    }
  }
  globalThis.gc();
  console.log(`  heap with records + last zone: ${mb(process.memoryUsage().heapUsed)}`);
}
