#!/usr/bin/env node
// Refresh under load (issue 14): query latency at a steady 20,000 qps while new
// serials of the signed root-sized zone are fetched, verified (PGP, ZONEMD,
// DNSSEC), built and swapped by a running `rootmirror serve` in mirror mode
// (--dnssec keep), against the same load with no refresh, and against the
// Node UDP echo (bench/peers/echo.mjs: the floor of this host's UDP path).
//
// Each new serial is the fixture re-signed where the serial shows
// (bench/mirror-kit.mjs: SOA, ZONEMD and their RRSIGs by the fixture's ZSK),
// PGP-signed with a throw-away key, all prepared before the run; a refresh is
// triggered by a NOTIFY for `.` (--notify-from 127.0.0.1/32,
// --notify-min-interval 0) the moment the serial is published. The load
// (bench/load.mjs, a worker thread) records every query's send time and
// latency; an answer later than 1 s or none counts as lost; every answer is
// compared byte for byte (ID aside) with what one of the served serials gives.
// CPU per thread of the daemon from /proc/PID/task/*/stat: the main thread
// (tid = pid) answers queries; the refresh runs in child processes (counted
// from the daemon's cutime/cstime once they have ended) and other threads.
//
//   npm run build && node bench/refresh-load.mjs [--qps 20000] [--seconds 15] [--refreshes 3] [--serve-args '...'] [--json]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildZone } from '../dist/zone/build.js';
import { parseZoneText } from '../dist/zone/parser.js';
import { cleanAnswerer } from './clean-answers.mjs';
import { runLoad } from './load.mjs';
import { BASE_SERIAL, ZONE_FILE, freePort, mirrorArgs, pct, runFetch, signedRootVersions, spawnChild, startServe, startSource, tempDir, threadCpuMs, udpClient } from './mirror-kit.mjs';
import { tldsOf } from './querymix-lib.mjs';
import { swapQueries } from './swap-queries.mjs';
import { arg } from './arg.mjs';

const qps = Number(arg('qps', '20000'));
const seconds = Number(arg('seconds', '15'));
const refreshes = Number(arg('refreshes', '3'));
const json = process.argv.includes('--json');
// More `serve` options, e.g. --serve-args '--ixfr-versions 0' to see what the IXFR journal's diff costs at the swap.
const serveArgs = arg('serve-args', '').split(/\s+/).filter(Boolean);
if (!(qps > 0 && seconds > 0 && refreshes >= 1)) {
  console.error('usage: node bench/refresh-load.mjs [--qps N] [--seconds S] [--refreshes K] [--json]');
  process.exit(2);
}
const LOST_MS = 1000;
const say = (s) => json || process.stderr.write(s + '\n');

// ---- the versions, their answers, the queries
const work = tempDir('rootmirror-refresh-load');
const version = signedRootVersions();
const serials = Array.from({ length: refreshes + 1 }, (_, i) => BASE_SERIAL + i);
const texts = serials.map((s) => (s === BASE_SERIAL ? readFileSync(ZONE_FILE) : version(s)));
const source = await startSource(work);
const sigs = await Promise.all(texts.map((t) => source.sign(t)));
say(`prepared ${serials.length} signed versions (${serials[0]}..${serials.at(-1)})`);
let queries;
let allowed;
{
  // Reference answers from each version, built here once; freed before the load starts.
  const answerers = texts.map((t) => cleanAnswerer(buildZone(parseZoneText(t, {}), { dnssec: 'keep' })));
  queries = swapQueries(tldsOf(texts[0].toString('latin1')), answerers[0], answerers[1]).queries;
  allowed = queries.map((q) => {
    const out = [];
    for (const a of answerers.map((ans) => ans(q))) if (!out.some((b) => Buffer.compare(a, b) === 0)) out.push(a);
    return out;
  });
}

// ---- the daemon, seeded with the base serial
const dataDir = join(work, 'data');
source.publish(texts[0], sigs[0]);
await runFetch([...mirrorArgs(dataDir, source), '--dnssec', 'keep']);
const updates = [];
let onUpdate = () => {};
const d = await startServe(
  [...mirrorArgs(dataDir, source), '--dnssec', 'keep', '--listen', '127.0.0.1:0', '--refresh', '1d', '--refresh-jitter', '0', '--on-expired', 'servfail',
    '--notify-from', '127.0.0.1/32', '--notify-min-interval', '0', ...serveArgs],
  {
    onLine: (j) => {
      const m = /^refresh from \S+?:? (updated|unchanged|failed)\b/.exec(j.msg ?? '');
      if (!m) return;
      updates.push({ atEpochMs: Date.now(), outcome: m[1], serial: j.serial, timings: j.timings });
      onUpdate();
    },
  },
);
say(`rootmirror serve pid ${d.pid} on 127.0.0.1:${d.port}`);
const client = await udpClient();

// ---- the echo peer at the same load
const echoPort = await freePort('127.0.0.1');
const echo = spawnChild(process.execPath, [fileURLToPath(new URL('./peers/echo.mjs', import.meta.url)), '127.0.0.1', String(echoPort)], { stdio: ['ignore', 'ignore', 'pipe'] });
await new Promise((r, rej) => {
  echo.child.stderr.on('data', (b) => /listening/.test(String(b)) && r());
  void echo.exited.then(() => rej(new Error('echo peer exited before listening')));
});

const durationMs = seconds * 1000;
const load = (port, check) => runLoad({ host: '127.0.0.1', port, qps, durationMs, queries, allowed: check ? allowed : undefined, timeline: true, graceMs: LOST_MS + 500 });

/** Latency distribution of the queries sent in [fromMs, toMs) of a run (ms since its start). */
function window(r, fromMs = 0, toMs = Infinity) {
  const lat = [];
  let n = 0;
  let lost = 0;
  for (let i = 0; i < r.sentAtMs.length; i++) {
    const t = r.sentAtMs[i];
    if (t < fromMs || t >= toMs) continue;
    n++;
    const l = r.latencyMs[i];
    if (!(l <= LOST_MS)) lost++;
    else lat.push(l);
  }
  lat.sort((a, b) => a - b);
  return { queries: n, lost, p50: pct(lat, 0.5), p99: pct(lat, 0.99), p999: pct(lat, 0.999), max: lat.at(-1) ?? NaN };
}
// Off the serving thread: other threads of the daemon plus its refresh child processes.
const cpuDelta = (a, b) => ({ mainMs: b.main - a.main, workersMs: b.others - a.others + (b.children - a.children) });

say(`warm-up: 3 s at ${qps} qps`);
await runLoad({ host: '127.0.0.1', port: d.port, qps, durationMs: 3000, queries, allowed });

say(`echo: ${seconds} s at ${qps} qps`);
const echoRun = await load(echoPort, false);
echo.child.kill('SIGTERM');

say(`rootmirror, no refresh: ${seconds} s at ${qps} qps`);
let cpu0 = threadCpuMs(d.pid);
const quietRun = await load(d.port, true);
const quietCpu = cpuDelta(cpu0, threadCpuMs(d.pid));

say(`rootmirror, ${refreshes} refreshes (NOTIFY) in ${seconds} s at ${qps} qps`);
cpu0 = threadCpuMs(d.pid);
const loaded = load(d.port, true);
const swaps = [];
for (let k = 1; k <= refreshes; k++) {
  // Spread over the window: at k/(K+1) of it.
  await new Promise((r) => setTimeout(r, durationMs / (refreshes + 1) - (k === 1 ? 0 : swaps.at(-1).tookMs)));
  const before = updates.length;
  const done = new Promise((r) => (onUpdate = () => updates.length > before && r()));
  source.publish(texts[k], sigs[k]);
  const at = Date.now();
  client.notify(d.port, serials[k]);
  let limit;
  await Promise.race([done, new Promise((_, rej) => (limit = setTimeout(() => rej(new Error(`serial ${serials[k]}: no refresh within 30 s of the NOTIFY:\n${d.log().slice(-3000)}`)), 30_000)))]);
  clearTimeout(limit);
  const u = updates.at(-1);
  if (u.outcome !== 'updated' || u.serial !== serials[k]) throw new Error(`refresh to ${serials[k]} ${u.outcome} (serial ${u.serial}):\n${d.log().slice(-3000)}`);
  swaps.push({ serial: serials[k], notifyEpochMs: at, doneEpochMs: u.atEpochMs, tookMs: u.atEpochMs - at, timings: u.timings });
  say(`  serial ${serials[k]} served ${u.atEpochMs - at} ms after the NOTIFY`);
}
const refreshRun = await loaded;
const refreshCpu = cpuDelta(cpu0, threadCpuMs(d.pid));
const served = await client.soaSerial(d.port, 1000);
if (served !== serials.at(-1)) throw new Error(`after the run the daemon answers serial ${served}, not ${serials.at(-1)}`);
await d.stop();

// Each refresh's window: from its NOTIFY to 3 s after the swap was logged (work on
// the serving thread after the swap, e.g. freeing the old zone, shows up there),
// cut at the next NOTIFY. Where in it the worst latency and the losses fell.
const inRefresh = swaps.map((s, i) => {
  const from = s.notifyEpochMs - refreshRun.startEpochMs;
  const done = s.doneEpochMs - refreshRun.startEpochMs;
  const to = Math.min(done + 3000, i + 1 < swaps.length ? swaps[i + 1].notifyEpochMs - refreshRun.startEpochMs : Infinity);
  let worstAt = NaN;
  let worst = -1;
  const lostAt = [];
  for (let j = 0; j < refreshRun.sentAtMs.length; j++) {
    const t = refreshRun.sentAtMs[j];
    if (t < from || t >= to) continue;
    const l = refreshRun.latencyMs[j];
    if (!(l <= LOST_MS)) lostAt.push(t - done);
    else if (l > worst) [worst, worstAt] = [l, t - done];
  }
  return { serial: s.serial, ...window(refreshRun, from, to), worstSentMsAfterSwap: worstAt, lostSentMsAfterSwap: lostAt.length ? [Math.min(...lostAt), Math.max(...lostAt)] : [] };
});
const rows = {
  echo: { ...window(echoRun), sent: echoRun.sent, mismatched: 0, rate: echoRun.sent / (echoRun.elapsedMs / 1000) },
  quiet: { ...window(quietRun), sent: quietRun.sent, mismatched: quietRun.mismatched, rate: quietRun.sent / (quietRun.elapsedMs / 1000), cpu: quietCpu },
  refresh: { ...window(refreshRun), sent: refreshRun.sent, mismatched: refreshRun.mismatched, rate: refreshRun.sent / (refreshRun.elapsedMs / 1000), cpu: refreshCpu, inRefresh },
};
const date = new Date().toISOString().slice(0, 10);
if (json) {
  console.log(JSON.stringify({ bench: 'refresh-load', date, node: process.versions.node, qps, seconds, refreshes, serveArgs, rows, swaps, zonesSeen: refreshRun.byAllowed }));
  process.exit(0);
}
const f = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
console.log(`\n**Refresh under load** (\`node bench/refresh-load.mjs --seconds ${seconds} --refreshes ${refreshes}${serveArgs.length ? ` --serve-args '${serveArgs.join(' ')}'` : ''}\`; ${date}, Node ${process.versions.node}; ${qps} qps offered for ${seconds} s per row, ${queries.length}-query mix, keep mode; latency in ms, lost = no answer within 1 s)\n`);
console.log('| window | sent | answered qps | p50 | p99 | p99.9 | max | lost | wrong answers | CPU main thread | CPU other threads |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const cpuCols = (c) => (c ? `${c.mainMs.toFixed(0)} ms | ${c.workersMs.toFixed(0)} ms` : '– | –');
const row = (label, r) => console.log(`| ${label} | ${r.sent} | ${Math.round(r.rate)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.max)} | ${r.lost} | ${r.mismatched} | ${cpuCols(r.cpu)} |`);
row('echo (bench/peers/echo.mjs)', rows.echo);
row('rootmirror, no refresh', rows.quiet);
row(`rootmirror, ${refreshes} refreshes`, rows.refresh);
console.log(`\neach refresh, NOTIFY → 3 s after the swap was logged (times of the worst query and of the lost ones relative to that log line):`);
for (const [i, w] of rows.refresh.inRefresh.entries()) {
  const s = swaps[i];
  const lostAt = w.lostSentMsAfterSwap.length ? ` sent ${w.lostSentMsAfterSwap.map((x) => x.toFixed(0)).join('..')} ms` : '';
  console.log(`  serial ${s.serial}: served ${s.tookMs} ms after the NOTIFY (${Object.entries(s.timings ?? {}).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')} ms); ${w.queries} queries, p99 ${f(w.p99)}, p99.9 ${f(w.p999)}, max ${f(w.max)} ms (sent ${w.worstSentMsAfterSwap.toFixed(0)} ms), lost ${w.lost}${lostAt}`);
}
const extraMain = rows.refresh.cpu.mainMs - rows.quiet.cpu.mainMs;
const extraOther = rows.refresh.cpu.workersMs - rows.quiet.cpu.workersMs;
console.log(`CPU of the ${refreshes} refreshes (refresh row − no-refresh row): main thread ${extraMain.toFixed(0)} ms, other threads ${extraOther.toFixed(0)} ms (${(extraOther / refreshes).toFixed(0)} ms a refresh)`);
console.log(`max latency with refreshes ${f(rows.refresh.max)} ms (target ≤ 10 ms on a quiet host: ${rows.refresh.max <= 10 ? 'PASS' : 'FAIL'}), lost ${rows.refresh.lost} (target 0: ${rows.refresh.lost === 0 ? 'PASS' : 'FAIL'})`);
process.exit(0); // the source, the client and the timers would keep the process alive; the exit hook stops children and removes temp dirs
