// NOTIFY out (RFC 1996 §3.6, §3.7) against downstreams on loopback that
// are real UDP sockets: one that ignores the first two NOTIFYs (retried, then
// acknowledged), one that never answers (given up after the retransmissions),
// one that answers with a wrong ID first (not taken for the answer), one that
// refuses; each counted per target. A TSIG-signed NOTIFY is checked by our
// verifier at the downstream. NSD as the downstream, through the daemon, is in
// test/freshness.test.ts.

import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { signResponse, verifyRequest } from '../dns/tsig.js';
import { parseTsigKeys } from '../dns/tsig-keys.js';
import { Opcode } from '../dns/types.js';
import { MemoryLog } from '../log.js';
import { buildZone } from '../zone/build.js';
import { ZoneStore } from '../zone/store.js';
import { readMessage } from '../../test/helpers/message-reader.js';
import { tinyParse, zoneText } from '../../test/refresh-kit.js';
import { ServerCounters } from './counters.js';
import { Notifier, parseNotifyTarget } from './notify-out.js';

const zoneOf = (serial: number) => buildZone(tinyParse(zoneText(serial)), { dnssec: 'keep' });
const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

/** A downstream: `decide(msg, n)` returns the answer to the n-th NOTIFY (from 1), or null to stay silent. */
async function downstream(decide: (msg: Buffer, n: number) => Uint8Array | null): Promise<{ port: number; received: Buffer[] }> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  const received: Buffer[] = [];
  s.on('message', (m, r) => {
    received.push(m);
    const out = decide(m, received.length);
    if (out !== null) s.send(out, r.port, r.address);
  });
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return { port: s.address().port, received };
}

/** The §4.7 response: the request's header and question, QR set, `rcode`. */
function ack(msg: Buffer, rcode = 0, idDelta = 0): Uint8Array {
  const out = Uint8Array.from(msg.subarray(0, 17));
  const id = ((((out[0]! << 8) | out[1]!) + idDelta) & 0xffff) >>> 0;
  out[0] = id >>> 8;
  out[1] = id & 0xff;
  out[2] = 0x80 | (Opcode.NOTIFY << 3) | 0x04;
  out[3] = rcode;
  out[7] = 0;
  out[11] = 0;
  return out;
}

function notifier(ports: readonly number[], opts: { maxRetransmissions?: number; keys?: ReturnType<typeof parseTsigKeys>; tsig?: string } = {}) {
  const store = new ZoneStore('servfail');
  const counters = new ServerCounters();
  const log = new MemoryLog();
  const n = new Notifier({
    targets: ports.map((p) => parseNotifyTarget(`127.0.0.1:${p}${opts.tsig ? `?tsig=${opts.tsig}` : ''}`)),
    store,
    counters,
    log,
    initialTimeoutMs: 100,
    ...(opts.keys ? { keys: opts.keys } : {}),
    ...(opts.maxRetransmissions !== undefined ? { maxRetransmissions: opts.maxRetransmissions } : {}),
  });
  return { n, store, counters, log };
}

describe('parseNotifyTarget', () => {
  it.each([
    ['127.0.0.2', '127.0.0.2:53'],
    ['127.0.0.2:5353', '127.0.0.2:5353'],
    ['[::1]:5353', '[::1]:5353'],
    ['::1', '[::1]:53'],
    ['127.0.0.2:53?tsig=k1', '127.0.0.2:53'],
  ])('%s → %s', (text, label) => expect(parseNotifyTarget(text).label).toBe(label));
  it.each(['ns1.example', '127.0.0.2:0', '127.0.0.2:70000', '127.0.0.2?key=x', ''])('%s is refused with the expected form', (text) =>
    expect(() => parseNotifyTarget(text)).toThrow(/expected ADDR\[:PORT\]|only parameter/),
  );
});

describe('Notifier', () => {
  it('on a swap to a new serial: NOTIFY with the new SOA; retried while ignored, then acknowledged; counted per target', async () => {
    const d = await downstream((m, n) => (n <= 2 ? null : ack(m)));
    const { n, store, counters, log } = notifier([d.port]);
    n.start();
    const t0 = Date.now();
    store.swap(zoneOf(2026120401));
    await n.idle();
    for (const m of d.received) {
      const r = readMessage(m);
      expect(r.header).toMatchObject({ qr: false, opcode: Opcode.NOTIFY, aa: true, qdcount: 1, ancount: 1 });
      expect(r.questions[0]!.type).toBe(6);
      expect(r.answers[0]!.type).toBe(6);
    }
    expect(d.received.length).toBeGreaterThanOrEqual(3);
    const label = `127.0.0.1:${d.port}`;
    expect(counters.notifySent.get(label)).toMatchObject({ ok: 1, failed: 0 });
    expect(counters.notifySent.get(label)!.retry).toBeGreaterThanOrEqual(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100 + 200 - 20); // 100 ms, doubled
    expect(log.text()).toMatch(/NOTIFY to 127\.0\.0\.1:\d+ for serial 2026120401: no answer in 100 ms; retrying/);
    expect(log.text()).toMatch(/NOTIFY to 127\.0\.0\.1:\d+ for serial 2026120401: acknowledged/);
    n.stop();
  });

  it('a response with another ID is not the answer; REFUSED is failed; a silent target is given up after the retransmissions', async () => {
    const wrongIdFirst = await downstream((m, k) => (k === 1 ? ack(m, 0, 1) : ack(m)));
    const refusing = await downstream((m) => ack(m, 5));
    const silent = await downstream(() => null);
    const { n, counters, log } = notifier([wrongIdFirst.port, refusing.port, silent.port], { maxRetransmissions: 2 });
    await n.notifyAll(zoneOf(2026120402));
    expect(counters.notifySent.get(`127.0.0.1:${wrongIdFirst.port}`)).toEqual({ ok: 1, failed: 0, retry: 1 });
    expect(counters.notifySent.get(`127.0.0.1:${refusing.port}`)).toEqual({ ok: 0, failed: 1, retry: 0 });
    expect(counters.notifySent.get(`127.0.0.1:${silent.port}`)).toEqual({ ok: 0, failed: 1, retry: 2 });
    expect(silent.received).toHaveLength(3);
    expect(log.text()).toMatch(/answered REFUSED/);
    expect(log.text()).toMatch(/no answer after 3 tries; giving up/);
  });

  it('?tsig=NAME: the NOTIFY is signed with that key (verified at the downstream) and the signed answer is checked', async () => {
    const keys = parseTsigKeys('key "down" { algorithm hmac-sha256; secret "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="; };\n', 'test');
    const verdicts: string[] = [];
    const d = await downstream((m) => {
      const v = verifyRequest(m, keys, { clock: systemClock });
      verdicts.push(v.status);
      return v.status === 'verified' ? signResponse(ack(Buffer.from(m)), v, { clock: systemClock }).message : null;
    });
    const { n, counters } = notifier([d.port], { keys, tsig: 'down' });
    await n.notifyAll(zoneOf(2026120403));
    expect(verdicts).toEqual(['verified']);
    expect(counters.notifySent.get(`127.0.0.1:${d.port}`)).toEqual({ ok: 1, failed: 0, retry: 0 });
    expect(() => notifier([d.port], { keys, tsig: 'nope' })).toThrow(/no such key in --tsig-key/);
  });
});
