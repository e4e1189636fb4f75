// TSIG (RFC 8945) against real peers on loopback, no mock of the protocol:
// dig signs queries to a tiny UDP server built on our verifier and signer and
// must accept our responses (and our signed BADTIME); NSD serves a zone only to
// TSIG-signed AXFR requests and we verify every message of its multi-message
// answer with our stream verifier, and read its BADSIG / BADKEY / BADTIME /
// REFUSED answers.

import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deframer, frame } from '../bench/dns-tcp.mjs';
import { systemClock, type Clock } from '../src/clock.js';
import { readMessage } from './helpers/message-reader.js';
import { MessageWriter, Section } from '../src/dns/message-writer.js';
import { Name } from '../src/dns/name.js';
import { TsigStreamVerifier, signRequest, signResponse, tsigErrorResponse, verifyRequest, verifyResponse, type TsigRejected, type TsigUnsigned, type TsigVerified } from '../src/dns/tsig.js';
import { parseTsigKeys, type TsigKey, type TsigKeyring } from '../src/dns/tsig-keys.js';
import { locateTsig } from '../src/dns/tsig-record.js';
import { dig, findProgram, freePort, type Daemon } from './helpers/processes.js';
import { nsdKeyConf, startNsd } from './helpers/nsd.js';

const NSD = findProgram('nsd');
const DIG = findProgram('dig');
const KEYGEN = findProgram('tsig-keygen');
const A = Uint8Array.of(192, 0, 2, 53);

/** A fresh key from BIND's own tsig-keygen, read by our parser. */
function keygen(name: string, alg: string): { key: TsigKey; ring: TsigKeyring; b64: string } {
  const text = execFileSync(KEYGEN!, ['-a', alg, name], { encoding: 'utf8' });
  const ring = parseTsigKeys(text, 'tsig-keygen');
  const key = ring.keys()[0]!;
  return { key, ring, b64: Buffer.from(key.secret).toString('base64') };
}

type Verdict = TsigVerified | TsigUnsigned | TsigRejected;

/** A UDP server answering `A 192.0.2.53` to TSIG-verified queries, TSIG errors otherwise. */
async function tsigUdpServer(ring: TsigKeyring, clock: Clock): Promise<{ port: number; verdicts: Verdict[]; close: () => void }> {
  const sock = dgram.createSocket('udp4');
  const verdicts: Verdict[] = [];
  sock.on('message', (msg, peer) => {
    const request = new Uint8Array(msg);
    const v = verifyRequest(request, ring, { clock });
    verdicts.push(v);
    let out: Uint8Array;
    if (v.status === 'verified') {
      const found = locateTsig(request);
      const q = readMessage(found.kind === 'found' ? found.unsigned : request).questions[0]!;
      const w = new MessageWriter();
      w.addQuestion(q.name, q.type, q.class);
      w.addRecord({ name: q.name, type: 1, class: 1, ttl: 60, rdata: A }, Section.answer);
      out = signResponse(w.finish({ id: (request[0]! << 8) | request[1]!, flags: 0x8400 | (request[2]! & 0x01) << 8 }), v, { clock }).message;
    } else if (v.status === 'rejected') {
      out = tsigErrorResponse(request, v, { clock });
    } else {
      out = Uint8Array.of(request[0]!, request[1]!, 0x80, 5, 0, 0, 0, 0, 0, 0, 0, 0); // REFUSED
    }
    sock.send(out, peer.port, peer.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, verdicts, close: () => sock.close() };
}

describe.skipIf(!DIG || !KEYGEN)('dig -y against our verifier and signer', () => {
  it.each(['hmac-sha256', 'hmac-sha384'])('%s: dig accepts our signed answer', async (alg) => {
    const { ring, b64 } = keygen('dig-key.', alg);
    const srv = await tsigUdpServer(ring, systemClock);
    try {
      const r = await dig('127.0.0.1', 'www.example.', 'A', ['-y', `${alg}:dig-key.:${b64}`], srv.port);
      expect(srv.verdicts.map((v) => v.status)).toEqual(['verified']);
      expect(r.raw).not.toMatch(/Couldn't verify|verify failure/);
      expect(r.status).toBe('NOERROR');
      expect(r.answer).toEqual(['www.example. 60 IN A 192.0.2.53']);
      expect(r.raw).toMatch(/;; TSIG PSEUDOSECTION:\ndig-key\.\s+0\s+ANY\s+TSIG\s+/);
    } finally {
      srv.close();
    }
  });

  it('wrong secret: our verifier says BADSIG, dig gets the unsigned NOTAUTH/BADSIG error', async () => {
    const { ring } = keygen('dig-key.', 'hmac-sha256');
    const other = keygen('dig-key.', 'hmac-sha256');
    const srv = await tsigUdpServer(ring, systemClock);
    try {
      const r = await dig('127.0.0.1', 'www.example.', 'A', ['-y', `hmac-sha256:dig-key.:${other.b64}`], srv.port);
      expect(srv.verdicts).toMatchObject([{ status: 'rejected', error: 'BADSIG' }]);
      expect(r.raw).toMatch(/status: NOTAUTH/);
      expect(r.raw).toMatch(/BADSIG/);
      expect(r.answer).toEqual([]);
    } finally {
      srv.close();
    }
  });

  it('our clock 10 minutes ahead: our verifier says BADTIME, dig authenticates our signed BADTIME answer', async () => {
    const { ring, b64 } = keygen('dig-key.', 'hmac-sha256');
    const srv = await tsigUdpServer(ring, { now: () => Date.now() + 600_000 });
    try {
      const r = await dig('127.0.0.1', 'www.example.', 'A', ['-y', `hmac-sha256:dig-key.:${b64}`], srv.port);
      expect(srv.verdicts).toMatchObject([{ status: 'rejected', error: 'BADTIME', macValid: true }]);
      expect(r.raw).toMatch(/status: NOTAUTH/);
      expect(r.raw).toMatch(/BADTIME/);
      // dig checks the MAC first: a bad one would read "tsig verify failure".
      expect(r.raw).toMatch(/Couldn't verify signature: clocks are unsynchronized/);
      expect(r.raw).not.toMatch(/verify failure/);
    } finally {
      srv.close();
    }
  });
});

/** A zone big enough for NSD to send its AXFR in several messages. */
function bigZone(records: number): string {
  const lines = ['$ORIGIN example.', '$TTL 3600', '@ SOA ns.example. hostmaster.example. 2026010101 3600 900 604800 300', '@ NS ns.example.', 'ns A 192.0.2.1'];
  for (let i = 0; i < records; i++) lines.push(`host-${i}-with-a-longer-label-for-size TXT "record ${i} ${'x'.repeat(60)}"`);
  return lines.join('\n') + '\n';
}

interface Axfr {
  readonly messages: Uint8Array[];
}

/** Send one framed request over TCP, collect messages until the closing SOA, the peer closes, or an error rcode. */
function tcpTransfer(port: number, request: Uint8Array): Promise<Axfr> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const messages: Uint8Array[] = [];
    let soas = 0;
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ messages });
    };
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`AXFR timed out after ${messages.length} messages`));
    }, 15_000);
    sock.on('error', reject);
    sock.on('close', done);
    sock.on('connect', () => sock.write(frame(request)));
    sock.on(
      'data',
      deframer((m: Buffer) => {
        const msg = new Uint8Array(m);
        messages.push(msg);
        if ((msg[3]! & 0xf) !== 0) return done();
        const found = locateTsig(msg);
        const body = readMessage(found.kind === 'found' ? found.unsigned : msg);
        soas += body.answers.filter((rr) => rr.type === 6).length;
        if (soas >= 2) done();
      }),
    );
  });
}

function axfrQuery(): Uint8Array {
  const w = new MessageWriter();
  w.addQuestion(Name.fromText('example.'), 252, 1);
  return w.finish({ id: 0x5151, flags: 0 });
}

describe.skipIf(!NSD || !KEYGEN)('NSD provide-xfr with a TSIG key', () => {
  let dir: string;
  let port: number;
  let nsd: Daemon | undefined;
  let sha512: ReturnType<typeof keygen>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rootmirror-tsig-nsd-'));
    sha512 = keygen('xfr-key.', 'hmac-sha512');
    writeFileSync(join(dir, 'example.zone'), bigZone(4000));
    port = await freePort('127.0.0.1');
    nsd = await startNsd(NSD!, dir, port, nsdKeyConf('xfr-key.', 'hmac-sha512', sha512.b64) +
      `zone:
  name: "example."
  zonefile: "example.zone"
  provide-xfr: 127.0.0.1 xfr-key.
`);
  }, 30_000);

  afterAll(async () => {
    await nsd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hmac-sha512: every message of the multi-message AXFR verifies with our stream verifier', async () => {
    const signed = signRequest(axfrQuery(), sha512.key, { clock: systemClock });
    const t0 = performance.now();
    const r = await tcpTransfer(port, signed.message);
    const v = new TsigStreamVerifier(sha512.key, signed.mac, { clock: systemClock });
    const each = r.messages.map((m) => v.add(m).status);
    const final = v.finish();
    const ms = performance.now() - t0;
    expect(final.status, final.detail).toBe('verified');
    expect(r.messages.length).toBeGreaterThan(3);
    expect(each.filter((s) => s === 'rejected')).toEqual([]);
    const records = r.messages.reduce((n, m) => n + ((m[6]! << 8) | m[7]!), 0);
    expect(records).toBe(4000 + 3 + 1);
    process.stderr.write(`tsig axfr from nsd: ${r.messages.length} messages (${each.filter((s) => s === 'verified').length} signed), ${records} records, ${ms.toFixed(0)} ms\n`);
  });

  it('a changed octet in one message of NSD\'s stream is caught', async () => {
    const signed = signRequest(axfrQuery(), sha512.key, { clock: systemClock });
    const r = await tcpTransfer(port, signed.message);
    const middle = r.messages[Math.floor(r.messages.length / 2)]!;
    middle[middle.length - 200] ^= 0x20;
    const v = new TsigStreamVerifier(sha512.key, signed.mac, { clock: systemClock });
    for (const m of r.messages) v.add(m);
    expect(v.finish()).toMatchObject({ status: 'rejected', by: 'us', error: 'BADSIG' });
  });

  it('wrong secret: NSD answers NOTAUTH with BADSIG', async () => {
    const wrong = keygen('xfr-key.', 'hmac-sha512');
    const signed = signRequest(axfrQuery(), wrong.key, { clock: systemClock });
    const r = await tcpTransfer(port, signed.message);
    expect(r.messages[0]![3]! & 0xf).toBe(9);
    expect(verifyResponse(r.messages[0]!, wrong.key, signed.mac, { clock: systemClock })).toMatchObject({ status: 'rejected', by: 'peer', error: 'BADSIG', macValid: false });
  });

  it('unknown key name: NSD answers NOTAUTH with BADKEY', async () => {
    const stranger = keygen('stranger.', 'hmac-sha512');
    const signed = signRequest(axfrQuery(), stranger.key, { clock: systemClock });
    const r = await tcpTransfer(port, signed.message);
    expect(r.messages[0]![3]! & 0xf).toBe(9);
    expect(verifyResponse(r.messages[0]!, stranger.key, signed.mac, { clock: systemClock })).toMatchObject({ status: 'rejected', by: 'peer', error: 'BADKEY' });
  });

  it('unsigned request: refused', async () => {
    const r = await tcpTransfer(port, axfrQuery());
    expect(r.messages.length).toBe(1);
    expect(r.messages[0]![3]! & 0xf).toBe(5);
    expect(locateTsig(r.messages[0]!).kind).toBe('none');
  });

  it('signed with a clock 10 minutes slow: NSD answers BADTIME with its time', async () => {
    const slow: Clock = { now: () => Date.now() - 600_000 };
    const signed = signRequest(axfrQuery(), sha512.key, { clock: slow });
    const r = await tcpTransfer(port, signed.message);
    expect(r.messages[0]![3]! & 0xf).toBe(9);
    const v = verifyResponse(r.messages[0]!, sha512.key, signed.mac, { clock: slow });
    // NSD 4.6 sends BADTIME unsigned (MAC Size 0), though RFC 8945 §5.2.3 wants
    // it signed: the verdict says it could not be authenticated.
    expect(v).toMatchObject({ status: 'rejected', by: 'peer', error: 'BADTIME', macValid: false });
    expect(Math.abs((v as TsigRejected).serverTime! - Date.now() / 1000)).toBeLessThan(5);
  });
});
