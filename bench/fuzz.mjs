#!/usr/bin/env node
// Robustness run against the real daemon: at least 1,000,000 random and
// mutated packets (bench/fuzz-packets.mjs) over UDP, a share over TCP, valid
// probes interleaved whose answers must equal a clean in-process server's,
// RSS of the daemon sampled along the way. Seeded and reproducible.
//
//   npm run build && node bench/fuzz.mjs [--packets 1000000] [--seed S]
//       [--zone FILE] [--dnssec keep|strip] [--listen 127.61.1.1:0] [--lanes 4] [--batch 64] [--tcp-every 50] [--tcp-rounds 3]
//
// Then TCP abuse (bench/tcp-abuse-run.mjs): 2,000 idle connections against the
// cap of 256, slow writers, clients that never read or half-close, length
// prefixes 0 and 65535.
//
// Exit status 0 only if the daemon is alive at the end, every probe matched
// (before, after the fuzz, after the TCP abuse), memory is flat (RSS at the
// end of the fuzz within 64 MB of the first checkpoint; after a forced full GC
// through the inspector, heap used within 8 MB of where it started, RSS within
// 64 MB and no higher after the last TCP round than after the first), fds stayed under the cap and came back down, and every
// abusive connection was closed by the daemon.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildZone } from '../dist/zone/build.js';
import { parseZoneText } from '../dist/zone/parser.js';
import { cleanAnswerer } from './clean-answers.mjs';
import { handled, metrics, rssKb, startServeChild, fdCount } from './daemon.mjs';
import { probeQueries } from './fuzz-packets.mjs';
import { tldsOf } from './querymix-lib.mjs';
import { checkAllProbes, runFuzz } from './fuzz-run.mjs';
import { runTcpAbuse } from './tcp-abuse-run.mjs';
import { arg } from './arg.mjs';

const packets = Number(arg('packets', '1000000'));
const seed = Number(arg('seed', String(Date.now() % 2 ** 31)));
const zoneFile = arg('zone', fileURLToPath(new URL('../test/fixtures/root-zone/root.zone.2026082201', import.meta.url)));
const dnssec = arg('dnssec', 'keep');
const listen = arg('listen', `127.61.1.${1 + (process.pid % 250)}:0`);
const lanes = Number(arg('lanes', '4'));
const batch = Number(arg('batch', '64'));
const tcpEvery = Number(arg('tcp-every', '50'));
const tcpRounds = Number(arg('tcp-rounds', '3'));
console.log(`fuzz: seed ${seed} (rerun with --seed ${seed}), ${packets} packets, zone ${zoneFile}, dnssec ${dnssec}`);

// The clean server: same zone, in-process, never fuzzed.
const text = readFileSync(zoneFile);
const clean = cleanAnswerer(buildZone(parseZoneText(text, { file: zoneFile }), { dnssec }));
const probes = probeQueries(tldsOf(text.toString('latin1')), seed).map((p) => ({ ...p, udp: clean(p.query, 'udp'), tcp: clean(p.query, 'tcp') }));

// A 2 s TCP idle timeout so the TCP abuse phase sees slow writers and stalled clients closed quickly.
const IDLE_S = 2;
const d = await startServeChild({ zoneFile, listen, args: ['--dnssec', dnssec, '--tcp-idle-timeout', String(IDLE_S)], inspect: true });
let crashed = null;
void d.exited.then((e) => (crashed = e));
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const startBad = await checkAllProbes(d.host, d.port, probes);
// Memory after a forced full GC (through the inspector): live data only, the number that must stay flat.
const gcStart = await d.heapAfterGc();
const rssStart = rssKb(d.pid);
console.log(`daemon pid ${d.pid} on ${d.host}:${d.port}, rss after start ${mb(rssStart)}, fds ${fdCount(d.pid)}, ${probes.length} probes ${startBad.length === 0 ? 'all match' : `MISMATCH ${startBad.join('; ')}`}`);

const stats = await runFuzz({
  host: d.host,
  port: d.port,
  seed,
  packets,
  probes,
  seeds: probes.map((p) => p.query),
  lanes,
  batch,
  tcpEvery,
  rss: () => rssKb(d.pid),
  log: (l) => console.log(`  ${l}`),
});
const first = stats.rss[1]?.kb ?? rssStart;
const last = stats.rss.at(-1).kb;
const m = crashed ? {} : await metrics(d.http);
const afterUdpBad = crashed ? ['daemon exited'] : await checkAllProbes(d.host, d.port, probes);
const rssAfterUdp = crashed ? NaN : rssKb(d.pid);
const gcAfterUdp = crashed ? undefined : await d.heapAfterGc();

// TCP abuse, then wait out the idle timeout: everything the abusers left must be closed by the daemon.
const fdsBefore = fdCount(d.pid);
let abuse;
let leftOpen = 0; // stays 0 with --tcp-rounds 0: nothing was opened
const rssTcp = [];
const gcTcp = [];
for (let round = 1; round <= tcpRounds && !crashed; round++) {
  console.log(`tcp abuse round ${round}/${tcpRounds} (daemon fds ${fdCount(d.pid)}, --tcp-idle-timeout ${IDLE_S}s):`);
  abuse = await runTcpAbuse({ host: d.host, port: d.port, fds: () => fdCount(d.pid), log: (l) => console.log(`  ${l}`) });
  // The daemon, not us, must close the never-reading and 65535-prefix connections: watch its fds.
  const deadline = Date.now() + 4 * IDLE_S * 1000;
  while (!crashed && fdCount(d.pid) > fdsBefore + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  leftOpen = Math.max(0, fdCount(d.pid) - fdsBefore);
  abuse.cleanup();
  rssTcp.push(rssKb(d.pid));
  gcTcp.push(await d.heapAfterGc());
  console.log(`  daemon sockets left open after the idle timeout: ${leftOpen}; rss ${mb(rssTcp.at(-1))}, after a full GC: rss ${mb(gcTcp.at(-1).rss)}, heap used ${mb(gcTcp.at(-1).heapUsed)}`);
  if (leftOpen > 2) break;
}
await new Promise((r) => setTimeout(r, 500));
const endBad = crashed ? ['daemon exited'] : await checkAllProbes(d.host, d.port, probes);
// RSS during and right after the abuse includes garbage V8 has not collected
// yet and may keep for a long time; after a forced full GC it is live data.
const rssPeak = Math.max(...stats.rss.map((x) => x.kb), ...rssTcp);
const gcEnd = crashed ? undefined : await d.heapAfterGc();
const fds = fdCount(d.pid);
const rate = Math.round(stats.sent / (stats.elapsedMs / 1000));

console.log(`
sent            ${stats.sent} packets (${stats.sentTcp} over TCP) in ${(stats.elapsedMs / 1000).toFixed(1)} s = ${rate} packets/s
by mutator      ${Object.entries(stats.kinds).map(([k, v]) => `${k} ${v}`).join(', ')}
daemon read     ${handled(m)} messages (answered or dropped by it) of ${stats.messages + 2 * probes.length} sent (fuzz, probes, retries, start check); malformed ${m.rootmirror_dns_malformed_total}
responses       ${stats.responses} to fuzz packets; bad ${stats.badResponses}; over 1232 octets ${stats.oversizeResponses}
probes          ${stats.probes} checked (${stats.tcpProbes} over TCP), ${stats.probeRetries} UDP retries, mismatches ${stats.mismatches.length}; all ${probes.length} over UDP+TCP after the fuzz: ${afterUdpBad.length === 0 ? 'match' : afterUdpBad.join('; ')}, after the TCP abuse: ${endBad.length === 0 ? 'match' : endBad.join('; ')}
tcp abuse       ${abuse ? JSON.stringify(abuse.stats) : '-'} (last round of ${rssTcp.length}); daemon sockets still open ${4 * IDLE_S} s later: ${leftOpen}; rss after each round ${rssTcp.map(mb).join(', ')}
rss             start ${mb(rssStart)}, first checkpoint ${mb(first)}, end of fuzz ${mb(last)} (${mb(rssAfterUdp)} after the probe check), peak ${mb(rssPeak)} (no forced GC); fuzz samples ${stats.rss.map((s) => (s.kb / 1024).toFixed(0)).join(' ')}
after full GC   start: rss ${mb(gcStart.rss)} heap ${mb(gcStart.heapUsed)}; after the fuzz: rss ${mb(gcAfterUdp?.rss)} heap ${mb(gcAfterUdp?.heapUsed)}; after each TCP round: ${gcTcp.map((g) => `rss ${mb(g.rss)} heap ${mb(g.heapUsed)}`).join(', ')}; end: rss ${mb(gcEnd?.rss)} heap ${mb(gcEnd?.heapUsed)}
fds             ${fdsBefore} before the TCP abuse, at most ${abuse?.stats.maxFds ?? NaN} during, ${fds} at the end
crashes         ${crashed ? `1 (exit ${crashed.code ?? crashed.signal})` : 0}`);
for (const x of stats.mismatches) console.log('mismatch', x);
for (const f of stats.failures) console.log('failure', f);

const ok =
  !crashed &&
  stats.mismatches.length === 0 &&
  stats.failures.length === 0 &&
  [startBad, afterUdpBad, endBad].every((b) => b.length === 0) &&
  stats.badResponses === 0 &&
  stats.oversizeResponses === 0 &&
  last - first < 64 * 1024 &&
  gcEnd.heapUsed - gcStart.heapUsed < 8 * 1024 &&
  gcEnd.rss - gcStart.rss < 64 * 1024 &&
  // a plateau: more rounds of abuse add nothing
  (tcpRounds === 0 || gcEnd.rss - gcTcp[0].rss < 8 * 1024) &&
  leftOpen <= 2 &&
  fds <= fdsBefore + 2 &&
  (tcpRounds === 0 || (abuse.stats.maxFds < fdsBefore + 256 + 16 && abuse.stats.halfCloseAnswers === 5000));
if (!ok) {
  const dump = join(tmpdir(), `rootmirror-fuzz-failure-${seed}.json`);
  writeFileSync(dump, JSON.stringify({ seed, stats, stderr: d.stderr() }, null, 1));
  console.log(`FAILED; last packets and daemon stderr in ${dump}`);
}
if (!crashed) await d.stop();
process.exit(ok ? 0 : 1);
