// What the issue-14 benchmarks (startup, refresh-load, rss-soak) share: new
// serials of the signed root-sized fixture that still verify with ZONEMD and
// DNSSEC, a throw-away OpenPGP key, a loopback HTTP source, the daemon in
// mirror mode as a child, `. SOA` over UDP, NOTIFY, and cleanup of every child
// and temp dir on any exit (error, SIGINT, SIGTERM).

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createPrivateKey, sign as rsaSign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { concatBytes } from '../dist/bytes.js';
import { canonicalRdata, canonicalRdataSet, canonicalRecordWire } from '../dist/dns/canonical.js';
import { Name } from '../dist/dns/name.js';
import { rdataToText } from '../dist/dns/rdata.js';
import { RRType, typeToString } from '../dist/dns/types.js';
import { parseZoneText } from '../dist/zone/parser.js';
import { computeZonemdDigest } from '../dist/verify/zonemd.js';

const fixture = (f) => fileURLToPath(new URL(`../test/fixtures/signed/${f}`, import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/rootmirror', import.meta.url));
export const HINTS = fileURLToPath(new URL('../test/fixtures/monitor/fake-roots.hints', import.meta.url));
export const ZONE_FILE = fixture('root.zone.signed');
export const TRUST_ANCHORS = fixture('trust-anchor.ds');
export const BASE_SERIAL = 2026082200;
/** The environment rootmirror is deployed with (deploy/rootmirror.service, the Dockerfile): the daemons here run with it. */
export const DEPLOYED_ENV = { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' };

// ---- cleanup: children killed, temp dirs removed, whatever ends the process

const cleanups = [];
/** Run `fn` when the process ends (normally, on an error, on SIGINT/SIGTERM); last registered, first run. */
export function onCleanup(fn) {
  cleanups.push(fn);
}
function cleanupAll() {
  while (cleanups.length > 0) {
    try {
      cleanups.pop()();
    } catch {
      /* best effort: the others must still run */
    }
  }
}
process.once('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => (console.error(`interrupted (${sig}); cleaning up`), process.exit(130)));
process.on('unhandledRejection', (err) => (console.error(`bench failed: ${err?.stack ?? err}`), process.exit(1)));
process.on('uncaughtException', (err) => (console.error(`bench failed: ${err?.stack ?? err}`), process.exit(1)));

/** A temp dir removed on exit. */
export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), `${prefix}-`));
  onCleanup(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Spawn a child that gets `killSignal` (default SIGKILL) on exit if still running. */
export function spawnChild(cmd, args, opts, killSignal = 'SIGKILL') {
  const child = spawn(cmd, args, opts);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  onCleanup(() => done || child.kill(killSignal));
  return { child, exited };
}

// ---- new serials that verify: only SOA, its RRSIG, ZONEMD and its RRSIG change

const ZSK = fixture('K.+008+08784.private');
function rsaKeyFromBind(text) {
  const f = new Map(text.split('\n').map((l) => /^([A-Za-z0-9]+):\s*(.*)$/.exec(l.trim())).filter(Boolean).map((m) => [m[1], m[2]]));
  const b = (k) => Buffer.from(f.get(k), 'base64').toString('base64url');
  return createPrivateKey({ key: { kty: 'RSA', n: b('Modulus'), e: b('PublicExponent'), d: b('PrivateExponent'), p: b('Prime1'), q: b('Prime2'), dp: b('Exponent1'), dq: b('Exponent2'), qi: b('Coefficient') }, format: 'jwk' });
}

/**
 * The fixture at any serial, re-signed where the serial shows: the SOA RRSIG and
 * the ZONEMD (RFC 8976 §3.3 SIMPLE/SHA-384, recomputed) with its RRSIG, by the
 * fixture's own ZSK (RSA/SHA-256, RFC 5702), same validity window. Everything
 * else is byte for byte the fixture, so each version passes --verify
 * pgp,zonemd,dnssec against trust-anchor.ds. ~50 ms a version.
 */
export function signedRootVersions() {
  const origin = Name.fromText('.');
  const records = parseZoneText(readFileSync(ZONE_FILE), { origin }).map((r) => ({ name: r.name, type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata }));
  const zsk = rsaKeyFromBind(readFileSync(ZSK, 'latin1'));
  const apex = (type, covered) =>
    records.findIndex((r) => r.name.equals(origin) && r.type === type && (covered === undefined || ((r.rdata[0] << 8) | r.rdata[1]) === covered));
  const at = { soa: apex(RRType.SOA), soaSig: apex(RRType.RRSIG, RRType.SOA), zonemd: apex(RRType.ZONEMD), zonemdSig: apex(RRType.RRSIG, RRType.ZONEMD) };
  if (Object.values(at).some((i) => i < 0)) throw new Error(`${ZONE_FILE}: no SOA, ZONEMD or their RRSIGs at the apex`);
  // RFC 4034 §3.1.8.1: signature over the RRSIG RDATA without its signature, then the RRset in canonical form.
  const resign = (old, rr) => {
    const head = old.rdata.subarray(0, 18 + origin.wire.length);
    const data = concatBytes([canonicalRdata(RRType.RRSIG, head), ...canonicalRdataSet(rr.type, [rr.rdata]).map((rd) => canonicalRecordWire(rr.name, rr.type, rr.class, rr.ttl, rd))]);
    return { ...old, rdata: concatBytes([head, rsaSign('sha256', data, zsk)]) };
  };
  const line = (r) => `${r.name.toString()}\t${r.ttl}\tIN\t${typeToString(r.type)}\t${rdataToText(r.type, r.rdata)}\n`;
  const rest = records.filter((_, i) => !Object.values(at).includes(i)).map(line).join('');
  return (serial) => {
    const soa = { ...records[at.soa], rdata: Uint8Array.from(records[at.soa].rdata) };
    new DataView(soa.rdata.buffer).setUint32(soa.rdata.length - 20, serial >>> 0);
    const soaSig = resign(records[at.soaSig], soa);
    const rs = records.slice();
    rs[at.soa] = soa;
    rs[at.soaSig] = soaSig;
    const zonemd = { ...records[at.zonemd], rdata: new Uint8Array(54) };
    const dv = new DataView(zonemd.rdata.buffer);
    dv.setUint32(0, serial >>> 0);
    zonemd.rdata[4] = 1; // SIMPLE
    zonemd.rdata[5] = 1; // SHA-384
    zonemd.rdata.set(computeZonemdDigest(rs, origin, 1), 6);
    const zonemdSig = resign(records[at.zonemdSig], zonemd);
    return Buffer.from(line(soa) + line(soaSig) + line(zonemd) + line(zonemdSig) + rest, 'latin1');
  };
}

// ---- the source: a throw-away PGP key and a loopback HTTP server

/** An HTTP source on 127.0.0.1 serving whatever was last published at /root.zone and /root.zone.sig; the PGP public key in `dir`. */
export async function startSource(dir) {
  const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'rootmirror bench' }], format: 'object' });
  const keyFile = join(dir, 'bench-pgp.key');
  writeFileSync(keyFile, publicKey.armor());
  let zone = Buffer.alloc(0);
  let sig = Buffer.alloc(0);
  const server = createServer((req, res) => {
    const body = req.url === '/root.zone' ? zone : req.url === '/root.zone.sig' ? sig : undefined;
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => server.closeAllConnections());
  const sign = async (bytes) => Buffer.from(await openpgp.sign({ message: await openpgp.createMessage({ binary: bytes }), signingKeys: privateKey, detached: true, format: 'binary' }));
  return {
    keyFile,
    url: `http://127.0.0.1:${server.address().port}/root.zone`,
    sign,
    /** Publish bytes with their signature (made beforehand with sign(), so publishing costs nothing). */
    publish(bytes, signature) {
      zone = bytes;
      sig = signature;
    },
    close: () => (server.closeAllConnections(), new Promise((r) => server.close(r))),
  };
}

// ---- the daemon

/** Options of `serve`/`fetch` in mirror mode against `source` with every layer checked. */
export function mirrorArgs(dataDir, source, layers = 'pgp,zonemd,dnssec') {
  return ['--data-dir', dataDir, '--source', source.url, '--pgp-key', source.keyFile, '--trust-anchors', TRUST_ANCHORS, '--verify', layers];
}

/**
 * `rootmirror serve ARGS` as a child; resolves at its "ready" line with the UDP
 * port and ops address. `onLine(json)` sees every JSON log line after that.
 */
export function startServe(args, { nodeArgs = ['--max-semi-space-size=1'], onLine } = {}) {
  const { child, exited } = spawnChild(process.execPath, [...nodeArgs, BIN, 'serve', '--http', '127.0.0.1:0', '--root-hints', HINTS, '--monitor-interval', '0', '--log-level', 'info', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: DEPLOYED_ENV,
  });
  let log = '';
  return new Promise((resolve, reject) => {
    let ready = false;
    createInterface({ input: child.stderr }).on('line', (l) => {
      if (log.length < 200_000) log += l + '\n';
      let j;
      try {
        j = JSON.parse(l);
      } catch {
        return;
      }
      if (ready) return onLine?.(j);
      if (j.msg !== 'ready') return;
      ready = true;
      resolve({ child, pid: child.pid, port: Number(j.listen[0].split(':').pop()), http: j.http, exited, log: () => log, stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then(({ code, signal }) => ready || reject(new Error(`rootmirror serve exited (${code ?? signal}) before ready:\n${log}`)));
  });
}

/** `rootmirror fetch ARGS`, rejecting unless it exits 0. */
export async function runFetch(args) {
  const { child, exited } = spawnChild(process.execPath, [BIN, 'fetch', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const { code, signal } = await exited;
  if (code !== 0) throw new Error(`rootmirror fetch exited ${code ?? signal}: ${err.trim()}`);
}

/** A metric's value from the daemon's /metrics (first sample of that name). */
export async function metric(http, name) {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * What the RSS of `pid` is made of (bytes), from /proc/PID/status: `anon`,
 * memory this process wrote (V8 heap, buffers, malloc), and `file`, pages of
 * mapped files, nearly all the node executable's own code and read-only data
 * (shared with every Node process on the host, the refresh children too).
 */
export function rssParts(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** rssParts of a bare `node` (an empty event loop, same flags), for reference in the same run. */
export async function bareNodeRss(nodeArgs = ['--max-semi-space-size=1']) {
  const { child, exited } = spawnChild(process.execPath, [...nodeArgs, '-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const parts = rssParts(child.pid);
  child.kill('SIGKILL');
  await exited;
  return parts;
}

/**
 * CPU ms (utime+stime) of `pid`: { main, others, children }: the main thread
 * (its tid is the pid), all other threads summed, and its children that have
 * ended (cutime+cstime: the refresh checks run in short-lived child processes).
 */
export function threadCpuMs(pid) {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const out = { main: 0, others: 0, children: 0 };
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.children = (Number(f[13]) + Number(f[14])) * tick; // fields 16 and 17: cutime, cstime
  } catch {
    // gone
  }
  for (const tid of readdirTasks(pid)) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(f[11]) + Number(f[12])) * tick; // fields 14 and 15: utime, stime
    if (tid === String(pid)) out.main += ms;
    else out.others += ms;
  }
  return out;
}
function readdirTasks(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

// ---- DNS over UDP: `. SOA` and NOTIFY

/** A UDP client on 127.0.0.1: soaSerial(port, timeoutMs) → the answered serial (NOERROR only) or undefined; notify(port, serial). */
export async function udpClient() {
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  onCleanup(() => sock.close());
  let nextId = 1;
  const waiting = new Map();
  sock.on('message', (m) => {
    if (m.length < 12) return;
    const w = waiting.get(m.readUInt16BE(0));
    if (w) w(m);
  });
  return {
    soaSerial(port, timeoutMs, host = '127.0.0.1') {
      const id = nextId++ & 0xffff;
      const q = Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]);
      return new Promise((resolve) => {
        const t = setTimeout(() => (waiting.delete(id), resolve(undefined)), timeoutMs);
        waiting.set(id, (m) => {
          clearTimeout(t);
          waiting.delete(id);
          resolve(soaSerialOf(m));
        });
        sock.send(q, port, host);
      });
    },
    /** NOTIFY for `.` (opcode 4, AA) with the new SOA serial in the answer section (RFC 1996 §3.7). */
    notify(port, serial) {
      const rdata = Buffer.alloc(22);
      rdata.writeUInt32BE(serial >>> 0, 2);
      const rr = Buffer.from([0, 0, 6, 0, 1, 0, 1, 0x51, 0x80, 0, 22]);
      sock.send(Buffer.concat([Buffer.from([0x12, 0x34, 0x24, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 6, 0, 1]), rr, rdata]), port, '127.0.0.1');
    },
    close: () => sock.close(),
  };
}

/** The serial of the first answer RR of a NOERROR answer to `. SOA` (root owner, no compression needed), else undefined. */
export function soaSerialOf(m) {
  if ((m[3] & 0x0f) !== 0 || m.readUInt16BE(6) === 0) return undefined;
  let o = 12 + 5; // the question `.` SOA IN
  if (m[o] !== 0 && (m[o] & 0xc0) !== 0xc0) return undefined;
  o += m[o] === 0 ? 1 : 2;
  if (m.readUInt16BE(o) !== 6) return undefined;
  const rdStart = o + 10;
  const rdLen = m.readUInt16BE(o + 8);
  return m.readUInt32BE(rdStart + rdLen - 20);
}

/** A port free for TCP on `host` now (the daemons bind UDP and TCP on it). */
export async function freePort(host) {
  const s = createNetServer();
  s.listen(0, host);
  await once(s, 'listening');
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// ---- numbers

/** Nearest-rank percentile of a sorted array (as bench/load.mjs). */
export const pct = (sorted, p) => (sorted.length ? sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)] : NaN);
export const median = (xs) => pct([...xs].sort((a, b) => a - b), 0.5);
export const MB = (bytes) => bytes / 1048576;
