// TCP abuse against a running daemon (bench/fuzz.mjs runs it after the UDP
// fuzz): thousands of idle connections against the connection cap, slow
// writers, clients that never read, clients that half-close, length prefixes
// of 0 and of 65535 with a short body. Returns what it saw; the caller checks
// the daemon is alive, its fds and RSS are back down, and answers are right.

import net from 'node:net';
import { deframer, frame } from './dns-tcp.mjs';
import { query } from './fuzz-packets.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(host, port, allowHalfOpen = false) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, allowHalfOpen });
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** Frames read on a socket until `n` or close; resolves with the count. */
function readFrames(s, n, ms) {
  return new Promise((resolve) => {
    let got = 0;
    const done = () => {
      clearTimeout(t);
      resolve(got);
    };
    const t = setTimeout(done, ms);
    s.on(
      'data',
      deframer(() => {
        if (++got >= n) done();
      }),
    );
    s.once('close', done);
  });
}

/**
 * @param {{ host: string, port: number, idle?: number, fds?: () => number, log?: (l: string) => void }} o
 *   idle: connections to open in the idle wave (default 2000)
 */
export async function runTcpAbuse(o) {
  const { host, port } = o;
  const log = o.log ?? (() => {});
  const stats = { idleOpened: 0, idleClosedByServer: 0, idleStillOpen: 0, maxFds: 0, slowWriters: 0, slowClosed: 0, neverRead: 0, halfClosed: 0, halfCloseAnswers: 0, zeroPrefixClosed: 0, bigPrefix: 0 };
  const sampleFds = () => o.fds && (stats.maxFds = Math.max(stats.maxFds, o.fds()));
  const q = frame(query({ name: 'com.', qtype: 2 }));

  // 1. Idle connections, each asked one question first, in waves of 50.
  const idle = [];
  let idleDone = false;
  const n = o.idle ?? 2000;
  for (let i = 0; i < n; i += 50) {
    const wave = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect(host, port)));
    await Promise.all(
      wave.map((s) => {
        s.once('close', () => {
          if (!idleDone) stats.idleClosedByServer++;
          s.destroy();
        });
        const r = readFrames(s, 1, 5000);
        s.write(q);
        return r;
      }),
    );
    idle.push(...wave);
    stats.idleOpened += wave.length;
    sampleFds();
  }
  stats.idleStillOpen = idle.filter((s) => !s.destroyed).length;
  idleDone = true;
  log(`idle: ${stats.idleOpened} opened, ${stats.idleClosedByServer} closed by the server to make room, ${stats.idleStillOpen} open, max daemon fds ${stats.maxFds}`);
  for (const s of idle) s.destroy();

  // 2. Slow writers: one octet every 200 ms of a query, 100 at once.
  const slow = await Promise.all(Array.from({ length: 100 }, () => connect(host, port)));
  stats.slowWriters = slow.length;
  const t0 = Date.now();
  for (let k = 0; k < q.length && slow.some((s) => !s.destroyed); k++) {
    for (const s of slow) if (!s.destroyed) s.write(q.subarray(k, k + 1));
    await pause(200);
    sampleFds();
  }
  stats.slowClosed = slow.filter((s) => s.destroyed || s.readableEnded).length;
  log(`slow writers: ${stats.slowClosed}/${slow.length} closed by the server within ${Date.now() - t0} ms`);
  for (const s of slow) s.destroy();

  // 3. Never reading: 50 clients pipelining 20,000 queries each.
  const big = Buffer.concat(Array.from({ length: 20_000 }, () => frame(query({ name: 'www.com.', qtype: 1, opt: { flags: 0x8000 } }))));
  const deaf = await Promise.all(Array.from({ length: 50 }, () => connect(host, port)));
  for (const s of deaf) {
    s.pause();
    s.write(big);
  }
  stats.neverRead = deaf.length;
  await pause(1000);
  sampleFds();

  // 4. Half-close after 100 queries: every answer must come, then FIN.
  const half = await Promise.all(Array.from({ length: 50 }, () => connect(host, port, true)));
  const counts = await Promise.all(
    half.map((s) => {
      const r = readFrames(s, 100, 10_000);
      s.end(Buffer.concat(Array.from({ length: 100 }, () => q)));
      return r;
    }),
  );
  stats.halfClosed = half.length;
  stats.halfCloseAnswers = counts.reduce((a, b) => a + b, 0);
  for (const s of half) s.destroy();

  // 5. Length prefix 0 (closed at once) and 65535 with a short body (closed at the idle timeout).
  const zero = await Promise.all(Array.from({ length: 100 }, () => connect(host, port)));
  await Promise.all(
    zero.map(
      (s) =>
        new Promise((resolve) => {
          const t = setTimeout(resolve, 5000);
          s.once('close', () => {
            stats.zeroPrefixClosed++;
            clearTimeout(t);
            resolve();
          });
          s.write(Buffer.of(0, 0, 1, 2, 3));
        }),
    ),
  );
  const bigPrefix = await Promise.all(Array.from({ length: 100 }, () => connect(host, port)));
  for (const s of bigPrefix) s.write(Buffer.concat([Buffer.of(0xff, 0xff), q.subarray(2)]));
  stats.bigPrefix = bigPrefix.length;
  log(`half-close: ${stats.halfCloseAnswers}/${50 * 100} answers; length prefix 0: ${stats.zeroPrefixClosed}/100 closed; 50 never-reading and 100 65535-prefix connections left to the idle timeout`);
  return {
    stats,
    /** Close what is left on our side (after the caller has watched the daemon time them out by its fd count). */
    cleanup: () => {
      for (const s of [...deaf, ...bigPrefix]) s.destroy();
    },
  };
}
