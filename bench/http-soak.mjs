#!/usr/bin/env node
// HTTP matrix soak: N refresh cycles (default 1000) of a live mirror — the
// real listeners answering UDP from the store while the real Refresher
// fetches, verifies (PGP, openpgp) and swaps — each cycle against one row of
// the matrix in bench/http-sources.mjs: a legal framing (the copy is taken),
// or a misbehaving source followed by a good one (the bad one fails in one
// line, the good one is taken). A UDP querier asks the SOA all along.
//
//   npm run build && node bench/http-soak.mjs [-n CYCLES] [--fetch-timeout MS]
//
// Prints crashes (uncaught exceptions / unhandled rejections), hung cycles
// (longer than the deadline + 5 s), wrong outcomes, queries unanswered or
// answered with another serial than the one held, and RSS every 10% of the run.
// Exit 0 only when all of those are zero and RSS did not keep growing.
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import packet from 'dns-packet';
import * as openpgp from 'openpgp';
import { FRAMINGS, MISBEHAVING, RawHttpServer } from './http-sources.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let cycles = 1000;
let fetchTimeoutMs = 300;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-n') cycles = Number(args[++i]);
  else if (args[i] === '--fetch-timeout') fetchTimeoutMs = Number(args[++i]);
  else {
    console.error('usage: node bench/http-soak.mjs [-n CYCLES] [--fetch-timeout MS]');
    process.exit(2);
  }
}
const mod = (p) => import(pathToFileURL(join(here, '..', 'dist', p)).href);
const { Refresher } = await mod('refresh/refresher.js');
const { DataDir } = await mod('refresh/data-dir.js');
const { MemoryLog } = await mod('log.js');
const { createZonePipeline } = await mod('refresh/zone-pipeline.js');
const { ZoneStore } = await mod('zone/store.js');
const { startServer } = await mod('server/server.js');

let crashes = 0;
process.on('uncaughtException', (err) => {
  crashes++;
  console.error(`CRASH (uncaught): ${err.stack ?? err}`);
});
process.on('unhandledRejection', (err) => {
  crashes++;
  console.error(`CRASH (unhandled rejection): ${err?.stack ?? err}`);
});

const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'soak' }], format: 'object' });
const sign = async (bytes) => openpgp.sign({ message: await openpgp.createMessage({ binary: bytes }), signingKeys: privateKey, detached: true, format: 'binary' });
const verifiers = {
  async pgp(input) {
    const t0 = performance.now();
    try {
      const v = await openpgp.verify({
        message: await openpgp.createMessage({ binary: input.bytes }),
        signature: await openpgp.readSignature({ binarySignature: input.signature }),
        verificationKeys: [publicKey],
      });
      await v.signatures[0].verified;
      return { ok: true, detail: 'good signature', ms: performance.now() - t0 };
    } catch (err) {
      return { ok: false, detail: err.message, ms: performance.now() - t0 };
    }
  },
  zonemd: () => Promise.reject(new Error('not used')),
  dnssec: () => Promise.reject(new Error('not used')),
};
const zoneText = (serial, filler) => {
  const lines = [`.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. ${serial} 1800 900 604800 86400`, `.\t518400\tIN\tNS\ta.root-servers.net.`, `a.root-servers.net.\t518400\tIN\tA\t198.41.0.4`];
  for (let i = 0; i < filler; i++) lines.push(`h${i}.example.\t60\tIN\tA\t192.0.2.${i & 255}`);
  return new TextEncoder().encode(lines.join('\n') + '\n');
};

const srv = await new RawHttpServer().start();
const dir = await mkdtemp(join(tmpdir(), 'rootmirror-http-soak-'));
const store = new ZoneStore('servfail');
const server = await startServer({ listen: ['127.0.0.1:0'], store });
const port = server.addresses[0].port;
const pipeline = createZonePipeline({ layers: ['pgp'], dnssec: 'keep', verifiers, maxRecords: 30_000 });
const refresher = new Refresher({ dataDir: new DataDir(dir), store, pipeline, sources: [`${srv.base}/first/root.zone`, `${srv.base}/second/root.zone`], log: new MemoryLog(), fetchTimeoutMs });

// The querier: one SOA query every 5 ms; every answer must carry a serial the store held.
const sock = dgram.createSocket('udp4');
await new Promise((r) => sock.bind(0, '127.0.0.1', r));
let asked = 0;
let answered = 0;
let badAnswers = 0;
const servedSerials = new Set();
sock.on('message', (m) => {
  answered++;
  const soa = packet.decode(m).answers?.find((a) => a.type === 'SOA');
  // SERVFAIL is right only before the first copy is held.
  if (soa === undefined ? store.zone !== undefined : !servedSerials.has(soa.data.serial)) badAnswers++;
});
const q = packet.encode({ type: 'query', id: 1, questions: [{ type: 'SOA', name: '.' }] });
const querier = setInterval(() => {
  asked++;
  sock.send(q, port, '127.0.0.1');
}, 5);

const rows = [
  // gz-file needs a .gz URL (a source of its own): test/http-matrix.test.ts covers it.
  ...Object.keys(FRAMINGS)
    .filter((name) => name !== 'gz-file')
    .map((name) => ({ name, bad: undefined, framing: FRAMINGS[name] })),
  { name: 'drip', bad: (c) => ({ zone: MISBEHAVING.drip(c.body, 50) }) },
  { name: 'sig-drip', bad: (c) => ({ zone: FRAMINGS.chunked(c.body), sig: MISBEHAVING.drip(c.sig, 50) }) },
  { name: '304', bad: () => ({ zone: MISBEHAVING.notModified() }) },
  { name: 'html', bad: () => ({ zone: MISBEHAVING.htmlPage() }) },
  { name: 'html-sniffed', bad: () => ({ zone: MISBEHAVING.htmlSniffed() }) },
  { name: 'reset', bad: (c) => ({ zone: MISBEHAVING.resetMidBody(c.body) }) },
  { name: 'loop', bad: () => ({ zone: MISBEHAVING.redirect('/first/root.zone') }) },
  { name: 'ftp', bad: () => ({ zone: MISBEHAVING.redirect('ftp://127.0.0.1/root.zone') }) },
];

let serial = 2026000000;
let hung = 0;
let wrong = 0;
const rss = [];
const durations = [];
const t0 = performance.now();
for (let i = 0; i < cycles; i++) {
  const row = rows[i % rows.length];
  // Small zones mostly; every 50th cycle one of ~600 KB so socket buffers fill (backpressure).
  const filler = i % 50 === 49 ? 20_000 : 20;
  const next = { serial: ++serial, body: zoneText(serial, filler) };
  next.sig = await sign(next.body);
  if (row.bad === undefined) {
    // A legal framing, first in line: it must be taken.
    srv.routes.set('/first/root.zone', row.framing(next.body));
    srv.routes.set('/first/root.zone.sig', row.framing(next.sig));
  } else {
    const bogus = { body: zoneText(serial + 1000, filler), sig: next.sig };
    const b = row.bad(bogus);
    srv.routes.set('/first/root.zone', b.zone);
    srv.routes.set('/first/root.zone.sig', b.sig ?? FRAMINGS.chunked(bogus.sig));
    srv.routes.set('/second/root.zone', FRAMINGS.chunked(next.body));
    srv.routes.set('/second/root.zone.sig', FRAMINGS.chunked(next.sig));
  }
  servedSerials.add(next.serial);
  const c0 = performance.now();
  const ev = await refresher.refresh(0);
  const ms = performance.now() - c0;
  durations.push(ms);
  if (ms > fetchTimeoutMs * 2 + 5000) hung++;
  const okOutcome = ev.outcome === 'updated' && store.zone?.serial === next.serial && (row.bad === undefined ? ev.attempts.length === 1 : ev.attempts.length === 2 && ev.attempts[0].outcome === 'failed');
  if (!okOutcome) {
    wrong++;
    console.error(`cycle ${i} (${row.name}): ${ev.outcome}: ${ev.attempts.map((a) => `${a.outcome} ${a.reason}`).join(' | ')}`);
  }
  if ((i + 1) % Math.max(1, Math.floor(cycles / 10)) === 0) {
    rss.push(process.memoryUsage().rss);
    console.log(`${String(i + 1).padStart(5)} cycles  rss ${(process.memoryUsage().rss / 1048576).toFixed(1)} MB  heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MB`);
  }
}
clearInterval(querier);
await new Promise((r) => setTimeout(r, 200)); // let the last answers arrive before counting
sock.close();
await refresher.close();
await server.close();
await srv.stop();
await rm(dir, { recursive: true, force: true });

durations.sort((a, b) => a - b);
const mb = (b) => (b / 1048576).toFixed(1);
// "Flat": the second half of the run does not end higher than 1.25× its start.
const half = rss.slice(Math.floor(rss.length / 2));
const flat = half.length < 2 || half[half.length - 1] <= half[0] * 1.25;
console.log(
  JSON.stringify({
    cycles,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
    crashes,
    hungCycles: hung,
    wrongOutcomes: wrong,
    cycleMs: { p50: +durations[Math.floor(durations.length / 2)].toFixed(1), max: +durations[durations.length - 1].toFixed(1) },
    queries: { asked, answered, wrongSerial: badAnswers },
    rssMB: { first: mb(rss[0]), last: mb(rss[rss.length - 1]), max: mb(Math.max(...rss)), flat },
  }),
);
process.exit(crashes === 0 && hung === 0 && wrong === 0 && badAnswers === 0 && flat ? 0 : 1);
