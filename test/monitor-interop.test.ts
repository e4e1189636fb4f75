// The SOA probe against real authoritative servers (NSD, Knot, BIND, Unbound)
// serving the signed root-sized fixture: their answers differ in shape (NSD adds
// the apex NS and glue, BIND a cookie), and the probe must read the serial and
// the SOA RRSIG times from each. Skips a server only when it is not installed.

import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain .mjs helper without types
import { peerAvailable, startPeer } from '../bench/peers/peers.mjs';
import { probeSoa } from '../src/monitor/soa-probe.js';

interface Peer {
  addr: string;
  port: number;
  stop(): Promise<unknown>;
}

const ZONE = fileURLToPath(new URL('./fixtures/signed/root.zone.signed', import.meta.url));
const started: Peer[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

// BIND only listens on configured addresses: 127.0.0.1 with its own port.
const peers: [string, string, number][] = [
  ['nsd', '127.53.7.1', 5571],
  ['knot', '127.53.7.2', 5572],
  ['bind', '127.0.0.1', 5573],
  ['unbound', '127.53.7.4', 5574],
];

describe.each(peers)('probeSoa against %s', (name, addr, port) => {
  it('reads serial 2026082200 and the SOA RRSIG window', async (ctx) => {
    if (!(peerAvailable(name) as boolean)) ctx.skip();
    const peer = (await startPeer(name, ZONE, addr, port, { readyTimeoutMs: 30_000 })) as Peer;
    started.push(peer);
    const r = await probeSoa({ server: name, address: addr, port }, { timeoutMs: 2000, nowMs: Date.UTC(2026, 7, 22) });
    expect(r).toMatchObject({
      ok: true,
      serial: 2026082200,
      transport: 'udp',
      sigInception: Date.UTC(2026, 0, 1),
      sigExpiration: Date.UTC(2036, 0, 1),
    });
  }, 40_000);
});
