// TCP abuse (RFC 7766): slow writers, half-open connections, silly length
// prefixes, thousands of idle connections against the cap, pipelining with
// async answers, the pending-per-connection cap, the idle timeout; plus the
// "nothing brings it down" rule: an exception while answering is SERVFAIL, a
// counter and a rate-limited log line. In-process servers, so limits can be
// injected and counters read; 127.61.2.0/24 only.

import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deframer, frame } from '../bench/dns-tcp.mjs';
import { createLogger } from '../src/log.js';
import { ServerCounters } from '../src/server/counters.js';
import { Acl, LOOPBACK } from '../src/server/acl.js';
import { Responder, type Fallback } from '../src/server/respond.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { startUdp } from '../src/server/udp.js';
import { ZoneStore } from '../src/zone/store.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';
import type { Zone } from '../src/zone/zone.js';
import { decode, encodeQuery, udpExchange } from './helpers/dns-client.js';

const SMALL = readFileSync(new URL('./fixtures/signed/small.zone.signed', import.meta.url));
const zone = buildZone(parseZoneText(SMALL, { file: 'small.zone.signed' }), { dnssec: 'keep' });
const IDLE = 300;

/** A TCP client that keeps every framed answer and notices the server closing. */
class Client {
  readonly frames: Buffer[] = [];
  closedBy: 'end' | 'error' | undefined;
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  private constructor(readonly sock: net.Socket) {
    this.closed = new Promise((resolve) => sock.once('close', () => resolve()));
    sock.on('end', () => (this.closedBy ??= 'end'));
    sock.on('error', () => (this.closedBy ??= 'error'));
    sock.on('close', () => this.wake());
    const onMessage = deframer((m: Buffer) => this.frames.push(Buffer.from(m)));
    sock.on('data', (d: Buffer) => {
      onMessage(d);
      this.wake();
    });
  }

  static connect(server: RunningServer, opts: { allowHalfOpen?: boolean } = {}): Promise<Client> {
    const { address, port } = server.addresses[0]!;
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: address, port, allowHalfOpen: opts.allowHalfOpen ?? false });
      sock.setNoDelay(true);
      sock.once('connect', () => resolve(new Client(sock)));
      sock.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolve once `n` answers are in; reject if the connection closes first or after `ms`. */
  async answers(n: number, ms = 10_000): Promise<Buffer[]> {
    const deadline = Date.now() + ms;
    while (this.frames.length < n) {
      if (this.sock.destroyed || this.closedBy) throw new Error(`closed (${this.closedBy ?? 'destroyed'}) after ${this.frames.length}/${n} answers`);
      if (Date.now() > deadline) throw new Error(`timeout after ${this.frames.length}/${n} answers`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
    }
    return this.frames.slice(0, n);
  }

  send(...msgs: Uint8Array[]): void {
    this.sock.write(Buffer.concat(msgs.map(frame)));
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `f` until true (a condition on counters the test cannot await directly). */
async function until(f: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await pause(10);
  }
}

const rcodeOf = (m: Buffer): number => m[3]! & 0x0f;
const idOf = (m: Buffer): number => m.readUInt16BE(0);

let fast: RunningServer; // idle timeout IDLE ms
let plain: RunningServer; // the defaults: 10 s idle, 256 connections, 32 pending
const store = new ZoneStore();
store.swap(zone);

beforeAll(async () => {
  fast = await startServer({ listen: ['127.61.2.1:0'], store, tcpIdleTimeoutMs: IDLE });
  plain = await startServer({ listen: ['127.61.2.2:0'], store });
});
afterAll(async () => {
  await Promise.all([fast.close(), plain.close()]);
});

describe('framing and partial reads', () => {
  it('answers a pipeline written one octet at a time, identically to one write', async () => {
    const qs = ['com.', 'x.many.', 'nope.'].map((n, i) => encodeQuery(n, 'A', { id: 10 + i, dnssecOk: true }));
    const whole = await Client.connect(plain);
    whole.send(...qs);
    const want = await whole.answers(3);
    whole.sock.destroy();
    const slow = await Client.connect(plain);
    const bytes = Buffer.concat(qs.map(frame));
    for (const b of bytes) {
      slow.sock.write(Buffer.of(b));
      await pause(1);
    }
    expect(await slow.answers(3)).toEqual(want);
    slow.sock.destroy();
  });

  it('reassembles frames split at random points, 200 queries in order', async () => {
    const qs = Array.from({ length: 200 }, (_, i) => encodeQuery(i % 3 ? `n${i}.com.` : 'x.many.', 'A', { id: i, edns: i % 2 === 0 }));
    const bytes = Buffer.concat(qs.map(frame));
    const c = await Client.connect(plain);
    let o = 0;
    let seed = 7;
    while (o < bytes.length) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = 1 + (seed % 97);
      c.sock.write(bytes.subarray(o, o + n));
      o += n;
      if (seed % 5 === 0) await pause(1);
    }
    const got = await c.answers(200);
    expect(got.map(idOf)).toEqual(qs.map((_, i) => i));
    c.sock.destroy();
  });

  it('length prefix 0 (or under 12) closes the connection; the server carries on', async () => {
    for (const prefix of [Buffer.of(0, 0), Buffer.of(0, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)]) {
      const before = plain.counters.malformed;
      const c = await Client.connect(plain);
      c.sock.write(prefix);
      await c.closed;
      expect(plain.counters.malformed).toBe(before + 1);
    }
    const ok = await Client.connect(plain);
    ok.send(encodeQuery('.', 'SOA'));
    expect(rcodeOf((await ok.answers(1))[0]!)).toBe(0);
    ok.sock.destroy();
  });

  it('length prefix 65535 with a short body: nothing answered, closed at the idle timeout', async () => {
    const before = fast.counters.tcpIdleTimeouts;
    const c = await Client.connect(fast);
    const t0 = Date.now();
    c.sock.write(Buffer.concat([Buffer.of(0xff, 0xff), encodeQuery('com.', 'NS')]));
    await c.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(IDLE - 50);
    expect(c.frames).toHaveLength(0);
    expect(fast.counters.tcpIdleTimeouts).toBe(before + 1);
  });

  it('a 65535-octet message is read whole (FORMERR: trailing octets) and the connection stays usable', async () => {
    const q = encodeQuery('com.', 'NS', { id: 1 });
    const big = Buffer.concat([q, Buffer.alloc(65535 - q.length)]);
    const c = await Client.connect(plain);
    c.send(big, encodeQuery('com.', 'NS', { id: 2 }));
    const [a, b] = await c.answers(2);
    expect([idOf(a!), rcodeOf(a!)]).toEqual([1, 1]);
    expect([idOf(b!), rcodeOf(b!)]).toEqual([2, 0]);
    c.sock.destroy();
  });
});

describe('slow and half-open clients', () => {
  it('a writer dribbling one message for longer than the idle timeout is closed', async () => {
    const before = fast.counters.tcpIdleTimeouts;
    const c = await Client.connect(fast);
    const bytes = frame(encodeQuery('www.example.', 'A'));
    const t0 = Date.now();
    for (const b of bytes) {
      if (c.sock.destroyed || c.closedBy) break;
      c.sock.write(Buffer.of(b));
      await pause(IDLE / 4);
    }
    await c.closed;
    expect(c.frames).toHaveLength(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(IDLE);
    expect(Date.now() - t0).toBeLessThan(bytes.length * (IDLE / 4));
    expect(fast.counters.tcpIdleTimeouts).toBe(before + 1);
  });

  it('a client that shuts its write side after the queries still gets every answer, then FIN', async () => {
    const c = await Client.connect(plain, { allowHalfOpen: true });
    const qs = Array.from({ length: 50 }, (_, i) => encodeQuery(`q${i}.com.`, 'A', { id: i, dnssecOk: true }));
    c.sock.end(Buffer.concat(qs.map(frame)));
    await c.closed;
    expect(c.frames.map(idOf)).toEqual(qs.map((_, i) => i));
    expect(c.closedBy).toBe('end');
  });

  it('a client that never reads: the server stops reading too, keeps serving others, closes it at the idle timeout', async () => {
    const c = await Client.connect(fast);
    c.sock.pause();
    const before = fast.counters.totalQueries;
    const q = frame(encodeQuery('x.many.', 'A', { dnssecOk: true })); // ~1.2 kB answers
    const n = 60_000;
    c.sock.write(Buffer.concat(Array.from({ length: n }, () => q)));
    // The answered count must stop growing (backpressure), far below n:
    // unchanged for 200 ms, not merely between two polls (a loaded host stalls).
    let last = -1;
    let since = Date.now();
    await until(
      () => {
        const now = fast.counters.totalQueries;
        if (now !== last) {
          last = now;
          since = Date.now();
        }
        return Date.now() - since >= 200;
      },
      10_000,
      'answers to stop',
    );
    const answered = fast.counters.totalQueries - before;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(n / 2);
    // Others are served meanwhile.
    const other = await Client.connect(fast);
    other.send(encodeQuery('.', 'SOA'));
    expect(rcodeOf((await other.answers(1))[0]!)).toBe(0);
    other.sock.destroy();
    await until(() => fast.counters.tcpOpen === 0, 5_000, 'the blocked connection to be closed');
    c.sock.destroy();
  });
});

describe('limits', () => {
  it('pipelined queries with async answers released out of order still come back in order; at most maxPending in flight', async () => {
    const held: { q: Uint8Array; release: () => void }[] = [];
    let waitFor: { n: number; resolve: () => void } | undefined;
    const fallback: Fallback = {
      forward: (q) =>
        new Promise((resolve) => {
          const out = Uint8Array.from(q);
          out[2]! |= 0x80;
          held.push({ q, release: () => resolve(out) });
          if (waitFor && held.length >= waitFor.n) waitFor.resolve();
        }),
    };
    const relaying = new ZoneStore('fallback');
    const s = await startServer({ listen: ['127.61.2.3:0'], store: relaying, fallback, maxPendingPerConnection: 8 });
    try {
      const c = await Client.connect(s);
      const eight = new Promise<void>((resolve) => (waitFor = { n: 8, resolve }));
      c.send(...Array.from({ length: 100 }, (_, i) => encodeQuery(`q${i}.com.`, 'A', { id: i })));
      await eight;
      await pause(100); // nothing more may start while 8 are pending
      expect(held).toHaveLength(8);
      // Release newest first, repeatedly, until all 100 are answered.
      let released = 0;
      while (released < 100) {
        const batch = held.slice(released);
        for (const h of batch.reverse()) h.release();
        released += batch.length;
        await until(() => held.length > released || c.frames.length === 100, 5_000, 'the next queries to start');
        expect(held.length - released).toBeLessThanOrEqual(8);
      }
      const got = await c.answers(100);
      expect(got.map(idOf)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      c.sock.destroy();
    } finally {
      await s.close();
    }
  });

  it('idle timeout: an idle connection is closed after it, an active one is not', async () => {
    // Its own server with a longer timeout, so a loaded machine's scheduling hiccups cannot look idle.
    const idleMs = 800;
    const s = await startServer({ listen: ['127.61.2.8:0'], store, tcpIdleTimeoutMs: idleMs });
    try {
      const idle = await Client.connect(s);
      const active = await Client.connect(s);
      // Before the query: the server's idle timer starts no earlier than its answer.
      const t0 = Date.now();
      idle.send(encodeQuery('.', 'SOA'));
      await idle.answers(1);
      let idleClosedAt = 0;
      void idle.closed.then(() => (idleClosedAt = Date.now()));
      // Keep `active` busy for two idle periods.
      for (let i = 1; Date.now() - t0 < 2 * idleMs; i++) {
        active.send(encodeQuery('.', 'SOA', { id: i }));
        await active.answers(i);
        await pause(idleMs / 16);
      }
      await idle.closed;
      expect(idleClosedAt - t0).toBeGreaterThanOrEqual(idleMs - 50);
      expect(active.closedBy).toBeUndefined();
      expect(active.sock.destroyed).toBe(false);
      expect(s.counters.tcpIdleTimeouts).toBe(1);
      active.sock.destroy();
    } finally {
      await s.close();
    }
  });

  it('2,000 idle connections against the default cap of 256: oldest idle closed first, new ones served, fds bounded', async () => {
    const limit = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1] ?? '1024';
    const soft = limit === 'unlimited' ? Infinity : Number(limit);
    // Server and clients share this process: at most ~256 + 256 + a few sockets at once.
    expect(soft, 'ulimit -n too low for this test').toBeGreaterThanOrEqual(700);
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const fd0 = fds();
    let maxFds = fd0;
    const clients: Client[] = [];
    const BATCH = 4;
    for (let i = 0; i < 2000; i += BATCH) {
      const batch = await Promise.all(Array.from({ length: BATCH }, () => Client.connect(plain)));
      batch.forEach((c, k) => {
        void c.closed.then(() => c.sock.destroy());
        c.send(encodeQuery('com.', 'NS', { id: i + k }));
      });
      await Promise.all(batch.map((c) => c.answers(1)));
      clients.push(...batch);
      expect(plain.counters.tcpOpen).toBeLessThanOrEqual(256);
      maxFds = Math.max(maxFds, fds());
    }
    await until(() => clients.filter((c) => !c.sock.destroyed).length <= 256, 5_000, 'evicted clients to see their close');
    const open = clients.map((c, i) => (c.sock.destroyed ? -1 : i)).filter((i) => i >= 0);
    const closed = clients.map((c, i) => (c.sock.destroyed ? i : -1)).filter((i) => i >= 0);
    expect(open.length).toBeGreaterThanOrEqual(256 - BATCH);
    expect(Math.max(...closed)).toBeLessThan(Math.min(...open) + BATCH);
    // The survivors are still answered on their idle connections, and a new one gets in.
    for (const i of open.slice(-5)) {
      clients[i]!.send(encodeQuery('.', 'SOA', { id: 9 }));
      expect(rcodeOf((await clients[i]!.answers(2))[1]!)).toBe(0);
    }
    const fresh = await Client.connect(plain);
    fresh.send(encodeQuery('.', 'SOA'));
    expect(rcodeOf((await fresh.answers(1))[0]!)).toBe(0);
    expect(maxFds - fd0).toBeLessThan(2 * 256 + 64);
    for (const c of [...clients, fresh]) c.sock.destroy();
    await until(() => plain.counters.tcpOpen === 0, 5_000, 'all connections closed');
  });
});

describe('AXFR over TCP', () => {
  // A zone with a lot of records and one over 16 KiB.
  const big = Array.from({ length: 100 }, () => `"${'x'.repeat(200)}"`).join(' ');
  const lines = Array.from({ length: 20_000 }, (_, i) => `t${i}.test. 3600 IN TXT "filler record number ${i}"`);
  const text = `${readFileSync(new URL('./fixtures/signed/small.zone', import.meta.url), 'latin1')}\nbig.arpa. 3600 IN TXT ${big}\n${lines.join('\n')}\n`;
  let s: RunningServer;
  beforeAll(async () => {
    const st = new ZoneStore();
    st.swap(buildZone(parseZoneText(text, {}), { dnssec: 'strip' }));
    s = await startServer({ listen: ['127.61.2.4:0'], store: st, tcpIdleTimeoutMs: IDLE });
  });
  afterAll(() => s.close());

  const transfer = async (c: Client): Promise<number> => {
    let soas = 0;
    let records = 0;
    for (let i = 0; soas < 2; i++) {
      const m = (await c.answers(i + 1))[i]!;
      const d = decode(m);
      soas += d.answer.filter((x) => x.endsWith(' SOA')).length;
      records += d.answer.length;
    }
    return records;
  };

  it('transfers a zone with a 20 kB record to a reader that reads slowly, then answers the next query', async () => {
    const c = await Client.connect(s);
    c.sock.pause();
    c.send(encodeQuery('.', 'AXFR', { id: 1 }), encodeQuery('.', 'SOA', { id: 2 }));
    const reading = transfer(c);
    // Read in sips: 50 ms paused, a little read.
    while (!c.frames.some((m) => idOf(m) === 2)) {
      c.sock.resume();
      await pause(2);
      c.sock.pause();
      await pause(IDLE / 6);
      if (c.closedBy) break;
    }
    c.sock.resume();
    const records = await reading;
    expect(records).toBeGreaterThan(20_000);
    expect(c.frames.some((m) => m.length > 20_000)).toBe(true);
    expect(idOf(c.frames.at(-1)!)).toBe(2);
    c.sock.destroy();
  });

  it('a transfer to a client that never reads is closed at the idle timeout (nothing pending forever)', async () => {
    const c = await Client.connect(s);
    c.sock.pause();
    c.send(encodeQuery('.', 'AXFR'));
    await until(() => s.counters.axfrServed > 0, 5_000, 'the transfer to start');
    await until(() => s.counters.tcpOpen === 0, 10_000, 'the stalled transfer to be closed');
    c.sock.destroy();
  });
});

describe('an exception while answering', () => {
  const logged: string[] = [];
  const log = createLogger({ format: 'json', level: 'error', sink: { write: (l: string) => logged.push(l) } });
  class Boom extends Map<string, never> {
    override get(): never {
      throw new Error('injected lookup failure');
    }
    // The wire fast path indexes the nodes (locate-wire.ts) instead of get()ting them.
    override values(): never {
      throw new Error('injected index failure');
    }
  }
  const broken: Zone = { ...zone, nodes: new Boom() };

  it('becomes SERVFAIL with the ID over UDP and TCP, a counter, and rate-limited log lines', async () => {
    const st = new ZoneStore();
    st.swap(broken);
    const s = await startServer({ listen: ['127.61.2.5:0'], store: st, log });
    try {
      const { address, port } = s.addresses[0]!;
      for (let i = 0; i < 20; i++) {
        const u = await udpExchange(address, port, encodeQuery(`n${i}.com.`, 'A', { id: 100 + i }));
        expect([idOf(u), rcodeOf(u)]).toEqual([100 + i, 2]);
      }
      const c = await Client.connect(s);
      c.send(...Array.from({ length: 5 }, (_, i) => encodeQuery('com.', 'NS', { id: i })));
      expect((await c.answers(5)).map((m) => [idOf(m), rcodeOf(m)])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 2]));
      c.sock.destroy();
      expect(s.counters.servfailOnException).toBe(25);
      const lines = logged.filter((l) => l.includes('exception while answering'));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThanOrEqual(5);
      expect(lines[0]).toMatch(/injected (lookup|index) failure/);
      // The zone comes back: answers are normal again.
      st.swap(zone);
      expect(rcodeOf(await udpExchange(address, port, encodeQuery('com.', 'NS')))).toBe(0);
    } finally {
      await s.close();
    }
  });

  it.each([
    ['throws', (): Promise<Uint8Array | undefined> => { throw new Error('sync'); }],
    ['rejects', (): Promise<Uint8Array | undefined> => Promise.reject(new Error('async'))],
  ])('a fallback that %s gives SERVFAIL over UDP and TCP', async (_n, forward) => {
    const s = await startServer({ listen: ['127.61.2.6:0'], store: new ZoneStore('fallback'), fallback: { forward } });
    try {
      const { address, port } = s.addresses[0]!;
      const u = await udpExchange(address, port, encodeQuery('com.', 'NS', { id: 7 }));
      expect([idOf(u), rcodeOf(u)]).toEqual([7, 2]);
      const c = await Client.connect(s);
      c.send(encodeQuery('com.', 'NS', { id: 8 }), encodeQuery('net.', 'NS', { id: 9 }));
      expect((await c.answers(2)).map((m) => [idOf(m), rcodeOf(m)])).toEqual([
        [8, 2],
        [9, 2],
      ]);
      c.sock.destroy();
    } finally {
      await s.close();
    }
  });

  it('a datagram from source port 0 is dropped, not fatal (dgram.send throws on port 0)', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.61.2.7', () => r()));
    const counters = new ServerCounters();
    startUdp(sock, new Responder({ store, counters, allowQuery: new Acl(LOOPBACK) }), counters);
    const msg = encodeQuery('com.', 'NS');
    expect(() => sock.emit('message', msg, { address: '127.0.0.1', family: 'IPv4', port: 0, size: msg.length })).not.toThrow();
    expect(counters.dropped).toBe(1);
    sock.close();
  });
});
