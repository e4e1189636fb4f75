#!/usr/bin/env node
// Master-file parse benchmark: time and memory of parseZoneText on real zones,
// and of parse + zone build when the zone builder is there.
//
//   npm run build && node bench/parse.mjs [-n RUNS] [--dist DIR] [FILE...]
//
// Default files: the 1.2 MB real root zone and the 2.3 MB fully signed one in
// test/fixtures/. For each: 3 warm-up runs, then RUNS timed runs (default 15);
// prints median / min / max in ms. Memory: heap and RSS growth while holding the
// parsed records, measured after a forced GC (the script re-runs itself with
// --expose-gc), plus the heap just after parsing, before any GC.
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
const args = process.argv.slice(2);
let runs = 15;
let dist = join(here, '..', 'dist');
const files = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-n') runs = Number(args[++i]);
  else if (a === '--dist') dist = resolve(args[++i]);
  else if (a.startsWith('-')) {
    console.error(`parse.mjs: unknown option ${a}\nusage: node bench/parse.mjs [-n RUNS] [--dist DIR] [FILE...]`);
    process.exit(2);
  } else files.push(resolve(a));
}
if (!(runs >= 1)) {
  console.error('parse.mjs: -n wants a positive number');
  process.exit(2);
}
if (files.length === 0) {
  files.push(join(here, '../test/fixtures/root-zone/root.zone.2026082200'), join(here, '../test/fixtures/signed/root.zone.signed'));
}

const { parseZoneText } = await import(pathToFileURL(join(dist, 'zone/parser.js')).href);
const { Name } = await import(pathToFileURL(join(dist, 'dns/name.js')).href);
// The zone builder is another module; time it too when it exists.
let buildZone;
for (const mod of ['zone/build.js', 'zone/zone.js']) {
  try {
    const z = await import(pathToFileURL(join(dist, mod)).href);
    if (typeof z.buildZone === 'function') {
      buildZone = z.buildZone;
      break;
    }
  } catch {
    /* not built (yet) */
  }
}
const buildOpts = { origin: Name.root, dnssec: 'keep' };

const MB = 1024 * 1024;
const fmt = (x) => x.toFixed(1);
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

console.log(`node ${process.version}, ${runs} runs after 3 warm-up${buildZone ? '' : ' (no buildZone in dist/zone/: parse only)'}`);
for (const file of files) {
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const text = bytes.toString('latin1');
  const opts = { file, origin: Name.root };

  const parseTimes = [];
  const totalTimes = [];
  let count = 0;
  for (let r = 0; r < runs + 3; r++) {
    const t0 = performance.now();
    const rrs = parseZoneText(text, opts);
    const t1 = performance.now();
    if (buildZone) buildZone(rrs, buildOpts);
    const t2 = performance.now();
    count = rrs.length;
    if (r >= 3) {
      parseTimes.push(t1 - t0);
      totalTimes.push(t2 - t0);
    }
  }

  // Memory: what holding the parsed records costs, and the peak-ish heap right after parsing.
  globalThis.gc();
  globalThis.gc();
  const before = process.memoryUsage();
  let rrs = parseZoneText(text, opts);
  const justAfter = process.memoryUsage();
  globalThis.gc();
  const held = process.memoryUsage();
  let zone;
  let zoneHeld;
  if (buildZone) {
    zone = buildZone(rrs, buildOpts);
    globalThis.gc();
    zoneHeld = process.memoryUsage();
  }
  const keep = [rrs.length, zone];
  rrs = undefined;

  const p = stats(parseTimes);
  const t = stats(totalTimes);
  console.log(`\n${file}: ${(bytes.length / MB).toFixed(2)} MB, ${count} records`);
  console.log(`  parse        median ${fmt(p.median)} ms  (min ${fmt(p.min)}, max ${fmt(p.max)})  ${fmt(bytes.length / MB / (p.median / 1000))} MB/s`);
  if (buildZone) console.log(`  parse+build (dnssec keep)  median ${fmt(t.median)} ms  (min ${fmt(t.min)}, max ${fmt(t.max)})`);
  console.log(`  heap: +${fmt((held.heapUsed - before.heapUsed) / MB)} MB holding the records (after GC), +${fmt((justAfter.heapUsed - before.heapUsed) / MB)} MB right after parsing; total heap ${fmt(held.heapUsed / MB)} MB`);
  if (zoneHeld) console.log(`  heap with the built zone too: ${fmt(zoneHeld.heapUsed / MB)} MB`);
  console.log(`  rss: ${fmt(held.rss / MB)} MB (+${fmt((held.rss - before.rss) / MB)} MB)`);
  void keep;
}
