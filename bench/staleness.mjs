#!/usr/bin/env node
// Staleness benchmark (issue 15): the time from a new serial appearing at the
// source to `rootmirror serve` answering it, in three modes:
//   notify    NOTIFY (RFC 1996) sent to the daemon the moment the serial is
//             published (--notify-from 127.0.0.1/32, --notify-min-interval 0);
//   soa       no NOTIFY: 13 fake live roots (loopback 127.0.1.1-13) switch to
//             the new serial as it is published; the drift monitor
//             (--monitor-interval 10s, random delay ≤ 20 %) sees a majority
//             ahead and refreshes after a random delay ≤ --refresh-jitter 2s;
//   schedule  neither: --refresh 20s, --refresh-jitter 0 (the scheduler's
//             clock ticks every 10 s).
// Each sample waits a random time first, so the publication falls at a random
// phase of the monitor's and the schedule's cycles, publishes, and polls
// `. SOA` every 10 ms until the new serial is answered.
//
// The zone is the signed root-sized fixture (24,884 records), its serial
// bumped and PGP-signed per sample with a throw-away key; --verify pgp (the
// bump breaks ZONEMD and the RRSIGs). So each cycle downloads, checks PGP,
// parses and builds ~2 MB, as in production.
//
// Scaling: soa and schedule staleness are dominated by where the publication
// falls in the interval, so they scale linearly with it: production's 5 min
// monitor interval (+ ≤ 60 s random delay) and 5 min --refresh-jitter give
// minutes, the 30 min schedule (+ ≤ 5 min jitter) tens of minutes; NOTIFY does
// not depend on any interval.
//
//   npm run build && node bench/staleness.mjs [-n 20] [--modes notify,soa,schedule]

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import * as openpgp from 'openpgp';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let samples = 20;
let modes = ['notify', 'soa', 'schedule'];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-n') samples = Number(args[++i]);
  else if (args[i] === '--modes') modes = args[++i].split(',');
  else {
    console.error('usage: node bench/staleness.mjs [-n SAMPLES] [--modes notify,soa,schedule]');
    process.exit(2);
  }
}

const BIN = join(here, '..', 'bin', 'rootmirror');
const HINTS = join(here, '..', 'test/fixtures/monitor/fake-roots.hints');
const FIXTURE = await readFile(join(here, '..', 'test/fixtures/signed/root.zone.signed'), 'latin1');
const BASE = 2026082200;
const MONITOR_S = 10;
const SOA_JITTER_S = 2;
const REFRESH_S = 20;

const work = await mkdtemp(join(tmpdir(), 'rootmirror-staleness-'));
const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'staleness bench' }], format: 'object' });
const keyFile = join(work, 'bench.key');
await writeFile(keyFile, publicKey.armor());

/** The fixture with its serial replaced, and its detached signature. */
async function version(serial) {
  const zone = Buffer.from(FIXTURE.replace(`nstld.verisign-grs.com. ${BASE} `, `nstld.verisign-grs.com. ${serial} `), 'latin1');
  const sig = Buffer.from(await openpgp.sign({ message: await openpgp.createMessage({ binary: zone }), signingKeys: privateKey, detached: true, format: 'binary' }));
  return { zone, sig };
}

let published = await version(BASE);
let liveSerial = BASE;
const http = createServer((req, res) => {
  const body = req.url === '/root.zone' ? published.zone : req.url === '/root.zone.sig' ? published.sig : undefined;
  if (body === undefined) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
http.listen(0, '127.0.0.1');
await once(http, 'listening');
const source = `http://127.0.0.1:${http.address().port}/root.zone`;

/** 13 fake live roots on 127.0.1.1-13, one port, answering `. SOA` with liveSerial (AA). */
const roots = [];
let rootPort = 0;
for (let i = 1; i <= 13; i++) {
  const s = dgram.createSocket('udp4');
  s.on('message', (q, r) => {
    if (q.length < 17) return;
    const rdata = Buffer.alloc(22);
    rdata.writeUInt32BE(liveSerial >>> 0, 2); // mname `.`, rname `.`, serial, …
    rdata.writeUInt32BE(1800, 6);
    rdata.writeUInt32BE(900, 10);
    rdata.writeUInt32BE(604800, 14);
    rdata.writeUInt32BE(86400, 18);
    const rr = Buffer.alloc(11);
    rr.writeUInt16BE(6, 1);
    rr.writeUInt16BE(1, 3);
    rr.writeUInt32BE(86400, 5);
    rr.writeUInt16BE(rdata.length, 9);
    const hdr = Buffer.alloc(12);
    q.copy(hdr, 0, 0, 2);
    hdr.writeUInt16BE(0x8400, 2);
    hdr.writeUInt16BE(1, 4);
    hdr.writeUInt16BE(1, 6);
    s.send(Buffer.concat([hdr, q.subarray(12, 17), rr, rdata]), r.port, r.address);
  });
  s.bind(rootPort, `127.0.1.${i}`);
  await once(s, 'listening');
  rootPort = s.address().port;
  roots.push(s);
}

const client = dgram.createSocket('udp4');
client.bind(0, '127.0.0.1');
await once(client, 'listening');
let nextId = 1;
/** `. SOA` from the daemon, its serial (undefined on no answer within 500 ms). */
function servedSerial(port) {
  const id = nextId++ & 0xffff;
  const q = Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]);
  return new Promise((resolve) => {
    const t = setTimeout(() => (client.off('message', on), resolve(undefined)), 500);
    const on = (m) => {
      if (m.readUInt16BE(0) !== id) return;
      clearTimeout(t);
      client.off('message', on);
      const soa = dnsPacket.decode(m).answers?.find((a) => a.type === 'SOA');
      resolve(soa?.data.serial);
    };
    client.on('message', on);
    client.send(q, port, '127.0.0.1');
  });
}

/** NOTIFY for `.` with the new serial in the answer section (RFC 1996 §3.7). */
function sendNotify(port, serial) {
  const rdata = Buffer.alloc(22);
  rdata.writeUInt32BE(serial >>> 0, 2);
  const rr = Buffer.from([0, 0, 6, 0, 1, 0, 1, 0x51, 0x80, 0, 22]);
  const msg = Buffer.concat([Buffer.from([0x12, 0x34, 0x24, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 6, 0, 1]), rr, rdata]);
  client.send(msg, port, '127.0.0.1');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitServed(port, serial, limitMs) {
  const t0 = performance.now();
  for (;;) {
    if ((await servedSerial(port)) === serial) return performance.now() - t0;
    if (performance.now() - t0 > limitMs) throw new Error(`serial ${serial} not served within ${limitMs} ms`);
    await sleep(10);
  }
}

function startDaemon(extra) {
  return new Promise((resolve, reject) => {
    const dir = join(work, `data-${Math.random().toString(36).slice(2)}`);
    const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dir, '--verify', 'pgp', '--pgp-key', keyFile, '--source', source,
      '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--dnssec', 'keep', '--on-expired', 'servfail', '--log-level', 'warn',
      '--root-hints', HINTS, '--root-port', String(rootPort), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    const rl = createInterface({ input: child.stderr });
    rl.on('line', (line) => {
      try {
        const j = JSON.parse(line);
        if (j.msg === 'ready') resolve({ child, port: Number(j.listen[0].split(':').pop()) });
      } catch {
        /* not JSON */
      }
    });
    child.once('exit', (code) => reject(new Error(`rootmirror exited ${code} before ready`)));
  });
}

const MODES = {
  notify: { args: ['--refresh', '1d', '--refresh-jitter', '0', '--monitor-interval', '0', '--notify-from', '127.0.0.1/32', '--notify-min-interval', '0'], phaseMs: 1000 },
  soa: { args: ['--refresh', '1d', '--refresh-jitter', String(SOA_JITTER_S), '--monitor-interval', `${MONITOR_S}s`], phaseMs: MONITOR_S * 1000 },
  schedule: { args: ['--refresh', String(REFRESH_S), '--refresh-jitter', '0', '--monitor-interval', '0'], phaseMs: REFRESH_S * 1000 },
};

const quantile = (xs, q) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const fmt = (ms) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`);
const rows = [];
let serial = BASE;
for (const mode of modes) {
  const m = MODES[mode];
  const { child, port } = await startDaemon(m.args);
  await waitServed(port, serial, 60_000); // the first download
  const times = [];
  for (let i = 0; i < samples; i++) {
    const next = await version(++serial);
    await sleep(Math.random() * m.phaseMs);
    published = next;
    liveSerial = serial;
    if (mode === 'notify') sendNotify(port, serial);
    times.push(await waitServed(port, serial, 5 * 60_000));
    process.stderr.write(`${mode} ${i + 1}/${samples}: ${fmt(times.at(-1))}\n`);
  }
  child.kill('SIGTERM');
  await once(child, 'exit');
  times.sort((a, b) => a - b);
  rows.push({ mode, n: times.length, p50: quantile(times, 0.5), p90: quantile(times, 0.9), max: times.at(-1) });
}

console.log(`\n**Staleness** (\`node bench/staleness.mjs -n ${samples}\`; ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}; the signed root-sized fixture, --verify pgp; time from publication at the source to \`. SOA\` answering the new serial)\n`);
console.log('| mode | settings | samples | p50 | p90 | max |');
console.log('|---|---|---:|---:|---:|---:|');
const settings = {
  notify: 'NOTIFY at publication; `--notify-min-interval 0`',
  soa: `roots switch at publication; \`--monitor-interval ${MONITOR_S}s\`, \`--refresh-jitter ${SOA_JITTER_S}s\``,
  schedule: `\`--refresh ${REFRESH_S}s\`, \`--refresh-jitter 0\` (scheduler ticks every 10 s)`,
};
for (const r of rows) console.log(`| ${r.mode} | ${settings[r.mode]} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.max)} |`);

client.close();
for (const s of roots) s.close();
http.close();
await rm(work, { recursive: true, force: true });
