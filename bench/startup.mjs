#!/usr/bin/env node
// Start-up benchmark (issue 14): spawn → first `. SOA` answered NOERROR with
// the expected serial, for
//   mirror     `rootmirror serve` in mirror mode with a populated data dir (a
//              verified copy stored beforehand by `rootmirror fetch`; the
//              source is shut down before the runs, and --refresh 1d, so the
//              source is not needed to start), --dnssec keep,
//              --verify pgp,zonemd,dnssec;
//   nsd        `nsd -d` on the same zone file (config in a temp dir);
//   zone-file  `rootmirror serve --zone-file` on the same file (reference:
//              no layer named, so none checked), --dnssec keep.
// Zone: the signed root-sized fixture (24,884 records). N rounds, the servers
// interleaved within each round (the host is noisy: compare within a run).
// Each start is polled with a `. SOA` query every 2 ms on its own loopback
// address; the server is stopped (SIGTERM) before the next starts.
// Whatever the build does at start is what is measured: until the persisted
// zone image lands, mirror mode re-verifies and rebuilds the stored copy.
//
//   npm run build && node bench/startup.mjs [-n 10] [--json]
//
// --json: one JSON line with every sample and the summary instead of the table.

import dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_SERIAL, BIN, DEPLOYED_ENV, HINTS, MB, ZONE_FILE, freePort, mirrorArgs, pct, runFetch, soaSerialOf, spawnChild, startSource, tempDir } from './mirror-kit.mjs';

const args = process.argv.slice(2);
let runs = 10;
const json = args.includes('--json');
const LIMIT_MS = 60_000;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-n') runs = Number(args[++i]);
  else if (args[i] !== '--json') {
    console.error('usage: node bench/startup.mjs [-n RUNS] [--json]');
    process.exit(2);
  }
}
if (!(runs >= 1)) {
  console.error('-n: give a number of runs ≥ 1');
  process.exit(2);
}
const NSD = '/usr/sbin/nsd';
if (!existsSync(NSD)) {
  console.error(`${NSD} not found: install nsd (Debian package nsd) to compare with it`);
  process.exit(1);
}

const work = tempDir('rootmirror-startup');
const dataDir = join(work, 'data');
const source = await startSource(work);
const zone = readFileSync(ZONE_FILE);
source.publish(zone, await source.sign(zone));
await runFetch([...mirrorArgs(dataDir, source), '--dnssec', 'keep']);
// From here on the source is gone: a start that needed it would not answer.
await source.close();

/** Spawn `cmd`, then query `. SOA` every 2 ms until an answer carries `serial`; ms from spawn, and the child stopped. */
async function timeToFirstAnswer(name, host, port, cmd, argv, killSignal) {
  const sock = dgram.createSocket('udp4');
  sock.on('error', () => {}); // ICMP port unreachable while the server is not up yet
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  let id = 0;
  let answered;
  const got = new Promise((r) => (answered = r));
  sock.on('message', (m) => soaSerialOf(m) === BASE_SERIAL && answered(performance.now()));
  const t0 = performance.now();
  const { child, exited } = spawnChild(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: DEPLOYED_ENV }, killSignal);
  let err = '';
  child.stderr.on('data', (d) => err.length < 20_000 && (err += d));
  const send = () => {
    id = (id + 1) & 0xffff;
    sock.send(Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]), port, host);
  };
  const timer = setInterval(send, 2);
  send();
  const early = exited.then(({ code, signal }) => {
    throw new Error(`${name} exited (${code ?? signal}) before answering:\n${err}`);
  });
  let limit;
  const timeout = new Promise((_, rej) => (limit = setTimeout(() => rej(new Error(`${name}: no answer with serial ${BASE_SERIAL} within ${LIMIT_MS} ms:\n${err}`)), LIMIT_MS)));
  try {
    return (await Promise.race([got, early, timeout])) - t0;
  } finally {
    clearInterval(timer);
    clearTimeout(limit);
    sock.close();
    early.catch(() => {});
    child.kill('SIGTERM');
    await exited;
  }
}

const nsdDir = join(work, 'nsd');
const servers = {
  mirror: (host, port) => [
    process.execPath,
    ['--max-semi-space-size=1', BIN, 'serve', ...mirrorArgs(dataDir, source), '--dnssec', 'keep', '--refresh', '1d', '--refresh-jitter', '0', '--on-expired', 'servfail',
      '--listen', `${host}:${port}`, '--http', `${host}:0`, '--root-hints', HINTS, '--monitor-interval', '0', '--log-level', 'warn'],
  ],
  nsd: (host, port) => {
    writeFileSync(join(nsdDir, 'nsd.conf'), `server:
  ip-address: ${host}@${port}
  username: ""
  chroot: ""
  zonesdir: "${nsdDir}"
  pidfile: "${nsdDir}/nsd.pid"
  database: ""
  xfrdfile: "${nsdDir}/xfrd.state"
  zonelistfile: "${nsdDir}/zone.list"
  logfile: "${nsdDir}/nsd.log"
remote-control:
  control-enable: no
zone:
  name: "."
  zonefile: "${ZONE_FILE}"
`);
    return [NSD, ['-d', '-c', join(nsdDir, 'nsd.conf')], 'SIGTERM']; // SIGTERM: nsd stops its server children itself
  },
  'zone-file': (host, port) => [
    process.execPath,
    ['--max-semi-space-size=1', BIN, 'serve', '--zone-file', ZONE_FILE, '--dnssec', 'keep', '--listen', `${host}:${port}`, '--http', `${host}:0`, '--root-hints', HINTS,
      '--monitor-interval', '0', '--log-level', 'warn'],
  ],
};
mkdirSync(nsdDir);

const samples = Object.fromEntries(Object.keys(servers).map((k) => [k, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, make] of Object.entries(servers)) {
    const host = `127.14.${r % 250}.${Object.keys(servers).indexOf(name) + 1}`;
    const port = await freePort(host);
    const [cmd, argv, sig] = make(host, port);
    const ms = await timeToFirstAnswer(name, host, port, cmd, argv, sig);
    samples[name].push(ms);
    if (!json) process.stderr.write(`round ${r + 1}/${runs} ${name}: ${ms.toFixed(0)} ms\n`);
  }
}

const summary = Object.fromEntries(
  Object.entries(samples).map(([k, xs]) => {
    const s = [...xs].sort((a, b) => a - b);
    return [k, { runs: s.length, median: pct(s, 0.5), p90: pct(s, 0.9), min: s[0], max: s.at(-1) }];
  }),
);
const ratio = summary.mirror.median / summary.nsd.median;
const date = new Date().toISOString().slice(0, 10);
if (json) {
  console.log(JSON.stringify({ bench: 'startup', date, node: process.versions.node, runs, zoneBytes: zone.length, samples, summary, ratioMirrorToNsd: ratio }));
  process.exit(0);
}
const f = (ms) => `${ms.toFixed(0)} ms`;
console.log(`\n**Start-up** (\`node bench/startup.mjs -n ${runs}\`; ${date}, Node ${process.versions.node}; the signed root-sized fixture, ${MB(zone.length).toFixed(1)} MB, 24,884 records; spawn → first \`. SOA\` answered with the serial, polled every 2 ms; servers interleaved)\n`);
console.log('| server | runs | median | p90 | min | max |');
console.log('|---|---:|---:|---:|---:|---:|');
const label = { mirror: 'rootmirror serve, mirror mode, data dir populated, --verify pgp,zonemd,dnssec', nsd: 'nsd -d', 'zone-file': 'rootmirror serve --zone-file (reference)' };
for (const [k, s] of Object.entries(summary)) console.log(`| ${label[k]} | ${s.runs} | ${f(s.median)} | ${f(s.p90)} | ${f(s.min)} | ${f(s.max)} |`);
console.log(`\nrootmirror (mirror) ÷ NSD, medians: ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? 'PASS' : 'FAIL'}); mirror median ${f(summary.mirror.median)} (target ≤ 150 ms on a quiet host: ${summary.mirror.median <= 150 ? 'PASS' : 'FAIL'})`);
process.exit(0); // the exit hook stops children and removes temp dirs
