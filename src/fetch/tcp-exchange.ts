// One DNS exchange over TCP (RFC 7766 §8 framing: a 2-octet length before each
// message): connect, send the query, read the first whole message back, close.
// For the one-shot clients (the SOA probe, the live-root fallback); zone
// transfers, which read a stream of messages, are axfr.ts.

import net from 'node:net';

export interface TcpPeer {
  readonly address: string;
  readonly port: number;
}

/**
 * The first message `to` sends back for `query`. Rejects with a reason
 * (`timeout after N ms (tcp)`, `tcp: <socket error>`, `tcp: connection closed
 * before a full response`); the socket is closed either way.
 */
export function tcpExchange(query: Uint8Array, to: TcpPeer, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: to.address, port: to.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (err: Error | undefined, msg?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(msg!);
    };
    const timer = setTimeout(() => settle(new Error(`timeout after ${timeoutMs} ms (tcp)`)), timeoutMs);
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
