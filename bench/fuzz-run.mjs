// Drive a running server with fuzz packets (bench/fuzz-packets.mjs) over UDP
// and, for a small share, TCP, with valid probe queries interleaved whose
// answers must match byte for byte (ID aside) what a clean server gives.
// Shared by bench/fuzz.mjs (1,000,000+ packets) and test/fuzz-server.test.ts.
//
// Pacing is closed-loop: each lane sends a batch of fuzz datagrams, then one
// probe, and waits for the probe's answer before the next batch. The server
// reads its socket in order, so the probe's answer means the batch before it
// was read (or dropped by the kernel; the daemon's counters tell which).

import dgram from 'node:dgram';
import net from 'node:net';
import { deframer, frame } from './dns-tcp.mjs';
import { createFuzzer, questionEnd } from './fuzz-packets.mjs';

/**
 * @typedef {{ query: Buffer, udp: Buffer, tcp: Buffer, label: string }} Probe
 * @param {{
 *   host: string, port: number, seed: number, packets: number, probes: Probe[],
 *   seeds: Buffer[], lanes?: number, batch?: number, tcpEvery?: number,
 *   rss?: () => number, checkpoints?: number, log?: (line: string) => void,
 * }} o
 */
export async function runFuzz(o) {
  const lanes = o.lanes ?? 4;
  const batch = o.batch ?? 64;
  const tcpEvery = o.tcpEvery ?? 50; // one TCP batch per this many UDP batches per lane
  const gen = createFuzzer(o.seed, o.seeds);
  const stats = {
    seed: o.seed,
    sent: 0,
    sentTcp: 0,
    /** Every message sent: fuzz packets, probes, probe retries. */
    messages: 0,
    kinds: /** @type {Record<string, number>} */ ({}),
    responses: 0,
    badResponses: 0,
    oversizeResponses: 0,
    probes: 0,
    probeRetries: 0,
    tcpProbes: 0,
    mismatches: /** @type {object[]} */ ([]),
    failures: /** @type {string[]} */ ([]),
    rss: /** @type {{ at: number, kb: number }[]} */ ([]),
    elapsedMs: 0,
    /** The last packets sent, for reproducing a failure. */
    recent: /** @type {{ kind: string, hex: string }[]} */ ([]),
  };
  const remember = (kind, bytes) => {
    stats.recent.push({ kind, hex: bytes.length > 600 ? `${bytes.subarray(0, 600).toString('hex')}… (${bytes.length} octets)` : bytes.toString('hex') });
    if (stats.recent.length > 64) stats.recent.shift();
  };
  const checkEvery = Math.max(1, Math.floor(o.packets / (o.checkpoints ?? 10)));
  let nextCheckpoint = checkEvery;
  let probeIndex = 0;
  let stop = false;
  const t0 = performance.now();
  if (o.rss) stats.rss.push({ at: 0, kb: o.rss() });

  const compare = (probe, got, transport) => {
    stats.probes++;
    const want = transport === 'udp' ? probe.udp : probe.tcp;
    if (got.length === want.length && got.compare(want, 2, want.length, 2, got.length) === 0) return;
    if (stats.mismatches.length < 5) stats.mismatches.push({ transport, probe: probe.label, query: probe.query.toString('hex'), want: want.toString('hex'), got: got.toString('hex') });
    else stats.mismatches.length++;
  };

  const lane = async (laneNo) => {
    const fz = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 22 });
    const pr = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    await Promise.all([new Promise((r) => fz.bind(0, r)), new Promise((r) => pr.bind(0, r))]);
    fz.on('message', (m) => {
      stats.responses++;
      if (m.length < 12 || !(m[2] & 0x80)) stats.badResponses++;
      if (m.length > 1232) stats.oversizeResponses++;
    });
    fz.on('error', () => {});
    pr.on('error', () => {});
    let waiting = null;
    pr.on('message', (m) => {
      if (waiting !== null && m.length >= 2 && m.readUInt16BE(0) === waiting.id) waiting.done(m);
    });
    const probeOnce = (q, id) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          resolve(null);
        }, 1000);
        waiting = {
          id,
          done: (m) => {
            clearTimeout(timer);
            waiting = null;
            resolve(m);
          },
        };
        stats.messages++;
        pr.send(q, o.port, o.host);
      });
    let batches = 0;
    try {
      while (!stop && stats.sent < o.packets) {
        if (tcpEvery > 0 && ++batches % tcpEvery === 0) {
          await tcpBatch(laneNo);
          continue;
        }
        for (let k = 0; k < batch && stats.sent < o.packets; k++) {
          const p = gen.next();
          stats.sent++;
          stats.kinds[p.kind] = (stats.kinds[p.kind] ?? 0) + 1;
          remember(p.kind, p.bytes);
          stats.messages++;
          fz.send(p.bytes, o.port, o.host);
        }
        const probe = o.probes[probeIndex++ % o.probes.length];
        const id = (laneNo << 12) | (probeIndex & 0xfff);
        const q = Buffer.from(probe.query);
        q.writeUInt16BE(id, 0);
        let got = null;
        for (let attempt = 0; attempt < 6 && got === null; attempt++) {
          if (attempt > 0) stats.probeRetries++;
          got = await probeOnce(q, id);
        }
        if (got === null) {
          stats.failures.push(`UDP probe ${probe.label} unanswered after 6 tries (after ${stats.sent} packets)`);
          stop = true;
          break;
        }
        compare(probe, got, 'udp');
        while (stats.sent >= nextCheckpoint) {
          nextCheckpoint += checkEvery;
          if (o.rss) stats.rss.push({ at: stats.sent, kb: o.rss() });
          o.log?.(`${stats.sent} packets, ${Math.round(stats.sent / ((performance.now() - t0) / 1000))} packets/s${o.rss ? `, rss ${(stats.rss.at(-1).kb / 1024).toFixed(1)} MB` : ''}`);
        }
      }
    } finally {
      fz.close();
      pr.close();
    }
  };

  /** Fuzz frames on one TCP connection, then a probe whose answer must come back last. */
  const tcpBatch = (laneNo) =>
    new Promise((resolve) => {
      const frames = [];
      for (let k = 0; k < batch && stats.sent < o.packets; k++) {
        const p = gen.next();
        // Length prefixes under 12 close the connection by design (test/tcp-abuse covers them).
        if (p.bytes.length < 12 || p.bytes.length > 65535) continue;
        stats.sent++;
        stats.sentTcp++;
        stats.kinds[p.kind] = (stats.kinds[p.kind] ?? 0) + 1;
        remember(`tcp:${p.kind}`, p.bytes);
        frames.push(frame(p.bytes));
      }
      stats.messages += frames.length + 1;
      const probe = o.probes[probeIndex++ % o.probes.length];
      const id = 0xf000 | (laneNo << 8) | (probeIndex & 0xff);
      const q = Buffer.from(probe.query);
      q.writeUInt16BE(id, 0);
      const qend = questionEnd(q);
      frames.push(frame(q));
      const sock = net.connect({ host: o.host, port: o.port });
      let done = false;
      const finish = (failure) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (failure) {
          stats.failures.push(failure);
          stats.failedTcpBatch = frames.map((f) => f.toString('hex'));
          stop = true;
        }
        resolve();
      };
      const timer = setTimeout(() => finish(`TCP probe ${probe.label}: no answer within 10 s`), 10_000);
      sock.on('error', (e) => finish(`TCP batch: ${e.message}`));
      sock.on('close', () => finish(`TCP batch: server closed the connection before the probe's answer`));
      sock.on('connect', () => sock.write(Buffer.concat(frames)));
      sock.on(
        'data',
        deframer((m) => {
          if (done) return;
          if (m.length >= qend && m.readUInt16BE(0) === id && m.compare(q, 12, qend, 12, qend) === 0) {
            stats.tcpProbes++;
            compare(probe, Buffer.from(m), 'tcp');
            finish();
            return;
          }
          stats.responses++;
          if (m.length < 12 || !(m[2] & 0x80)) stats.badResponses++;
        }),
      );
    });

  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  stats.elapsedMs = performance.now() - t0;
  if (o.rss) stats.rss.push({ at: stats.sent, kb: o.rss() });
  return stats;
}

/** Ask every probe once over UDP and once over TCP; return the mismatches. */
export async function checkAllProbes(host, port, probes) {
  const bad = [];
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, r));
  try {
    for (const [i, p] of probes.entries()) {
      const q = Buffer.from(p.query);
      q.writeUInt16BE(i & 0xffff, 0);
      let got = null;
      for (let attempt = 0; attempt < 5 && got === null; attempt++) {
        got = await new Promise((resolve) => {
          const t = setTimeout(() => {
            sock.off('message', on);
            resolve(null);
          }, 1000);
          const on = (m) => {
            if (m.readUInt16BE(0) !== (i & 0xffff)) return;
            clearTimeout(t);
            sock.off('message', on);
            resolve(m);
          };
          sock.on('message', on);
          sock.send(q, port, host);
        });
      }
      if (got === null || got.compare(p.udp, 2, p.udp.length, 2, got.length) !== 0) bad.push(`udp ${p.label}: ${got === null ? 'no answer' : 'different answer'}`);
    }
  } finally {
    sock.close();
  }
  // TCP: all probes pipelined on one connection, answers in order.
  const answers = await new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const out = [];
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`TCP: ${out.length}/${probes.length} answers within 20 s`));
    }, 20_000);
    s.on('error', reject);
    s.on('connect', () => {
      s.write(
        Buffer.concat(
          probes.map((p, i) => {
            const f = frame(p.query);
            f.writeUInt16BE(i & 0xffff, 2);
            return f;
          }),
        ),
      );
    });
    s.on(
      'data',
      deframer((m) => {
        if (out.length === probes.length) return;
        out.push(Buffer.from(m));
        if (out.length === probes.length) {
          clearTimeout(t);
          s.destroy();
          resolve(out);
        }
      }),
    );
  });
  answers.forEach((m, i) => {
    const p = probes[i];
    if (m.readUInt16BE(0) !== (i & 0xffff) || m.compare(p.tcp, 2, p.tcp.length, 2, m.length) !== 0) bad.push(`tcp ${p.label}: different answer or order`);
  });
  return bad;
}
