// TCP listener (RFC 7766): two-octet length framing, several queries per
// connection answered in order, partial reads and writes, an idle timeout, a
// cap on connections that closes the oldest idle ones first, and a cap on
// queries pending per connection (reading pauses until they drain).

import type net from 'node:net';
import { RRType, Rcode } from '../dns/types.js';
import type { Acl } from './acl.js';
import { axfrMessages } from './axfr.js';
import type { ServerCounters } from './counters.js';
import { readQuery } from './query.js';
import { errorResponse, type Responder } from './respond.js';
import type { ZoneStore } from './zone-store.js';

export interface TcpOptions {
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxPendingPerConnection: number;
  readonly allowTransfer: Acl;
  readonly store: ZoneStore;
}

interface Conn {
  readonly socket: net.Socket;
  lastActive: number;
  pending: number;
  closed: boolean;
}

/** All open connections, oldest first (Map keeps insertion order). */
export class TcpConnections {
  readonly open = new Map<net.Socket, Conn>();
  constructor(private readonly counters: ServerCounters) {}

  /** Make room for one more: close the longest-idle connection with nothing pending. */
  evictOne(): boolean {
    let victim: Conn | undefined;
    for (const c of this.open.values()) {
      if (c.pending === 0 && (victim === undefined || c.lastActive < victim.lastActive)) victim = c;
    }
    if (victim === undefined) return false;
    this.counters.tcpEvicted++;
    victim.socket.destroy();
    this.open.delete(victim.socket);
    return true;
  }

  /** Close every connection once its pending answers are written (shutdown). */
  drain(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const c of this.open.values()) {
      waits.push(
        new Promise((resolve) => {
          c.socket.once('close', () => resolve());
          if (c.pending === 0) c.socket.end();
          else c.socket.once('drained', () => c.socket.end());
          setTimeout(() => c.socket.destroy(), 2_000).unref();
        }),
      );
    }
    return Promise.all(waits).then(() => undefined);
  }
}

export function handleTcp(server: net.Server, responder: Responder, counters: ServerCounters, conns: TcpConnections, opts: TcpOptions): void {
  server.on('connection', (socket) => {
    counters.tcpOpened++;
    if (conns.open.size >= opts.maxConnections && !conns.evictOne()) {
      counters.tcpEvicted++;
      counters.tcpClosed++;
      socket.destroy();
      return;
    }
    const conn: Conn = { socket, lastActive: Date.now(), pending: 0, closed: false };
    conns.open.set(socket, conn);
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs);
    const client = socket.remoteAddress ?? '';
    let buf: Buffer = Buffer.alloc(0);
    // Answers go out strictly in query order, even when one of them is relayed (async).
    let chain: Promise<void> = Promise.resolve();
    let waitingDrain = false;

    const write = (out: Uint8Array): void => {
      if (conn.closed) return;
      const frame = Buffer.allocUnsafe(2 + out.length);
      frame.writeUInt16BE(out.length, 0);
      frame.set(out, 2);
      if (!socket.write(frame) && !waitingDrain) {
        // Slow reader: stop reading more queries until it has taken our answers.
        waitingDrain = true;
        socket.pause();
        socket.once('drain', () => {
          waitingDrain = false;
          if (conn.pending < opts.maxPendingPerConnection) socket.resume();
        });
      }
    };

    const settle = (): void => {
      conn.pending--;
      conn.lastActive = Date.now();
      if (conn.pending < opts.maxPendingPerConnection && socket.isPaused() && !waitingDrain) socket.resume();
      if (conn.pending === 0) socket.emit('drained');
    };

    const one = (msg: Buffer): void => {
      conn.pending++;
      if (conn.pending >= opts.maxPendingPerConnection) socket.pause();
      const v = readQuery(msg);
      if (v.kind === 'query' && v.question.qtype === RRType.AXFR) {
        chain = chain.then(() => {
          transfer(msg, v.id, v.rd, v.question, v.edns, client, write, counters, opts);
          settle();
        });
        return;
      }
      let r: ReturnType<Responder['answer']>;
      try {
        r = responder.answer(msg, 'tcp', client);
      } catch {
        counters.servfailOnException++;
        r = null;
      }
      chain = chain.then(async () => {
        const out = await r;
        if (out !== null) write(out);
        settle();
      });
    };

    socket.on('data', (chunk: Buffer) => {
      conn.lastActive = Date.now();
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len < 12) {
          // Not even a header can follow: the stream is garbage from here on.
          counters.malformed++;
          socket.destroy();
          return;
        }
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        one(msg);
      }
      if (buf.length === 0) buf = Buffer.alloc(0);
    });
    socket.on('timeout', () => {
      if (conn.pending > 0) return;
      counters.tcpIdleTimeouts++;
      socket.destroy();
    });
    socket.on('error', () => {
      /* reset by peer etc.: 'close' follows */
    });
    socket.on('close', () => {
      conn.closed = true;
      conns.open.delete(socket);
      counters.tcpClosed++;
    });
  });
}

function transfer(
  msg: Buffer,
  id: number,
  rd: boolean,
  question: Parameters<typeof axfrMessages>[2],
  edns: Parameters<typeof errorResponse>[6],
  client: string,
  write: (out: Uint8Array) => void,
  counters: ServerCounters,
  opts: TcpOptions,
): void {
  const state = opts.store.state;
  if (!opts.allowTransfer.allows(client) || state.kind !== 'serving') {
    counters.axfrRefused++;
    counters.countQuery('tcp', RRType.AXFR, Rcode.REFUSED);
    write(errorResponse(id, 0, rd, false, Rcode.REFUSED, question, edns));
    return;
  }
  if (!question.qname.equals(state.zone.origin)) {
    counters.axfrRefused++;
    counters.countQuery('tcp', RRType.AXFR, Rcode.NOTAUTH);
    write(errorResponse(id, 0, rd, false, Rcode.NOTAUTH, question, edns));
    return;
  }
  counters.axfrServed++;
  counters.countQuery('tcp', RRType.AXFR, Rcode.NOERROR);
  void msg;
  for (const m of axfrMessages(state.zone, id, question)) write(m);
}
