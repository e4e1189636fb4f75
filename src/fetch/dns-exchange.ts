// One DNS exchange with one server, for the one-shot clients (the SOA probe,
// the live-root fallback): over UDP, the first datagram from that server with
// the query's ID; over TCP (RFC 7766 §8 framing: a 2-octet length before each
// message), the first whole message. Zone transfers, which read a stream of
// messages, are axfr.ts.

import dgram from 'node:dgram';
import net from 'node:net';

export interface DnsPeer {
  readonly address: string;
  readonly port: number;
}

/** Canonical text of an address (RFC 5952 for IPv6, via the WHATWG URL serializer), to compare sources. */
export function canonicalAddress(a: string): string {
  return net.isIPv6(a) ? new URL(`http://[${a}]/`).hostname.slice(1, -1) : a;
}

/**
 * The first datagram `to` sends back with the query's ID. Anything else
 * (another source, another ID: off-path junk) is ignored, not fatal. Rejects
 * with a reason (`timeout after N ms (udp)`, `udp: <socket error>`,
 * `udp send: <error>`); the socket is closed either way.
 */
export function udpExchange(query: Uint8Array, to: DnsPeer, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(to.address) ? 'udp6' : 'udp4');
    const from = canonicalAddress(to.address);
    const settle = settler(() => sock.close(), timeoutMs, 'udp', resolve, reject);
    sock.on('error', (e) => settle(new Error(`udp: ${e.message}`)));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.port !== to.port || canonicalAddress(rinfo.address) !== from) return;
      if (msg.length < 2 || msg[0] !== query[0] || msg[1] !== query[1]) return;
      settle(undefined, msg);
    });
    sock.send(query, to.port, to.address, (e) => {
      if (e) settle(new Error(`udp send: ${e.message}`));
    });
  });
}

/**
 * The first message `to` sends back for `query`. Rejects with a reason
 * (`timeout after N ms (tcp)`, `tcp: <socket error>`, `tcp: connection closed
 * before a full response`); the socket is closed either way.
 */
export function tcpExchange(query: Uint8Array, to: DnsPeer, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: to.address, port: to.port });
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = settler(() => sock.destroy(), timeoutMs, 'tcp', resolve, reject);
    sock.on('error', (e) => settle(new Error(`tcp: ${e.message}`)));
    sock.on('connect', () => {
      const frame = Buffer.allocUnsafe(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      frame.set(query, 2);
      sock.write(frame);
    });
    sock.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      const len = head.readUInt16BE(0);
      // At most 2 + 65535 octets are ever kept: the frame says where the message ends.
      if (received >= 2 + len) settle(undefined, head.subarray(2, 2 + len));
      else if (chunks.length > 1) chunks.splice(0, chunks.length, head);
    });
    sock.on('end', () => settle(new Error('tcp: connection closed before a full response')));
  });
}

/**
 * How an exchange ends, once: stop the timer, `close` the socket, then resolve
 * or reject. Later calls do nothing. After `timeoutMs` it ends itself with
 * `timeout after N ms (udp|tcp)`.
 */
function settler(
  close: () => void,
  timeoutMs: number,
  transport: 'udp' | 'tcp',
  resolve: (msg: Uint8Array) => void,
  reject: (err: Error) => void,
): (err: Error | undefined, msg?: Uint8Array) => void {
  let settled = false;
  const settle = (err: Error | undefined, msg?: Uint8Array): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    close();
    if (err) reject(err);
    else resolve(msg!);
  };
  const timer = setTimeout(() => settle(new Error(`timeout after ${timeoutMs} ms (${transport})`)), timeoutMs);
  return settle;
}
