// TCP listener (RFC 7766): two-octet length framing, several queries per
// connection answered in order, partial reads and writes, an idle timeout, a
// cap on connections that closes the oldest idle ones first, and a cap on
// queries pending per connection.
//
// Every limit is enforced by not reading: a connection stops taking frames
// from its buffer (and pauses the socket) while it has the maximum of queries
// pending or while the client is not reading our answers (socket.write said
// false), so one client can make us hold at most one read chunk, one partial
// frame and a socket buffer of answers. A message must arrive whole within the
// idle timeout of its first octet (slow writers), and a connection whose
// client stopped reading is closed at the idle timeout even with work pending.

import type net from 'node:net';
import type { RateLimitedLogger } from '../log.js';
import type { Clock } from '../clock.js';
import { RRType, Rcode } from '../dns/types.js';
import { TsigKeyring } from '../dns/tsig-keys.js';
import { TsigStreamSigner, tsigErrorResponse, verifyRequest } from '../dns/tsig.js';
import type { Acl } from './acl.js';
import { transferMessages } from './axfr.js';
import type { ServerCounters } from './counters.js';
import { expireSeconds, optRecord } from './edns-expire.js';
import { ixfrRecords } from './ixfr.js';
import type { IxfrJournal, IxfrPlan } from './ixfr-journal.js';
import { readQuery, type QueryVerdict } from './query.js';
import { errorResponse, UDP_PAYLOAD, type Responder, type Response } from './respond.js';
import type { ZoneStore } from '../zone/store.js';

export interface TcpOptions {
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxPendingPerConnection: number;
  readonly allowTransfer: Acl;
  readonly store: ZoneStore;
  readonly errorLog: RateLimitedLogger;
  /** The versions IXFR answers from. */
  readonly journal: IxfrJournal;
  /** --tsig-key: transfers out must be signed with one of these (RFC 8945); undefined: TSIG not required. */
  readonly tsigKeys: TsigKeyring | undefined;
  readonly clock: Clock;
}

type Transfer = Extract<QueryVerdict, { kind: 'query' }>;
const NO_KEYS = new TsigKeyring([]);

/** All open connections, in accept order (Map keeps insertion order). */
export class TcpConnections {
  readonly open = new Map<net.Socket, Connection>();
  constructor(private readonly counters: ServerCounters) {}

  /** Make room for one more: close the connection idle longest (nothing pending). */
  evictOne(): boolean {
    let victim: Connection | undefined;
    for (const c of this.open.values()) {
      if (c.pending === 0 && (victim === undefined || c.lastActive < victim.lastActive)) victim = c;
    }
    if (victim === undefined) return false;
    this.counters.tcpEvicted++;
    this.open.delete(victim.socket);
    victim.socket.destroy();
    return true;
  }

  /** Stop reading everywhere; close each connection once its pending answers are written (shutdown). */
  drain(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const c of this.open.values()) {
      waits.push(
        new Promise((resolve) => {
          c.socket.once('close', () => resolve());
          c.stop();
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
      // Every connection is busy: refuse this one rather than exceed the cap.
      counters.tcpEvicted++;
      counters.tcpClosed++;
      socket.destroy();
      return;
    }
    conns.open.set(socket, new Connection(socket, responder, counters, conns, opts));
  });
  // accept() failures (EMFILE, ENFILE) are emitted here; without a listener they would end the process.
  server.on('error', (e) => {
    counters.dropped++;
    opts.errorLog.error('tcp-accept', 'TCP listener error; raise the open-files limit (ulimit -n) or lower --max-tcp-connections', {
      error: e.message,
    });
  });
}

/** One client connection: framing, ordering, limits. */
class Connection {
  /** When the last whole query arrived or answer was written: the age used for "oldest idle first". */
  lastActive = Date.now();
  /** Queries taken from the stream whose answers are not yet written. */
  pending = 0;
  private readonly client: string;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** When the first octet of the incomplete frame at the head of the buffer arrived (0: none). */
  private partialSince = 0;
  /** socket.write() returned false: the client is not reading; wait for 'drain'. */
  private blocked = false;
  /** The client half-closed: answer the whole frames it sent, then close. */
  private readEnded = false;
  /** Server shutdown: take no more frames, close once the pending ones are answered. */
  private shuttingDown = false;
  private ending = false;
  /** Answers go out strictly in query order, even when one of them is async (relay, AXFR). */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: net.Socket,
    private readonly responder: Responder,
    private readonly counters: ServerCounters,
    private readonly conns: TcpConnections,
    private readonly opts: TcpOptions,
  ) {
    this.client = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    socket.on('end', () => {
      // The client half-closed (allowHalfOpen): answer what it sent, then close our side.
      this.readEnded = true;
      this.pump();
    });
    socket.on('timeout', () => {
      // Idle, or the client stopped reading our answers: either way it has had its chance.
      if (this.pending > 0 && !this.blocked) return;
      counters.tcpIdleTimeouts++;
      socket.destroy();
    });
    socket.on('error', () => {
      /* reset by peer etc.: 'close' follows */
    });
    socket.on('close', () => {
      if (conns.open.get(socket) === this) conns.open.delete(socket);
      counters.tcpClosed++;
    });
  }

  /** Shutdown: take no more queries, close once the pending ones are answered. */
  stop(): void {
    this.shuttingDown = true;
    this.socket.pause();
    this.pump();
  }

  private onData(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.buffered === 0) this.partialSince = Date.now();
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.pump();
  }

  /** Take whole frames while limits allow; then decide whether to read more. */
  private pump(): void {
    if (this.socket.destroyed) return;
    const max = this.opts.maxPendingPerConnection;
    while (!this.shuttingDown && this.pending < max && !this.blocked && this.buffered >= 2) {
      const len = this.peekLength();
      if (len < 12) {
        // Not even a header can follow: the stream is garbage from here on.
        this.counters.malformed++;
        this.socket.destroy();
        return;
      }
      if (this.buffered < 2 + len) break;
      const msg = this.take(2 + len).subarray(2);
      this.partialSince = this.buffered > 0 ? Date.now() : 0;
      this.one(msg);
    }
    if (this.socket.destroyed) return;
    const whole = this.hasWholeFrame();
    if (!this.readEnded && !whole && this.buffered > 0 && Date.now() - this.partialSince > this.opts.idleTimeoutMs) {
      // A slow writer: one message dribbling in for longer than the idle timeout.
      this.counters.tcpIdleTimeouts++;
      this.socket.destroy();
      return;
    }
    if (this.shuttingDown || (this.readEnded && !whole)) {
      // Nothing more to take (a partial frame after the client's FIN is dropped).
      if (this.pending === 0 && !this.ending) {
        this.ending = true;
        this.socket.end();
      }
      return;
    }
    const canTake = this.pending < max && !this.blocked;
    if (canTake && this.socket.isPaused()) this.socket.resume();
    else if (!canTake && !this.socket.isPaused()) this.socket.pause();
  }

  private peekLength(): number {
    const head = this.chunks[0]!;
    return head.length >= 2 ? head.readUInt16BE(0) : (head[0]! << 8) | this.chunks[1]![0]!;
  }

  private hasWholeFrame(): boolean {
    return this.buffered >= 2 && this.buffered >= 2 + this.peekLength();
  }

  /** Remove n octets from the front. Chunks are joined only once a whole frame is there (no quadratic copying for byte-by-byte writers). */
  private take(n: number): Buffer {
    let head = this.chunks[0]!;
    if (head.length < n) {
      head = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [head];
    }
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return out;
  }

  private one(msg: Buffer): void {
    this.pending++;
    this.lastActive = Date.now();
    const v = readQuery(msg);
    let step: () => void | Promise<void>;
    if (v.kind === 'query' && (v.question.qtype === RRType.AXFR || v.question.qtype === RRType.IXFR)) {
      step = () => this.transfer(msg, v);
    } else {
      const r: Response | Promise<Response> = this.responder.answer(msg, 'tcp', this.client);
      step = r instanceof Promise ? () => r.then((out) => this.write(out)) : () => this.write(r);
    }
    this.chain = this.chain
      .then(step)
      .catch((e: unknown) => {
        // Only a transfer can fail here (the responder never throws): close, the client retries.
        this.counters.servfailOnException++;
        this.opts.errorLog.error('tcp-exception', 'exception while answering over TCP; connection closed', {
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        });
        this.socket.destroy();
      })
      .then(() => this.settle());
  }

  private settle(): void {
    this.pending--;
    this.lastActive = Date.now();
    this.pump();
  }

  private write(out: Uint8Array | null): void {
    if (out === null || this.socket.destroyed) return;
    const frame = Buffer.allocUnsafe(2 + out.length);
    frame.writeUInt16BE(out.length, 0);
    frame.set(out, 2);
    // false: the kernel and the socket's buffer are full; pump() stops taking frames until 'drain'.
    if (!this.socket.write(frame)) this.blocked = true;
  }

  /**
   * Outgoing AXFR or IXFR, one message at a time, waiting for the client to
   * read (partial writes). With --tsig-key the request must verify with one of
   * the keys and every message of the answer is signed (RFC 8945 §5.3.1).
   */
  private async transfer(msg: Uint8Array, v: Transfer): Promise<void> {
    const { id, rd, question, edns } = v;
    const qtype = question.qtype;
    const ixfr = qtype === RRType.IXFR;
    const counters = this.counters;
    const tsigOpts = { clock: this.opts.clock };
    let signer: TsigStreamSigner | undefined;
    if (this.opts.tsigKeys !== undefined || v.signed === true) {
      const t = verifyRequest(msg, this.opts.tsigKeys ?? NO_KEYS, tsigOpts);
      if (t.status !== 'verified') {
        counters.transferRefusedTsig++;
        if (t.status === 'unsigned') {
          counters.countQuery('tcp', qtype, Rcode.REFUSED);
          this.write(errorResponse(id, 0, rd, false, Rcode.REFUSED, question, edns));
        } else {
          // RFC 8945 §5.3.2: BADKEY, BADSIG unsigned; BADTIME signed; FORMERR without TSIG.
          counters.countQuery('tcp', qtype, t.error === 'FORMERR' ? Rcode.FORMERR : Rcode.NOTAUTH);
          this.write(tsigErrorResponse(msg, t, tsigOpts));
        }
        return;
      }
      signer = new TsigStreamSigner(t, tsigOpts);
    }
    const sign = (m: Uint8Array): Uint8Array => (signer === undefined ? m : signer.sign(m));
    const state = this.opts.store.state;
    const refuse = (rcode: number): void => {
      if (ixfr) counters.ixfrRefused++;
      else counters.axfrRefused++;
      counters.countQuery('tcp', qtype, rcode);
      this.write(sign(errorResponse(id, 0, rd, false, rcode, question, edns)));
    };
    if (!this.opts.allowTransfer.allows(this.client) || state.kind !== 'serving') return refuse(Rcode.REFUSED);
    const zone = state.zone;
    if (!question.qname.equals(zone.origin)) return refuse(Rcode.NOTAUTH);
    let plan: IxfrPlan | undefined;
    if (ixfr) {
      plan = this.opts.journal.plan(zone, v.ixfrSerial!);
      if (plan.kind === 'incremental') counters.ixfrIncremental++;
      else if (plan.kind === 'full') counters.ixfrFull++;
      else counters.ixfrCurrent++;
    } else {
      counters.axfrServed++;
    }
    counters.countQuery('tcp', qtype, Rcode.NOERROR);
    // RFC 7314: the seconds this copy has left, when asked; OPT in every message when the request had one.
    const expire = edns?.expire === true ? expireSeconds(zone, this.opts.store.deadline, this.opts.clock.now()) : undefined;
    const opt = edns === undefined ? undefined : optRecord(UDP_PAYLOAD, edns.dnssecOk, expire);
    const records = plan === undefined ? ixfrRecords(zone, { kind: 'full' }) : ixfrRecords(zone, plan);
    for (const m of transferMessages(records, id, question, opt)) {
      if (this.socket.destroyed) return;
      this.write(sign(m));
      if (this.blocked) await this.drained();
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
