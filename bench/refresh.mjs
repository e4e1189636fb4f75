#!/usr/bin/env node
// Refresh benchmark: one full refresh cycle of a signed root-sized zone, step
// by step — download from loopback, PGP, parse, ZONEMD, DNSSEC, build, store
// (fsync + renames), swap — and the CPU time of the whole cycle
// (process.cpuUsage). Target: under 1 s of CPU.
//
//   npx tsc -p tsconfig.json --outDir /tmp/rootmirror-dist
//   node bench/refresh.mjs --dist /tmp/rootmirror-dist [-n RUNS] [--zone FILE] [--anchors FILE]
//
// Defaults: test/fixtures/signed/root.zone.signed (24884 RRs, every RRSIG,
// ZONEMD) with its trust-anchor.ds; 5 timed runs after 1 warm-up, each into a
// fresh data dir. The OpenPGP signature is made here with a throw-away key.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as openpgp from 'openpgp';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let runs = 5;
let dist = join(here, '..', 'dist');
let zoneFile = join(here, '..', 'test/fixtures/signed/root.zone.signed');
let anchors = join(here, '..', 'test/fixtures/signed/trust-anchor.ds');
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-n') runs = Number(args[++i]);
  else if (a === '--dist') dist = resolve(args[++i]);
  else if (a === '--zone') zoneFile = resolve(args[++i]);
  else if (a === '--anchors') anchors = resolve(args[++i]);
  else {
    console.error(`usage: node bench/refresh.mjs [--dist DIR] [-n RUNS] [--zone FILE] [--anchors FILE]`);
    process.exit(2);
  }
}
const mod = (p) => import(pathToFileURL(join(dist, p)).href);
const { Refresher } = await mod('refresh/refresher.js');
const { DEFAULT_FETCH_TIMEOUT_MS } = await mod('refresh/config.js');
const { DataDir } = await mod('refresh/data-dir.js');
const { MemoryLog } = await mod('log.js');
const { createZonePipeline } = await mod('refresh/zone-pipeline.js');
const { loadVerifiers } = await mod('verify/layer-verifiers.js');
const { ZoneStore } = await mod('zone/store.js');

const work = await mkdtemp(join(tmpdir(), 'rootmirror-bench-'));
const zone = await readFile(zoneFile);
const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'bench' }], format: 'object' });
const sig = await openpgp.sign({ message: await openpgp.createMessage({ binary: zone }), signingKeys: privateKey, detached: true, format: 'binary' });
const keyFile = join(work, 'bench.key');
await writeFile(keyFile, publicKey.armor());

const server = createServer((req, res) => {
  const body = req.url === '/root.zone' ? zone : req.url === '/root.zone.sig' ? sig : undefined;
  if (body === undefined) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const layers = ['pgp', 'zonemd', 'dnssec'];
const verifiers = await loadVerifiers({ pgpKeys: [keyFile], trustAnchors: [anchors], layers });
const pipeline = createZonePipeline({ layers, dnssec: 'keep', verifiers });

const rows = [];
for (let i = 0; i < runs + 1; i++) {
  const dir = await mkdtemp(join(work, 'data-'));
  const store = new ZoneStore('servfail');
  const refresher = new Refresher({ dataDir: new DataDir(dir), store, pipeline, sources: [`${base}/root.zone`], log: new MemoryLog(), fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ev = await refresher.refresh();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (ev.outcome !== 'updated') {
    console.error(`refresh failed: ${ev.error?.message}`);
    process.exitCode = 1;
    break;
  }
  const a = ev.attempts[0].timings;
  const p = pipeline.lastTimings;
  const row = {
    download: a.download,
    signature: a.signature,
    pgp: p.pgp,
    parse: p.parse,
    zonemd: p.zonemd,
    dnssec: p.dnssec,
    build: p.build,
    store: a.store,
    swap: a.swap,
    wall,
    cpu: (cpu.user + cpu.system) / 1000,
  };
  if (i > 0) rows.push(row); // first run warms up
  await rm(dir, { recursive: true, force: true });
}
server.close();
await rm(work, { recursive: true, force: true });

if (rows.length > 0) {
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(`refresh of ${zoneFile} (${zone.length} bytes), ${rows.length} runs after 1 warm-up; ms, median [min..max]`);
  for (const k of Object.keys(rows[0])) {
    const xs = rows.map((r) => r[k] ?? 0);
    const label = k === 'cpu' ? 'CPU total (user+sys)' : k === 'wall' ? 'wall total' : k;
    console.log(`  ${label.padEnd(22)}${median(xs).toFixed(1).padStart(9)}  [${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}]`);
  }
  const cpu = median(rows.map((r) => r.cpu));
  console.log(`CPU ${cpu.toFixed(0)} ms: ${cpu < 1000 ? 'under' : 'OVER'} the 1 s target`);
}
