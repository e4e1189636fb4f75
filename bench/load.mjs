// A paced UDP load generator in a worker thread (its own core, not the
// server's event loop): `qps` queries a second for `durationMs`, each query
// sent once (no retries: a query without an answer is lost), every answer
// checked byte for byte (ID aside) against the allowed answers for its query.
// Shared by bench/swap-load.mjs and test/swap-load.test.ts.
//
// Query i goes out on socket i % SOCKETS with ID floor(i / SOCKETS), so up to
// 65536 × SOCKETS queries are told apart without reusing an ID. SOCKETS is 8
// unless `sockets` says otherwise: each is one source port, and a server with
// SO_REUSEPORT sockets (--workers) is spread by the kernel per source port, so
// a few sockets spread unevenly (bench/workers.mjs takes 64).

import dgram from 'node:dgram';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const DEFAULT_SOCKETS = 8;

/**
 * @param {{ host: string, port: number, qps: number, durationMs: number,
 *   queries: Uint8Array[], allowed?: Uint8Array[][], graceMs?: number, maxBurstMs?: number, timeline?: boolean, sockets?: number }} o
 *   `allowed[k]`: the answers query k may get (one per zone it may be answered from; one
 *   when the zones agree). `byAllowed[j]` counts answers equal to `allowed[k][j]` for the
 *   queries with more than one. Without `allowed` any answer counts (an echo peer).
 *   `timeline`: also return, per query in send order, its send time (ms since `startEpochMs`)
 *   and its latency (NaN when unanswered), to cut the run into windows.
 * @returns {Promise<{ sent: number, answered: number, lost: number, duplicates: number, mismatched: number,
 *   byAllowed: number[], examples: string[], elapsedMs: number, maxLagMs: number, slipMs: number,
 *   p50Ms: number, p99Ms: number, p999Ms: number, maxMs: number, startEpochMs: number,
 *   sentAtMs?: Float64Array, latencyMs?: Float64Array }>}
 */
export function runLoad(o) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: o });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`load worker exited ${code}`)));
  });
}

if (!isMainThread && workerData?.queries) {
  const o = workerData;
  const SOCKETS = o.sockets ?? DEFAULT_SOCKETS;
  const total = Math.round((o.qps * o.durationMs) / 1000);
  if (total > 65536 * SOCKETS) throw new Error(`at most ${65536 * SOCKETS} queries per run`);
  const queries = o.queries.map((q) => Buffer.from(q));
  const allowed = o.allowed?.map((as) => as.map((a) => Buffer.from(a)));
  // Run-time state lives in typed arrays: 200k queries must not cost the GC anything.
  const sentAt = new Float64Array(total);
  const latency = new Float64Array(total);
  const seen = new Uint8Array(total);
  const byAllowed = new Array(allowed ? Math.max(...allowed.map((a) => a.length)) : 0).fill(0);
  let answered = 0;
  let duplicates = 0;
  let mismatched = 0;
  const examples = [];
  const socks = [];
  for (let s = 0; s < SOCKETS; s++) {
    const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 22, sendBufferSize: 1 << 21 });
    // Connected: no per-send address resolution, and only the server's answers get in.
    await new Promise((r) => sock.connect(o.port, o.host, r));
    sock.on('error', () => {});
    sock.on('message', (m) => {
      const now = performance.now();
      if (m.length < 12) return;
      const i = m.readUInt16BE(0) * SOCKETS + s;
      if (i >= total || sentAt[i] === 0) return;
      if (seen[i]) {
        duplicates++;
        return;
      }
      seen[i] = 1;
      answered++;
      latency[i] = now - sentAt[i];
      if (!allowed) return;
      const k = i % queries.length;
      const which = allowed[k].findIndex((a) => a.length === m.length && a.compare(m, 2, m.length, 2, a.length) === 0);
      if (which < 0) {
        mismatched++;
        if (examples.length < 3) examples.push(`query ${k}: got ${m.toString('hex')}`);
      } else if (allowed[k].length > 1) byAllowed[which]++;
    });
    socks.push(sock);
  }

  // Steady pace: at each tick send what the clock says is due. When this
  // thread was held up (a loaded machine), it does not catch up with a burst a
  // real client would never send: at most `maxBurstMs` worth goes out at once,
  // the schedule slips instead, and the slip is reported.
  const start = performance.now();
  let t0 = start;
  let sent = 0;
  let maxLagMs = 0;
  let slipMs = 0;
  const maxBurst = Math.max(1, Math.round((o.qps * (o.maxBurstMs ?? 5)) / 1000));
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      let due = Math.min(total, Math.floor(((now - t0) * o.qps) / 1000));
      if (due - sent > 0) maxLagMs = Math.max(maxLagMs, ((due - sent) * 1000) / o.qps);
      if (due - sent > maxBurst) {
        const shift = ((due - sent - maxBurst) * 1000) / o.qps;
        t0 += shift;
        slipMs += shift;
        due = sent + maxBurst;
      }
      while (sent < due) {
        const i = sent++;
        const q = Buffer.from(queries[i % queries.length]);
        q.writeUInt16BE(Math.floor(i / SOCKETS), 0);
        sentAt[i] = performance.now();
        socks[i % SOCKETS].send(q);
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const elapsedMs = performance.now() - start;
  // Stragglers: wait until everything is answered or the grace period ends.
  const graceEnd = performance.now() + (o.graceMs ?? 3000);
  while (answered < total && performance.now() < graceEnd) await new Promise((r) => setTimeout(r, 10));
  for (const s of socks) s.close();
  const lat = Array.from(latency.filter((_, i) => seen[i])).sort((a, b) => a - b);
  // Nearest rank, as bench/dnsperf.mjs: the smallest latency with at least p of all at or below it.
  const pct = (p) => (lat.length ? lat[Math.max(0, Math.ceil(lat.length * p) - 1)] : NaN);
  parentPort.postMessage({
    sent,
    answered,
    lost: sent - answered,
    duplicates,
    mismatched,
    byAllowed,
    examples,
    elapsedMs,
    maxLagMs,
    slipMs,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    p999Ms: pct(0.999),
    maxMs: lat.length ? lat[lat.length - 1] : NaN,
    startEpochMs: performance.timeOrigin + start,
    ...(o.timeline ? timeline() : {}),
  });
  function timeline() {
    const sentAtMs = new Float64Array(sent);
    const latencyMs = new Float64Array(sent);
    for (let i = 0; i < sent; i++) {
      sentAtMs[i] = sentAt[i] - start;
      latencyMs[i] = seen[i] ? latency[i] : NaN;
    }
    return { sentAtMs, latencyMs };
  }
}
