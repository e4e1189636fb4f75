// The short fuzz run (bench/fuzz.mjs is the long one): the real daemon as a
// child process, tens of thousands of random and mutated packets over UDP and
// some over TCP, probes interleaved whose answers must equal, byte for byte
// (ID aside), a clean in-process server's. Afterwards the process is alive,
// its RSS has not grown, and every probe still gets the right answer.
// FUZZ_SEED=n reproduces a run (the seed is printed); FUZZ_PACKETS=n resizes it.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handled, metrics, rssKb, startServeChild } from '../bench/daemon.mjs';
import { createFuzzer, probeQueries, query } from '../bench/fuzz-packets.mjs';
import { tldsOf } from '../bench/querymix-lib.mjs';
import { checkAllProbes, runFuzz } from '../bench/fuzz-run.mjs';
import { Acl, LOOPBACK } from '../src/server/acl.js';
import { ServerCounters } from '../src/server/counters.js';
import { Responder } from '../src/server/respond.js';
import { ZoneStore } from '../src/zone/store.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';

const ZONE = fileURLToPath(new URL('./fixtures/root-zone/root.zone.2026082201', import.meta.url));
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const PACKETS = Number(process.env.FUZZ_PACKETS ?? 40_000);

type Daemon = Awaited<ReturnType<typeof startServeChild>>;
let d: Daemon;
let probes: { label: string; query: Buffer; udp: Buffer; tcp: Buffer }[];
let exited: { code: number | null; signal: string | null } | undefined;

beforeAll(async () => {
  const text = readFileSync(ZONE);
  const store = new ZoneStore();
  store.swap(buildZone(parseZoneText(text, { file: ZONE }), { dnssec: 'keep' }));
  const clean = new Responder({ store, counters: new ServerCounters(), allowQuery: new Acl(LOOPBACK) });
  probes = probeQueries(tldsOf(text.toString('latin1')), SEED, 120).map((p) => ({
    ...p,
    udp: Buffer.from(clean.answer(p.query, 'udp', '127.0.0.1') as Uint8Array),
    tcp: Buffer.from(clean.answer(p.query, 'tcp', '127.0.0.1') as Uint8Array),
  }));
  d = await startServeChild({ zoneFile: ZONE, listen: '127.61.4.1:0', args: ['--dnssec', 'keep'], inspect: true });
  void d.exited.then((e) => (exited = e));
}, 60_000);

afterAll(async () => {
  if (d && !exited) await d.stop();
});

describe(`fuzzing the daemon (seed ${SEED}; rerun with FUZZ_SEED=${SEED})`, () => {
  it(`${PACKETS} random and mutated packets: still alive, RSS flat, answers unchanged`, async () => {
    expect(await checkAllProbes(d.host, d.port, probes)).toEqual([]);
    const gcBefore = await d.heapAfterGc();
    const rssBefore = rssKb(d.pid);
    const stats = await runFuzz({
      host: d.host,
      port: d.port,
      seed: SEED,
      packets: PACKETS,
      probes,
      seeds: probes.map((p) => p.query),
      lanes: 3,
      batch: 48,
      tcpEvery: 25,
      rss: () => rssKb(d.pid),
      checkpoints: 4,
    });
    const m = await metrics(d.http);
    const rssAfter = rssKb(d.pid);
    const gcAfter = await d.heapAfterGc();
    const rate = Math.round(stats.sent / (stats.elapsedMs / 1000));
    console.log(
      `fuzz seed ${SEED}: ${stats.sent} packets (${stats.sentTcp} TCP) at ${rate}/s, daemon read ${handled(m)} of ${stats.messages + 2 * probes.length} sent, ` +
        `${stats.probes} probes, rss ${(rssBefore / 1024).toFixed(1)} -> ${(rssAfter / 1024).toFixed(1)} MB, ` +
        `after a full GC: heap ${(gcBefore.heapUsed / 1024).toFixed(1)} -> ${(gcAfter.heapUsed / 1024).toFixed(1)} MB, rss ${(gcBefore.rss / 1024).toFixed(1)} -> ${(gcAfter.rss / 1024).toFixed(1)} MB`,
    );
    expect(exited, d.stderr()).toBeUndefined();
    expect(stats.failures, JSON.stringify(stats.recent.slice(-8))).toEqual([]);
    expect(stats.mismatches).toEqual([]);
    expect(stats.badResponses).toBe(0);
    expect(stats.oversizeResponses).toBe(0);
    expect(stats.sent).toBe(PACKETS);
    expect(stats.probes).toBeGreaterThan(PACKETS / 100);
    // Every mutator got a fair share (each one named, so one that never fired fails too).
    for (const kind of createFuzzer(SEED, [query({})]).names) if (kind !== 'huge') expect(stats.kinds[kind] ?? 0, kind).toBeGreaterThan(PACKETS / 100);
    // Nothing is kept per hostile packet: live heap (after a forced GC) flat, RSS within allocator noise.
    expect(gcAfter.heapUsed - gcBefore.heapUsed).toBeLessThan(8 * 1024);
    expect(rssAfter - rssBefore).toBeLessThan(32 * 1024);
    expect(await checkAllProbes(d.host, d.port, probes)).toEqual([]);
    expect(m['rootmirror_dns_servfail_exceptions_total']).toBe(0);
  }, 120_000);

  // Needs a raw socket (root) and python3; CI runners without them skip it.
  const canRaw = process.getuid?.() === 0 && (() => {
    try {
      execFileSync('python3', ['-c', '1']);
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(canRaw)('a datagram from source port 0 (raw socket) does not end the process', async () => {
    const q = query({ name: 'com.', qtype: 2 }).toString('hex');
    const dropped = (await metrics(d.http))['rootmirror_dns_dropped_total']!;
    execFileSync('python3', [
      '-c',
      `import socket,struct
q=bytes.fromhex('${q}')
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_UDP)
s.sendto(struct.pack('!HHHH',0,${d.port},8+len(q),0)+q,('${d.host}',0))`,
    ]);
    // Later answers prove the process survived; the counter, that the datagram was read (and dropped).
    expect(await checkAllProbes(d.host, d.port, probes.slice(0, 3))).toEqual([]);
    expect(exited).toBeUndefined();
    expect((await metrics(d.http))['rootmirror_dns_dropped_total']).toBe(dropped + 1);
  });
});
