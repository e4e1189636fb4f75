// A small DNS client for tests: raw UDP/TCP exchange plus dns-packet encode/decode.

import dgram from 'node:dgram';
import net from 'node:net';
import packet from 'dns-packet';
import { deframer, frame } from '../../bench/dns-tcp.mjs';

export interface QueryOpts {
  readonly id?: number;
  readonly edns?: boolean;
  readonly dnssecOk?: boolean;
  readonly payload?: number;
  readonly rd?: boolean;
}

export function encodeQuery(name: string, type: string, o: QueryOpts = {}): Buffer {
  const additionals: packet.Answer[] = [];
  if (o.edns || o.dnssecOk) {
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: o.payload ?? 1232, flags: o.dnssecOk ? packet.DNSSEC_OK : 0 } as unknown as packet.Answer);
  }
  return packet.encode({
    type: 'query',
    id: o.id ?? 4242,
    flags: o.rd ? packet.RECURSION_DESIRED : 0,
    questions: [{ type: type as packet.RecordType, name, class: 'IN' }],
    additionals,
  });
}

export function udpExchange(host: string, port: number, msg: Uint8Array, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('UDP timeout'));
    }, timeoutMs);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m);
    });
    sock.send(msg, port, host);
  });
}

/** Send one or more framed messages on one connection; collect `expect` framed answers. */
export function tcpExchange(host: string, port: number, msgs: readonly Uint8Array[], expect = msgs.length, timeoutMs = 5000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const out: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`TCP timeout after ${out.length}/${expect} answers`));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => {
      for (const m of msgs) sock.write(frame(m));
    });
    sock.on(
      'data',
      deframer((m: Buffer) => {
        if (out.length === expect) return;
        out.push(m);
        if (out.length === expect) {
          clearTimeout(timer);
          sock.destroy();
          resolve(out);
        }
      }),
    );
  });
}

export interface Decoded {
  readonly id: number;
  readonly rcode: number;
  readonly flags: { qr: boolean; aa: boolean; tc: boolean; rd: boolean };
  readonly question: string;
  readonly answer: string[];
  readonly authority: string[];
  readonly additional: string[];
  readonly opt?: { payload: number; do: boolean; extRcode: number };
}

/** Decode and turn records into sorted `name ttl type data` strings (owner names lower-cased). */
export function decode(msg: Buffer): Decoded {
  const p = packet.decode(msg);
  const fl = p.flags ?? 0;
  const str = (rrs: readonly packet.Answer[] | undefined): string[] =>
    (rrs ?? [])
      .filter((r) => r.type !== 'OPT')
      .map((r) => `${r.name === '' || r.name === '.' ? '.' : `${r.name.toLowerCase()}.`} ${(r as { ttl?: number }).ttl ?? 0} ${r.type}`)
      .sort();
  const optRec = (p.additionals ?? []).find((r) => r.type === 'OPT') as unknown as { udpPayloadSize: number; flags: number; extendedRcode: number } | undefined;
  const rcode = (msg[3]! & 0x0f) | ((optRec?.extendedRcode ?? 0) << 4);
  return {
    id: p.id ?? 0,
    rcode,
    flags: { qr: p.type === 'response', aa: (fl & 0x400) !== 0, tc: (fl & 0x200) !== 0, rd: (fl & 0x100) !== 0 },
    question: p.questions?.[0] ? `${p.questions[0].name === '' || p.questions[0].name === '.' ? '.' : `${p.questions[0].name}.`} ${p.questions[0].type}` : '',
    answer: str(p.answers),
    authority: str(p.authorities),
    additional: str(p.additionals),
    ...(optRec ? { opt: { payload: optRec.udpPayloadSize, do: (optRec.flags & packet.DNSSEC_OK) !== 0, extRcode: optRec.extendedRcode } } : {}),
  };
}

/**
 * One request whose answer is a stream of messages (AXFR, IXFR): send it,
 * half-close (the server answers what it was sent, then closes: tcp.ts), and
 * collect every framed message until the server closes.
 */
export function tcpStream(host: string, port: number, msg: Uint8Array, timeoutMs = 10_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, allowHalfOpen: true });
    const out: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`TCP stream not closed within ${timeoutMs} ms (${out.length} messages)`));
    }, timeoutMs);
    sock.on('connect', () => {
      sock.write(frame(msg));
      sock.end();
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('data', deframer((m: Buffer) => out.push(Buffer.from(m))));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}
