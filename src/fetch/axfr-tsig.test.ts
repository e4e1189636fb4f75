// The AXFR client with a TSIG key (RFC 8945) against real NSD on loopback.
// NSD serves `open.` to anyone (unsigned or signed with the key) and `locked.`
// only to requests signed with the key. A tiny relay between us and NSD flips
// one octet of message 3 to show that our stream verifier, not the parser,
// catches tampering.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deframer, frame } from '../../bench/dns-tcp.mjs';
import { Name } from '../dns/name.js';
import { parseTsigKeys, type TsigKey } from '../dns/tsig-keys.js';
import { findProgram, freePort, type Daemon } from '../../test/helpers/processes.js';
import { FetchError } from './errors.js';
import { axfr, querySoaSerial } from './axfr.js';
import { nsdKeyConf, startNsd } from '../../test/helpers/nsd.js';

const NSD = findProgram('nsd');
const KEYGEN = findProgram('tsig-keygen');
const RECORDS = 4000;

function keygen(name: string): TsigKey {
  return parseTsigKeys(execFileSync(KEYGEN!, ['-a', 'hmac-sha256', name], { encoding: 'utf8' }), 'tsig-keygen').keys()[0]!;
}

/** A zone big enough for NSD to send its AXFR in many messages. */
function bigZone(origin: string): string {
  const lines = [`$ORIGIN ${origin}`, '$TTL 3600', `@ SOA ns.${origin} hostmaster.${origin} 2026010101 3600 900 604800 300`, `@ NS ns.${origin}`, 'ns A 192.0.2.1'];
  for (let i = 0; i < RECORDS; i++) lines.push(`host-${i}-with-a-longer-label-for-size TXT "record ${i} ${'x'.repeat(60)}"`);
  return lines.join('\n') + '\n';
}

/** Relays one client's TCP stream to NSD and back, flipping one octet of NSD's third message. */
async function tamperingRelay(upstreamPort: number): Promise<{ port: number; flipped: () => boolean; close: () => Promise<void> }> {
  let flipped = false;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    let n = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on(
      'data',
      deframer((m: Buffer) => {
        const msg = Buffer.from(m);
        if (++n === 3) {
          // An 'x' of a TXT string: the message still parses, only its MAC can tell.
          const at = msg.indexOf('xxxxxxxxxx');
          msg[at + 5] ^= 0x20;
          flipped = at > 0;
        }
        client.write(frame(msg));
      }),
    );
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, flipped: () => flipped, close: () => new Promise((r) => server.close(() => r())) };
}

async function rejection(p: Promise<unknown>): Promise<FetchError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchError);
  return err as FetchError;
}

describe.skipIf(!NSD || !KEYGEN)('axfr with TSIG against NSD', () => {
  let dir: string;
  let port: number;
  let nsd: Daemon | undefined;
  let key: TsigKey;
  const open = Name.fromText('open.');
  const locked = Name.fromText('locked.');
  const at = (): { host: string; port: number } => ({ host: '127.0.0.1', port });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rootmirror-axfr-tsig-'));
    key = keygen('xfr-key.');
    writeFileSync(join(dir, 'open.zone'), bigZone('open.'));
    writeFileSync(join(dir, 'locked.zone'), bigZone('locked.'));
    port = await freePort('127.0.0.1');
    nsd = await startNsd(NSD!, dir, port, nsdKeyConf('xfr-key.', 'hmac-sha256', Buffer.from(key.secret).toString('base64')) +
      `zone:
  name: "open."
  zonefile: "open.zone"
  provide-xfr: 127.0.0.1 NOKEY
  provide-xfr: 127.0.0.1 xfr-key.
zone:
  name: "locked."
  zonefile: "locked.zone"
  provide-xfr: 127.0.0.1 xfr-key.
`);
  }, 30_000);

  afterAll(async () => {
    await nsd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a TSIG-protected AXFR gives the same records as an unprotected one', async () => {
    const t0 = performance.now();
    const signed = await axfr(at(), { zone: open, tsig: key });
    const ms = performance.now() - t0;
    const plain = await axfr(at(), { zone: open });
    expect(signed.records.length).toBe(RECORDS + 3);
    expect(signed.messages).toBeGreaterThan(3);
    const text = (rs: typeof plain.records): string[] => rs.map((r) => `${r.name.key} ${r.type} ${r.ttl} ${Buffer.from(r.rdata).toString('hex')}`);
    expect(text(signed.records)).toEqual(text(plain.records));
    expect(signed.serial).toBe(plain.serial);
    expect(signed.tsig?.key.toString()).toBe('xfr-key.');
    expect(signed.tsig?.signedMessages).toBeGreaterThan(0);
    expect(plain.tsig).toBeUndefined();
    process.stderr.write(`tsig axfr from nsd: ${signed.records.length} records, ${signed.messages} messages, ${signed.bytes} bytes in ${ms.toFixed(0)} ms\n`);
  });

  it('a zone that requires the key transfers with it', async () => {
    const r = await axfr(at(), { zone: locked, tsig: key });
    expect(r.records.length).toBe(RECORDS + 3);
    expect(r.serial).toBe(2026010101);
  });

  it('wrong secret: FetchError naming the server\'s BADSIG', async () => {
    const wrong = { ...keygen('xfr-key.') };
    const err = await rejection(axfr(at(), { zone: locked, tsig: wrong }));
    expect(err.message).toMatch(/BADSIG/);
    expect(err.message).toMatch(/server refused our TSIG/);
    expect(err.message).not.toMatch(/\n/);
  });

  it('unknown key name: FetchError naming the server\'s BADKEY', async () => {
    const err = await rejection(axfr(at(), { zone: locked, tsig: keygen('stranger.') }));
    expect(err.message).toMatch(/BADKEY/);
    expect(err.message).toMatch(/server refused our TSIG/);
  });

  it('no key given to a zone that requires one: REFUSED, as without TSIG', async () => {
    const err = await rejection(axfr(at(), { zone: locked }));
    expect(err.message).toMatch(/server answered REFUSED/);
    expect(err.message).toMatch(/not TSIG-signed: if the server requires a key, give one/);
    expect(err.message).not.toMatch(/\n/);
  });

  it('our clock 10 minutes slow: FetchError naming BADTIME and both clocks', async () => {
    const err = await rejection(axfr(at(), { zone: locked, tsig: key, clock: { now: () => Date.now() - 600_000 } }));
    expect(err.message).toMatch(/BADTIME/);
    expect(err.message).toMatch(/clock/);
  });

  it('one octet changed in message 3 of the stream: our verifier rejects the transfer', async () => {
    const relay = await tamperingRelay(port);
    try {
      const err = await rejection(axfr({ host: '127.0.0.1', port: relay.port }, { zone: locked, tsig: key }));
      expect(relay.flipped()).toBe(true);
      expect(err.message).toMatch(/our TSIG check failed: BADSIG/);
      expect(err.message).toMatch(/message 3 of the response/);
    } finally {
      await relay.close();
    }
  });

  it('the same relay without TSIG passes the changed record on: only the key catches it', async () => {
    const relay = await tamperingRelay(port);
    try {
      const r = await axfr({ host: '127.0.0.1', port: relay.port }, { zone: open });
      expect(relay.flipped()).toBe(true);
      expect(r.records.length).toBe(RECORDS + 3);
    } finally {
      await relay.close();
    }
  });

  it('a response that comes back unsigned to a signed request fails closed', async () => {
    // A relay that strips NSD's TSIG record from every message (NSD signs every
    // answer to a signed request): what a server without the key would send.
    const tsigRecordStart = Buffer.from('\x07xfr-key\x00\x00\xfa\x00\xff', 'latin1'); // owner, TYPE 250, CLASS ANY
    const stripper = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port });
      client.on('data', (d) => upstream.write(d));
      upstream.on(
        'data',
        deframer((m: Buffer) => {
          const msg = Buffer.from(m);
          const at = msg.lastIndexOf(tsigRecordStart);
          if (at < 0) return void client.write(frame(msg));
          msg.writeUInt16BE(msg.readUInt16BE(10) - 1, 10);
          client.write(frame(msg.subarray(0, at)));
        }),
      );
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => stripper.listen(0, '127.0.0.1', r));
    try {
      const err = await rejection(axfr({ host: '127.0.0.1', port: (stripper.address() as AddressInfo).port }, { zone: locked, tsig: key }));
      expect(err.message).toMatch(/UNSIGNED/);
      expect(err.message).toMatch(/carries no TSIG record/);
    } finally {
      await new Promise((r) => stripper.close(r));
    }
  });

  it('the SOA serial query is signed and its answer verified', async () => {
    expect(await querySoaSerial(at(), { zone: locked, tsig: key })).toBe(2026010101);
    const err = await rejection(querySoaSerial(at(), { zone: locked, tsig: keygen('stranger.') }));
    expect(err.message).toMatch(/BADKEY/);
    const slow = await rejection(querySoaSerial(at(), { zone: locked, tsig: key, clock: { now: () => Date.now() - 600_000 } }));
    expect(slow.message).toMatch(/BADTIME/);
  });

});
