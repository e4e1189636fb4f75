// Response rate limiting in the daemon (`serve --rate-limit`). Every address
// a test can use is loopback, where RRL is off by design (a resolver on the
// same host must never be limited): the first block shows that rule holding,
// the second turns RRL on with --rate-limit-loopback, the option meant for
// trying a deployment on one host, and checks the limit, the slip proportion,
// TCP being exempt, and the counters in /metrics.

import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, tcpExchange } from './helpers/dns-client.js';
import { metric, startRootmirror, type RootmirrorProcess } from './helpers/processes.js';
import { main } from '../src/cli/main.js';

const ZONE = fileURLToPath(new URL('./fixtures/signed/small.zone.signed', import.meta.url));
const RATE = 10;
/** Queries sent at once: few enough that the replies fit the client's default receive buffer (~208 KiB, ~2 KiB a datagram on loopback). */
const FLOOD = 50;

const hostPort = (s: string): [string, number] => {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i), Number(s.slice(i + 1))];
};

interface Replies {
  readonly answered: number;
  /** Empty TC=1 replies: slips. */
  readonly truncated: number;
}

interface Flood {
  /** Once every query has been answered, slipped or dropped: the replies that will come back, given how many were dropped. */
  replies(dropped: number): Promise<Replies>;
}

/**
 * Send `n` `. SOA` queries at once from one socket on 127.0.0.1 (network
 * 127.0.0.0/24), then one from another /24 (its own budget: answered). The daemon
 * reads its socket in order, so once that last answer is back every earlier
 * query has been answered, slipped or dropped: the counters are final, and
 * the replies still on their way are counted as they arrive (bounded wait).
 */
async function flood(to: string, n: number): Promise<Flood> {
  const [host, port] = hostPort(to);
  const sock = dgram.createSocket('udp4');
  let answered = 0;
  let truncated = 0;
  sock.on('message', (m: Buffer) => {
    const tc = (m[2]! & 0x02) !== 0;
    if (tc && m.readUInt16BE(6) === 0) truncated++;
    else if (!tc && (m[3]! & 0x0f) === 0 && m.readUInt16BE(6) > 0) answered++;
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  try {
    sock.setRecvBufferSize(4 << 20);
  } catch {
    // capped (net.core.rmem_max) or refused: FLOOD is small enough anyway
  }
  try {
    for (let i = 0; i < n; i++) sock.send(encodeQuery('.', 'SOA', { id: i, edns: true }), port, host);
    const sentinel = dgram.createSocket('udp4');
    sentinel.bind(0, '127.0.1.1');
    await once(sentinel, 'listening');
    sentinel.send(encodeQuery('.', 'NS', { id: 65000 }), port, host);
    const reply = once(sentinel, 'message');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer to the sentinel query')), 5000).unref());
    await Promise.race([reply, timeout]).finally(() => sentinel.close());
  } catch (e) {
    sock.close();
    throw e;
  }
  return {
    replies: (dropped) =>
      new Promise<Replies>((resolve, reject) => {
        const deadline = setTimeout(() => done(new Error(`${answered + truncated} of ${n - dropped} replies after 5 s`)), 5000);
        const done = (e?: Error): void => {
          clearTimeout(deadline);
          sock.off('message', check);
          sock.close();
          if (e) reject(e);
          else resolve({ answered, truncated });
        };
        const check = (): void => {
          if (answered + truncated >= n - dropped) done();
        };
        sock.on('message', check);
        check();
      }),
  };
}

const base = (addr: string): string[] => ['serve', '--zone-file', ZONE, '--listen', `${addr}:0`, '--http', `${addr}:0`, '--monitor-interval', '0'];

describe('--rate-limit on loopback-only listeners: not applied (a resolver on this host is never limited)', () => {
  let d: RootmirrorProcess;
  beforeAll(async () => {
    d = await startRootmirror([...base('127.0.44.1'), '--rate-limit', String(RATE)]);
  });
  afterAll(() => d.stop());

  it('says so in the log, and answers far more than the limit', async () => {
    expect(d.log()).toMatch(/--rate-limit not applied: every --listen address is loopback/);
    const r = await (await flood(d.ready.listen[0]!, FLOOD)).replies(0);
    expect(r).toEqual({ answered: FLOOD, truncated: 0 });
  });
});

describe('--rate-limit with --rate-limit-loopback: RRL as on a mirror serving other machines', () => {
  let d: RootmirrorProcess;
  const metrics = async (): Promise<string> => (await fetch(`http://${d.ready.http}/metrics`)).text();
  beforeAll(async () => {
    d = await startRootmirror([...base('127.0.44.2'), '--rate-limit', String(RATE), '--rate-limit-loopback']);
  });
  afterAll(() => d.stop());

  it('logs what it limits', () => {
    const line = d.log().split('\n').find((l) => l.includes('rate limiting UDP responses'));
    expect(JSON.parse(line!)).toMatchObject({ perSecond: RATE, slip: 2, ipv4Prefix: 24, ipv6Prefix: 56, loopback: true });
  });

  it('below the limit every query is answered; above it, half of the excess is dropped and half slipped (TC=1); TCP is not limited', async () => {
    const to = d.ready.listen[0]!;
    // N-1 at once: all answered, nothing counted.
    const under = await flood(to, RATE - 1);
    let m = await metrics();
    expect(metric(m, 'rootmirror_dns_rate_limited_total')).toBe(0);
    expect(await under.replies(0)).toEqual({ answered: RATE - 1, truncated: 0 });

    // FLOOD more at once: what is left of the bucket (1, plus what refilled meanwhile), then drop, slip, drop, slip…
    const sent = await flood(to, FLOOD);
    m = await metrics();
    const dropped = metric(m, 'rootmirror_dns_rate_limited_total', { action: 'dropped' });
    const slipped = metric(m, 'rootmirror_dns_rate_limited_total', { action: 'slipped' });
    const over = await sent.replies(dropped);
    expect(over.answered).toBeGreaterThanOrEqual(1);
    expect(over.answered).toBeLessThan(FLOOD / 2);
    expect(over.answered + dropped + slipped).toBe(FLOOD);
    expect(over.truncated).toBe(slipped);
    expect(Math.abs(dropped - slipped)).toBeLessThanOrEqual(1);

    // The same client network over TCP, at once: not limited.
    const tcp = await tcpExchange(...hostPort(to), Array.from({ length: 50 }, (_, i) => encodeQuery('.', 'SOA', { id: i })));
    expect(tcp.filter((r) => (r[2]! & 0x02) === 0 && r.readUInt16BE(6) > 0)).toHaveLength(50);

  });
});

describe('--rate-limit options are checked before anything is opened', () => {
  it.each([
    [['--rate-limit', '1.5'], /--rate-limit 1\.5: expected a whole number of responses per second/],
    [['--rate-limit', '-1'], /--rate-limit -1: expected a whole number/],
    [['--rate-limit', '10', '--rate-limit-slip', '-2'], /--rate-limit-slip -2: expected a whole number/],
    [['--rate-limit', '10', '--rate-limit-ipv4-prefix', '33'], /--rate-limit-ipv4-prefix 33: expected 0 to 32/],
    [['--rate-limit', '10', '--rate-limit-ipv6-prefix', '129'], /--rate-limit-ipv6-prefix 129: expected 0 to 128/],
  ])('%j: usage error (exit 2)', async (extra, message) => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t) };
    expect(await main([...base('127.0.44.3'), ...extra], io)).toBe(2);
    expect(err.join('')).toMatch(message);
  });
});
