#!/usr/bin/env node
// RSS soak (issue 14): `rootmirror serve` in mirror mode (--dnssec keep,
// --verify pgp,zonemd,dnssec) serving the signed root-sized zone through N
// refreshes (default 100), each to a new serial that verifies with every
// layer (bench/mirror-kit.mjs re-signs the SOA and ZONEMD with the fixture's
// ZSK; PGP with a throw-away key), triggered by NOTIFY the moment it is
// published, the next one as soon as the last is served; a light load of
// `. SOA` queries (200 qps) throughout. The daemon's VmRSS is sampled every
// 100 ms; its heap (nodejs_heap_size_used_bytes) read from /metrics at the
// checkpoints. Reported: RSS steady after start, the peak during the
// refreshes, after every 10th refresh, after an idle period at the end, and
// the least-squares slope of RSS after each refresh over the last half (MB
// per 100 refreshes: flat is ~0). Each RSS is split into anonymous memory
// (what the daemon wrote: V8 heap, buffers, malloc) and file-backed pages
// (nearly all the node executable's code, shared with every Node process),
// with a bare `node` measured the same way in the same run for reference.
//
//   npm run build && node bench/rss-soak.mjs [--refreshes 100] [--idle 30] [--json]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_SERIAL, MB, ZONE_FILE, metric, mirrorArgs, runFetch, rssBytes, rssParts, bareNodeRss, signedRootVersions, startServe, startSource, tempDir, udpClient } from './mirror-kit.mjs';
import { arg } from './arg.mjs';

const refreshes = Number(arg('refreshes', '100'));
const idleS = Number(arg('idle', '30'));
const json = process.argv.includes('--json');
if (!(refreshes >= 4 && idleS >= 0)) {
  console.error('usage: node bench/rss-soak.mjs [--refreshes N ≥ 4] [--idle SECONDS] [--json]');
  process.exit(2);
}
const say = (s) => json || process.stderr.write(s + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const work = tempDir('rootmirror-rss-soak');
const version = signedRootVersions();
const source = await startSource(work);
const base = readFileSync(ZONE_FILE);
source.publish(base, await source.sign(base));
const dataDir = join(work, 'data');
await runFetch([...mirrorArgs(dataDir, source), '--dnssec', 'keep']);

let last;
let onUpdate = () => {};
const d = await startServe(
  [...mirrorArgs(dataDir, source), '--dnssec', 'keep', '--listen', '127.0.0.1:0', '--refresh', '1d', '--refresh-jitter', '0', '--on-expired', 'servfail',
    '--notify-from', '127.0.0.1/32', '--notify-min-interval', '0'],
  {
    onLine: (j) => {
      const m = /^refresh from \S+?:? (updated|unchanged|failed)\b/.exec(j.msg ?? '');
      if (!m) return;
      last = { outcome: m[1], serial: j.serial };
      onUpdate();
    },
  },
);
say(`rootmirror serve pid ${d.pid} on 127.0.0.1:${d.port}`);

// RSS every 100 ms; light query load, every answer's serial checked to be one we published.
const samples = [];
const sampler = setInterval(() => samples.push({ t: performance.now(), rss: rssBytes(d.pid) }), 100);
const client = await udpClient();
const q = { sent: 0, answered: 0 };
const querier = setInterval(() => {
  q.sent++;
  void client.soaSerial(d.port, 1000).then((s) => s !== undefined && q.answered++);
}, 5);
const peakSince = (t0) => Math.max(...samples.filter((s) => s.t >= t0).map((s) => s.rss));
const checkpoint = async (label) => ({ label, ...rssParts(d.pid), heapUsed: await metric(d.http, 'nodejs_heap_size_used_bytes') });

await sleep(5000);
const points = [await checkpoint('steady after start (5 s)')];
const tStart = performance.now();
const afterEach = [];
const tookMs = [];
for (let k = 1; k <= refreshes; k++) {
  const serial = BASE_SERIAL + k;
  const bytes = version(serial);
  const sig = await source.sign(bytes);
  const done = new Promise((r) => (onUpdate = r));
  source.publish(bytes, sig);
  const t = performance.now();
  client.notify(d.port, serial);
  let limit;
  await Promise.race([done, new Promise((_, rej) => (limit = setTimeout(() => rej(new Error(`serial ${serial}: no refresh within 60 s of the NOTIFY:\n${d.log().slice(-3000)}`)), 60_000)))]);
  clearTimeout(limit);
  if (last.outcome !== 'updated' || last.serial !== serial) throw new Error(`refresh to ${serial}: ${last.outcome} (serial ${last.serial}):\n${d.log().slice(-3000)}`);
  tookMs.push(performance.now() - t);
  afterEach.push(rssBytes(d.pid));
  if (k % 10 === 0) {
    points.push(await checkpoint(`after ${k} refreshes`));
    say(`${k}/${refreshes}: RSS ${MB(points.at(-1).rss).toFixed(1)} MB, heap ${MB(points.at(-1).heapUsed).toFixed(1)} MB`);
  }
}
const peak = peakSince(tStart);
await sleep(idleS * 1000);
points.push(await checkpoint(`after ${idleS} s idle`));
clearInterval(querier);
clearInterval(sampler);
const served = await client.soaSerial(d.port, 1000);
if (served !== BASE_SERIAL + refreshes) throw new Error(`at the end the daemon answers serial ${served}, not ${BASE_SERIAL + refreshes}`);
await d.stop();
const bare = await bareNodeRss();

// Least squares over the last half: RSS after refresh k against k, in MB per 100 refreshes.
const half = afterEach.slice(Math.floor(refreshes / 2));
const xs = half.map((_, i) => i);
const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
const my = half.reduce((a, b) => a + b, 0) / half.length;
const slope = xs.reduce((a, x, i) => a + (x - mx) * (half[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
const slopeMbPer100 = MB(slope * 100);
const sortedTook = [...tookMs].sort((a, b) => a - b);
const date = new Date().toISOString().slice(0, 10);
const result = {
  bench: 'rss-soak',
  date,
  node: process.versions.node,
  refreshes,
  idleS,
  layers: 'pgp,zonemd,dnssec',
  points: points.map((p) => ({ label: p.label, rssMB: +MB(p.rss).toFixed(1), anonMB: +MB(p.anon).toFixed(1), fileMB: +MB(p.file).toFixed(1), heapUsedMB: +MB(p.heapUsed).toFixed(1) })),
  bareNode: { rssMB: +MB(bare.rss).toFixed(1), anonMB: +MB(bare.anon).toFixed(1), fileMB: +MB(bare.file).toFixed(1) },
  peakRssMB: +MB(peak).toFixed(1),
  slopeMBPer100: +slopeMbPer100.toFixed(2),
  refreshMs: { median: sortedTook[Math.floor(sortedTook.length / 2)], max: sortedTook.at(-1) },
  queries: q,
};
if (json) {
  console.log(JSON.stringify(result));
  process.exit(0);
}
console.log(`\n**RSS soak** (\`node bench/rss-soak.mjs --refreshes ${refreshes} --idle ${idleS}\`; ${date}, Node ${process.versions.node}; mirror mode, --dnssec keep, --verify pgp,zonemd,dnssec, the signed root-sized zone; ${refreshes} NOTIFY-triggered refreshes back to back, each a new serial, ~200 qps of \`. SOA\` throughout; VmRSS sampled every 100 ms)\n`);
console.log('| when | RSS | anonymous | file-backed (node executable) | heap used |');
console.log('|---|---:|---:|---:|---:|');
for (const p of result.points) console.log(`| ${p.label} | ${p.rssMB} MB | ${p.anonMB} MB | ${p.fileMB} MB | ${p.heapUsedMB} MB |`);
const b = result.bareNode;
console.log(`| bare \`node -e\` (same flags, same run) | ${b.rssMB} MB | ${b.anonMB} MB | ${b.fileMB} MB | – |`);
console.log(`\npeak RSS during the refreshes: ${result.peakRssMB} MB (target ≤ 90 MB: ${result.peakRssMB <= 90 ? 'PASS' : 'FAIL'}); steady ${result.points[0].rssMB} MB (target ≤ 60 MB: ${result.points[0].rssMB <= 60 ? 'PASS' : 'FAIL'})`);
console.log(`RSS slope over the last ${half.length} refreshes: ${result.slopeMBPer100} MB per 100 refreshes`);
console.log(`refresh NOTIFY → served: median ${result.refreshMs.median.toFixed(0)} ms, max ${result.refreshMs.max.toFixed(0)} ms; queries ${q.answered} answered of ${q.sent}`);
process.exit(0); // the exit hook stops the daemon's children and removes temp dirs
