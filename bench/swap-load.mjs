#!/usr/bin/env node
// Swap under load: a steady UDP load (default 20,000 qps for 10 s, from a
// worker thread) against an in-process server whose ZoneStore is swapped
// between the two fixture root zones every 100 ms. Passes when no query is
// lost and every answer equals, byte for byte (ID aside), the answer of one of
// the two zones: never a mix. (The daemon has no reload signal, hence the
// in-process server: the same startServer() the daemon runs.)
//
//   npm run build && node bench/swap-load.mjs [--qps 20000] [--seconds 10] [--swap-ms 100] [--listen 127.61.5.1:0] [--json]
//
// --json: one JSON line with the numbers instead of the report (test/swap-load.test.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../dist/server/server.js';
import { ZoneStore } from '../dist/zone/store.js';
import { buildZone } from '../dist/zone/build.js';
import { changeBetween } from '../dist/zone/zone-change.js';
import { parseZoneText } from '../dist/zone/parser.js';
import { cleanAnswerer } from './clean-answers.mjs';
import { tldsOf } from './querymix-lib.mjs';
import { runLoad } from './load.mjs';
import { swapQueries } from './swap-queries.mjs';
import { arg } from './arg.mjs';

const qps = Number(arg('qps', '20000'));
const seconds = Number(arg('seconds', '10'));
const swapMs = Number(arg('swap-ms', '100'));
const listen = arg('listen', '127.61.5.1:0');

const fixture = (serial) => fileURLToPath(new URL(`../test/fixtures/root-zone/root.zone.${serial}`, import.meta.url));
const texts = [fixture('2026082200'), fixture('2026082201')].map((f) => readFileSync(f));
const zones = texts.map((t) => buildZone(parseZoneText(t, {}), { dnssec: 'keep' }));
const { queries, allowed, distinguishing } = swapQueries(tldsOf(texts[0].toString('latin1')), cleanAnswerer(zones[0]), cleanAnswerer(zones[1]));

const store = new ZoneStore();
store.swap(zones[0]);
// What changed between the two (the IXFR journal's difference, the change
// report) comes computed from the refresh's child process in the daemon; zones
// built here have it computed now, before the load, not at the first swap.
changeBetween(zones[0], zones[1]);
changeBetween(zones[1], zones[0]);
const server = await startServer({ listen: [listen], store });
const { address, port } = server.addresses[0];
if (!process.argv.includes('--json')) console.log(`swap-load: ${qps} qps for ${seconds} s against ${address}:${port}, zones ${zones.map((z) => z.serial).join(' <-> ')} every ${swapMs} ms; ${queries.length} queries, ${distinguishing} tell the zones apart`);

const swapTimes = [];
const timer = setInterval(() => {
  swapTimes.push(performance.now());
  store.swap(zones[swapTimes.length % 2]);
}, swapMs);
const t0 = performance.now();
const r = await runLoad({ host: address, port, qps, durationMs: seconds * 1000, queries, allowed });
clearInterval(timer);
await server.close();
// Swaps while the load was being sent (the timer also ran during the wait for stragglers).
const during = swapTimes.filter((t) => t <= t0 + r.elapsedMs);
const maxSwapGap = Math.max(...during.slice(1).map((t, i) => t - during[i]));
const swaps = during.length;

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ qps, seconds, swapMs, swaps, maxSwapGap, distinguishing, serials: zones.map((z) => z.serial), ...r }));
  process.exit(0);
}
const fmt = (x) => x.toFixed(2);
console.log(`
sent        ${r.sent} in ${(r.elapsedMs / 1000).toFixed(2)} s = ${Math.round(r.sent / (r.elapsedMs / 1000))} qps (sender held up at most ${fmt(r.maxLagMs)} ms; ${fmt(r.slipMs)} ms of schedule given up rather than sent as bursts)
answered    ${r.answered}
lost        ${r.lost}
duplicates  ${r.duplicates}
mismatched  ${r.mismatched} (answers equal to neither zone's)
zones seen  ${r.byAllowed.map((n, i) => `${zones[i].serial}: ${n}`).join(', ')} (answers to the ${distinguishing} distinguishing queries)
swaps       ${swaps} while sending (longest gap between two ${fmt(maxSwapGap)} ms)
latency     p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms, max ${fmt(r.maxMs)} ms`);
for (const e of r.examples) console.log('mismatch', e);
process.exit(r.lost === 0 && r.mismatched === 0 && r.duplicates === 0 ? 0 : 1);
