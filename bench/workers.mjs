#!/usr/bin/env node
// --workers scaling: the answered qps of `serve --workers 1` against
// `--workers 2` (SO_REUSEPORT: each worker its own UDP socket) on loopback,
// the signed root zone fixture with --dnssec keep, the load from
// bench/load.mjs (a paced UDP generator in a worker thread of this process,
// 64 source ports so the kernel's 4-tuple hash spreads them over the
// workers, every answer checked byte for byte).
//
//   npm run build && node bench/workers.mjs [--rounds 3] [--seconds 5] [--rates 20000,30000,...] [--listen 127.61.14.1:0] [--json]
//
// Per round, --workers 1 then 2 (interleaved, so a noisy neighbour hits
// both): a 2 s warm-up, then each offered rate of --rates for --seconds. A
// rate counts as sustained when at most 1% of its queries are lost; "max" is
// the highest sustained rate, "peak" the most answers per second seen at any
// rate. A rate the generator could not keep (its schedule slipped by more
// than 5% of the run: bench/load.mjs never bursts to catch up) is marked
// "generator-bound" and not counted as sustained: past it, the number says
// more about the generator than the server. The server's CPU time per
// answered query (all its processes, /proc/PID/stat) is measured at each rate:
// it moves less with a noisy host than qps does, and shows what a second
// worker costs. Each worker's share of the queries comes from its "stopped" line.
//
// Read the result with the machine in mind: the load generator needs a core
// too. On a 2-core host one worker has a core to itself while the generator
// has the other; two workers share that one core between them and the
// generator, so 2× cannot show here; what can is whether the kernel spreads
// the load and what a second worker costs.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { cleanAnswerer } from './clean-answers.mjs';
import { startServeChild } from './daemon.mjs';
import { runLoad } from './load.mjs';
import { tldsOf } from './querymix-lib.mjs';
import { swapQueries } from './swap-queries.mjs';
import { buildZone } from '../dist/zone/build.js';
import { parseZoneText } from '../dist/zone/parser.js';
import { arg } from './arg.mjs';

const rounds = Number(arg('rounds', '3'));
const seconds = Number(arg('seconds', '5'));
const rates = arg('rates', '20000,30000,40000,50000,60000,70000,80000').split(',').map(Number);
const listen = arg('listen', '127.61.14.1:0');
const json = process.argv.includes('--json');

const ZONE = fileURLToPath(new URL('../test/fixtures/root-zone/root.zone.2026082201', import.meta.url));
const text = readFileSync(ZONE);
const answer = cleanAnswerer(buildZone(parseZoneText(text, {}), { dnssec: 'keep' }));
// One zone: every query has one allowed answer (swapQueries' mix: SOA, ZONEMD, NXDOMAIN and NODATA with DO, DNSKEY, DS, referrals).
const { queries, allowed } = swapQueries(tldsOf(text.toString('latin1')), answer, answer);

async function waitReady(server, workers) {
  const deadline = Date.now() + 60_000;
  while ((server.stderr().match(/"msg":"ready"/g) ?? []).length < workers) {
    if (Date.now() > deadline) throw new Error(`${workers} workers not ready in 60 s:\n${server.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** utime + stime of these processes, in µs (/proc/PID/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuUs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10_000;
}

async function measure(workers) {
  const server = await startServeChild({ zoneFile: ZONE, listen, args: ['--dnssec', 'keep', '--workers', String(workers)] });
  try {
    await waitReady(server, workers);
    const load = (qps, ms) => runLoad({ host: server.host, port: server.port, qps, durationMs: ms, queries, allowed, sockets: 64, graceMs: 1000 });
    const pids = [server.pid, ...[...server.stderr().matchAll(/"msg":"ready".*?"pid":(\d+)/g)].map((m) => Number(m[1]))];
    await load(20_000, 2000);
    const steps = [];
    for (const qps of rates) {
      const cpu0 = cpuUs(pids);
      const r = await load(qps, seconds * 1000);
      const cpuPerQueryUs = (cpuUs(pids) - cpu0) / Math.max(1, r.answered);
      const generatorBound = r.slipMs > 0.05 * seconds * 1000;
      steps.push({ qps, answeredPerSec: Math.round((r.answered * 1000) / r.elapsedMs), lostPct: (100 * r.lost) / r.sent, p99Ms: r.p99Ms, mismatched: r.mismatched, slipMs: Math.round(r.slipMs), generatorBound, cpuPerQueryUs });
      if (r.lost / r.sent > 0.2 || generatorBound) break; // past the limit (the server's or the generator's): higher rates say nothing more
    }
    return {
      workers,
      steps,
      max: Math.max(0, ...steps.filter((s) => s.lostPct <= 1 && !s.generatorBound).map((s) => s.qps)),
      peak: Math.max(...steps.map((s) => s.answeredPerSec)),
      cpuPerQueryUs: steps[0].cpuPerQueryUs,
    };
  } finally {
    await server.stop();
    // Each worker's share of everything it answered (warm-up included).
    const shares = [...server.stderr().matchAll(/"msg":"stopped".*?"queries":(\d+)(?:,"role":"(\w+)")?/g)].map((m) => `${m[2] ?? 'single'} ${m[1]}`);
    if (!json) console.log(`  --workers ${workers}: queries per process ${shares.join(', ')}`);
  }
}

const results = [];
if (!json) console.log(`workers bench: ${cpus().length} CPUs, rates ${rates.join(', ')} qps × ${seconds} s, ${queries.length} queries (keep, DO on most), ${rounds} rounds`);
for (let round = 1; round <= rounds; round++) {
  for (const workers of [1, 2]) {
    const r = await measure(workers);
    results.push({ round, ...r });
    if (!json) {
      console.log(`round ${round} --workers ${workers}: max sustained ${r.max} qps, peak answered ${r.peak}/s`);
      for (const s of r.steps) {
        const notes = `${s.mismatched ? `, MISMATCHED ${s.mismatched}` : ''}${s.slipMs ? `, generator slipped ${s.slipMs} ms${s.generatorBound ? ' (generator-bound)' : ''}` : ''}`;
        console.log(`    offered ${s.qps}: answered ${s.answeredPerSec}/s, lost ${s.lostPct.toFixed(2)}%, p99 ${s.p99Ms.toFixed(2)} ms, server CPU ${s.cpuPerQueryUs.toFixed(1)} µs/query${notes}`);
      }
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = [1, 2].map((w) => {
  const rs = results.filter((r) => r.workers === w);
  return {
    workers: w,
    maxMedian: median(rs.map((r) => r.max)),
    peakMedian: median(rs.map((r) => r.peak)),
    cpuMedian: median(rs.map((r) => r.cpuPerQueryUs)),
    maxPerRound: rs.map((r) => r.max),
    peakPerRound: rs.map((r) => r.peak),
  };
});
if (json) console.log(JSON.stringify({ results, summary }));
else {
  for (const s of summary) {
    console.log(`--workers ${s.workers}: max sustained (≤1% lost, generator on pace) median ${s.maxMedian} qps [${s.maxPerRound.join(', ')}]; peak answered median ${s.peakMedian}/s [${s.peakPerRound.join(', ')}]; server CPU at ${rates[0]} qps median ${s.cpuMedian.toFixed(1)} µs/query`);
  }
  console.log(`--workers 2 / --workers 1: ${(summary[1].peakMedian / summary[0].peakMedian).toFixed(2)}× (peak), ${(summary[1].maxMedian / Math.max(1, summary[0].maxMedian)).toFixed(2)}× (sustained)`);
}
if (results.some((r) => r.steps.some((s) => s.mismatched > 0))) process.exitCode = 1;
