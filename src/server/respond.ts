// One query in, one response out: the whole answering path, shared by UDP and
// TCP. It reads `store.state` once, so an answer never mixes two zones; it
// never throws to the socket and its promises never reject: an unexpected
// exception becomes SERVFAIL plus a counter and a rate-limited log line (NSD's
// query_error).

import { systemClock, type Clock } from '../clock.js';
import { Name } from '../dns/name.js';
import { serialCompare } from '../dns/serial.js';
import type { TsigVerified } from '../dns/tsig.js';
import type { TsigKeyring } from '../dns/tsig-keys.js';
import { octets } from '../dns/octets.js';
import { RRClass, RRType, Rcode } from '../dns/types.js';
import { nullLogger, rateLimited, type Logger, type RateLimitedLogger } from '../log.js';
import type { Acl } from './acl.js';
import { locateWire, WireKind, type WireLocation } from '../zone/locate-wire.js';
import type { Zone } from '../zone/zone.js';
import { bodyWithin, templateFor, templateForWire, type Body } from './answer-cache.js';
import type { ServerCounters, Transport } from './counters.js';
import { WireQuery } from './fast-query.js';
import { EXPIRE_OPTION_LENGTH, expireSeconds, optRecord, withExpireOption } from './edns-expire.js';
import { soaOnly } from './ixfr.js';
import { checkQueryTsig, signAnswer, tsigLength } from './query-tsig.js';
import { readQuery, type Edns, type Question, type QueryVerdict } from './query.js';
import type { ZoneStore } from '../zone/store.js';
import { answerNotify, isNotify, type NotifyPolicy } from './notify-in.js';

type ReadQuery = Extract<QueryVerdict, { kind: 'query' }>;
/** Our advertised UDP payload size (DNS flag day 2020). */
export const UDP_PAYLOAD = 1232;
const PLAIN_UDP_LIMIT = 512;

/** Relays a query to the live root servers while the zone is unavailable. */
export interface Fallback {
  /** Resolve with the upstream response (any ID), or undefined when no server answered. */
  forward(query: Uint8Array, transport: Transport): Promise<Uint8Array | undefined>;
}

export interface ResponderOptions {
  readonly store: ZoneStore;
  readonly counters: ServerCounters;
  readonly allowQuery: Acl;
  readonly log?: Logger;
  readonly fallback?: Fallback;
  /** --notify-from given: NOTIFY for `.` is answered (notify-in.ts); otherwise it gets NOTIMP, as any other opcode. */
  readonly notify?: NotifyPolicy;
  /** For EDNS EXPIRE (seconds left on the copy) and TSIG times. */
  readonly clock?: Clock;
  /** --tsig-key: signed queries are verified with these and answered signed (query-tsig.ts). */
  readonly tsigKeys?: TsigKeyring;
}

export type Response = Uint8Array | null;

export class Responder {
  private readonly store: ZoneStore;
  private readonly counters: ServerCounters;
  private readonly allowQuery: Acl;
  private readonly log: Logger;
  private readonly errorLog: RateLimitedLogger;
  private readonly fallback: Fallback | undefined;
  private readonly notify: NotifyPolicy | undefined;
  private readonly clock: Clock;
  private readonly tsigKeys: TsigKeyring | undefined;
  private warnedDoOnStrip = false;
  /** Scratch for answerWire(): one query at a time, reused (no allocation per query). */
  private readonly wq = new WireQuery();
  private readonly loc: WireLocation = { kind: WireKind.outside, entry: 0, exact: false };

  constructor(opts: ResponderOptions) {
    this.store = opts.store;
    this.counters = opts.counters;
    this.allowQuery = opts.allowQuery;
    this.log = opts.log ?? nullLogger;
    this.errorLog = rateLimited(this.log, { intervalMs: 60_000 });
    this.fallback = opts.fallback;
    this.notify = opts.notify;
    this.clock = opts.clock ?? systemClock;
    this.tsigKeys = opts.tsigKeys;
  }

  /**
   * Answer one message. Returns the response, null to send nothing, or a
   * promise of either (only when relaying to the live roots).
   */
  answer(msg: Uint8Array, transport: Transport, client: string): Response | Promise<Response> {
    try {
      const r = this.answerUnguarded(msg, transport, client);
      // A relayed answer is async: a rejection must become SERVFAIL too, never an unhandled rejection.
      return r instanceof Promise ? r.catch((e: unknown) => this.internalError(msg, transport, e)) : r;
    } catch (e) {
      return this.internalError(msg, transport, e);
    }
  }

  /**
   * The last line of defence: an exception anywhere on the answering path
   * becomes SERVFAIL (when the header can be read and is a query), a counter
   * and a rate-limited log line.
   */
  private internalError(msg: Uint8Array, transport: Transport, e: unknown): Response {
    this.counters.servfailOnException++;
    let q: Question | undefined;
    let edns: Edns | undefined;
    try {
      const v = readQuery(msg);
      if (v.kind !== 'drop') {
        q = v.question;
        edns = v.edns;
      }
    } catch {
      /* answer with the header alone */
    }
    this.errorLog.error('servfail-exception', 'exception while answering; sent SERVFAIL', {
      transport,
      ...(q ? { qname: q.qname.toString(), qtype: q.qtype } : {}),
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });
    if (msg.length < 12 || msg[2]! & 0x80) return null;
    this.counters.countQuery(transport, q?.qtype ?? 0, Rcode.SERVFAIL);
    const opcode = (msg[2]! >> 3) & 0x0f;
    return errorResponse((msg[0]! << 8) | msg[1]!, opcode, (msg[2]! & 1) !== 0, (msg[3]! & 0x10) !== 0, Rcode.SERVFAIL, q, edns);
  }

  private answerUnguarded(msg: Uint8Array, transport: Transport, client: string): Response | Promise<Response> {
    const state = this.store.state;
    if (state.kind === 'serving' && this.wq.read(msg) && this.allowQuery.allows(client)) return this.answerWire(msg, transport, state.zone);
    return this.answerRead(msg, transport, client);
  }

  /**
   * The common query (fast-query.ts), answered from the bytes as they came:
   * the question is copied, not decoded. Same answer as answerRead() gives.
   */
  private answerWire(msg: Uint8Array, transport: Transport, zone: Zone): Uint8Array {
    const q = this.wq;
    if (q.dnssecOk && zone.dnssec === 'strip') this.noteDoOnStrip();
    locateWire(zone, msg, q.starts, q.labels, q.nameEnd, this.loc);
    const t = templateForWire(zone, msg, q.starts, q.labels, this.loc, q.qtype, q.dnssecOk);
    const qlen = q.nameEnd + 4 - 12;
    const optLen = q.edns ? 11 : 0;
    const body: Body = transport === 'udp' ? bodyWithin(t, udpLimit(q.edns, q.payload) - qlen - optLen) : t.full;
    if (body.truncated) this.counters.truncated++;
    this.counters.countQuery(transport, q.qtype, t.rcode);
    return assemble(q.id, q.rd, q.cd, t.aa, t.rcode, msg, 12, q.nameEnd - 12, q.qtype, RRClass.IN, body, q.nameEnd - 12 - t.anchorLength, q.edns, q.dnssecOk);
  }

  /** Everything else, and the reference: readQuery() decides, with a reason for each refusal. */
  answerRead(msg: Uint8Array, transport: Transport, client: string): Response | Promise<Response> {
    if (this.notify !== undefined && isNotify(msg)) return answerNotify(msg, client, this.notify, this.counters, this.errorLog);
    const v = readQuery(msg);
    if (v.kind === 'drop') {
      this.counters.dropped++;
      this.counters.malformed += v.reason.startsWith('shorter') ? 1 : 0;
      return null;
    }
    if (v.kind === 'error') {
      if (v.rcode === Rcode.FORMERR) this.counters.malformed++;
      this.counters.countQuery(transport, v.question?.qtype ?? 0, v.rcode);
      return errorResponse(v.id, v.opcode, v.rd, false, v.rcode, v.question, v.edns);
    }
    const q = v.question;
    if (!this.allowQuery.allows(client)) {
      this.counters.countQuery(transport, q.qtype, Rcode.REFUSED);
      return errorResponse(v.id, 0, v.rd, v.cd, Rcode.REFUSED, q, v.edns);
    }
    if (q.qtype === RRType.AXFR) {
      // AXFR is a TCP conversation (tcp.ts); over UDP it is a format error (RFC 5936 §4.2).
      this.counters.countQuery(transport, q.qtype, Rcode.FORMERR);
      return errorResponse(v.id, 0, v.rd, v.cd, Rcode.FORMERR, q, v.edns);
    }
    let tsig: TsigVerified | undefined;
    if (v.signed === true) {
      const t = checkQueryTsig(msg, this.tsigKeys, this.clock);
      if (t.kind === 'refused') {
        this.counters.countQuery(transport, q.qtype, t.rcode);
        return t.reply;
      }
      tsig = t.verified;
    }
    const state = this.store.state;
    if (state.kind === 'unavailable') return this.unavailable(msg, v.id, v.rd, v.cd, q, v.edns, transport, state.onExpired);
    const zone = state.zone;
    const out = q.qtype === RRType.IXFR ? this.ixfrOverUdp(v, zone, transport) : this.fromZone(v, zone, transport, tsig === undefined ? 0 : tsigLength(tsig));
    return tsig === undefined ? out : signAnswer(out, tsig, this.clock);
  }

  /** The answer from the zone's templates; `reserve` octets kept free in a UDP answer (for a TSIG). */
  private fromZone(v: ReadQuery, zone: Zone, transport: Transport, reserve: number): Uint8Array {
    const q = v.question;
    const dnssecOk = v.edns?.dnssecOk ?? false;
    if (dnssecOk && zone.dnssec === 'strip') this.noteDoOnStrip();
    const t = templateFor(zone, q.qname, q.qtype, dnssecOk);
    // RFC 7314: EXPIRE on the apex SOA (the fast path leaves queries with the option to this one).
    const expire = v.edns?.expire === true && q.qtype === RRType.SOA && q.qname.equals(zone.origin);
    const qlen = q.qname.wire.length + 4;
    const optLen = (v.edns ? 11 + (expire ? EXPIRE_OPTION_LENGTH : 0) : 0) + reserve;
    const body: Body = transport === 'udp' ? bodyWithin(t, udpLimit(v.edns !== undefined, v.edns?.payload ?? 0) - qlen - optLen) : t.full;
    const w = q.qname.wire;
    let out = assemble(v.id, v.rd, v.cd, t.aa, t.rcode, w, 0, w.length, q.qtype, q.qclass, body, w.length - t.anchorLength, v.edns !== undefined, dnssecOk);
    if (expire) out = withExpireOption(out, expireSeconds(zone, this.store.deadline, this.clock.now()));
    if (body.truncated) this.counters.truncated++;
    this.counters.countQuery(transport, q.qtype, t.rcode);
    return out;
  }

  /**
   * IXFR over UDP (TCP's is tcp.ts's): the current SOA alone. To a client at
   * our serial that is the whole answer (RFC 1995 §4); to one behind it says
   * "ask over TCP" (§2: the reply that does not fit is the single SOA), as
   * BIND answers. Differences never go over UDP.
   */
  private ixfrOverUdp(v: ReadQuery, zone: Zone, transport: Transport): Uint8Array {
    const q = v.question;
    if (!q.qname.equals(zone.origin)) {
      this.counters.countQuery(transport, q.qtype, Rcode.NOTAUTH);
      return errorResponse(v.id, 0, v.rd, v.cd, Rcode.NOTAUTH, q, v.edns);
    }
    const current = serialCompare(v.ixfrSerial!, zone.serial);
    if (current === 0 || current === 1) this.counters.ixfrCurrent++;
    else this.counters.ixfrUdpSoaOnly++;
    this.counters.countQuery(transport, q.qtype, Rcode.NOERROR);
    const expire = v.edns?.expire === true ? expireSeconds(zone, this.store.deadline, this.clock.now()) : undefined;
    const opt = v.edns === undefined ? undefined : optRecord(UDP_PAYLOAD, v.edns.dnssecOk, expire);
    return soaOnly(v, zone, flags(0, true, false, v.rd, v.cd, Rcode.NOERROR), opt);
  }

  private unavailable(
    msg: Uint8Array,
    id: number,
    rd: boolean,
    cd: boolean,
    q: Question,
    edns: Edns | undefined,
    transport: Transport,
    onExpired: 'fallback' | 'servfail',
  ): Response | Promise<Response> {
    const servfail = (): Uint8Array => {
      this.counters.countQuery(transport, q.qtype, Rcode.SERVFAIL);
      return errorResponse(id, 0, rd, cd, Rcode.SERVFAIL, q, edns);
    };
    if (onExpired === 'servfail' || this.fallback === undefined) return servfail();
    return this.fallback.forward(msg, transport).then(
      (upstream) => {
        if (upstream === undefined || upstream.length < 12) {
          this.counters.fallbackFailed++;
          return servfail();
        }
        this.counters.fallbackForwarded++;
        const out = Uint8Array.from(upstream);
        out[0] = id >>> 8;
        out[1] = id & 0xff;
        this.counters.countQuery(transport, q.qtype, out[3]! & 0x0f);
        return out;
      },
      () => {
        this.counters.fallbackFailed++;
        return servfail();
      },
    );
  }

  private noteDoOnStrip(): void {
    this.counters.doOnStripped++;
    if (this.warnedDoOnStrip) return;
    this.warnedDoOnStrip = true;
    this.log.warn(
      'a validating resolver (DO bit set) is querying a zone served with --dnssec strip: it gets no DNSSEC records ' +
        'and its validation will fail; restart rootmirror with --dnssec keep (ROOTMIRROR_DNSSEC=keep)',
    );
  }
}

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const CD = 0x0010;

function flags(opcode: number, aa: boolean, tc: boolean, rd: boolean, cd: boolean, rcode: number): number {
  return QR | (opcode << 11) | (aa ? AA : 0) | (tc ? TC : 0) | (rd ? RD : 0) | (cd ? CD : 0) | (rcode & 0x0f);
}

/**
 * Header + the client's question + a cached body with its pointers moved by
 * `shift` (question name length minus the anchor's, answer-cache.ts) + OPT
 * when the query had one. The question name is `len` octets at src[from], as
 * the client wrote it (its case: 0x20), the query itself on the fast path.
 */
function assemble(
  id: number,
  rd: boolean,
  cd: boolean,
  aa: boolean,
  rcode: number,
  src: Uint8Array,
  from: number,
  len: number,
  qtype: number,
  qclass: number,
  body: Body,
  shift: number,
  edns: boolean,
  dnssecOk: boolean,
): Uint8Array {
  // Shared chunks, not Buffer.allocUnsafe(): a plain view costs a third as much.
  const out = octets(12 + len + 4 + body.bytes.length + (edns ? 11 : 0));
  writeHeader(out, id, flags(0, aa, body.truncated, rd, cd, rcode), 1, body.ancount, body.nscount, body.arcount + (edns ? 1 : 0));
  for (let i = 0; i < len; i++) out[12 + i] = src[from + i]!;
  let o = 12 + len;
  out[o++] = qtype >>> 8;
  out[o++] = qtype & 0xff;
  out[o++] = qclass >>> 8;
  out[o++] = qclass & 0xff;
  writeBody(out, o, body, shift);
  if (edns) writeOpt(out, o + body.bytes.length, rcode, dnssecOk);
  return out;
}

/** Largest UDP response: 512 without EDNS; with it, the client's size, at least 512, at most ours (RFC 6891 §6.2.3-5). */
function udpLimit(edns: boolean, payload: number): number {
  return edns ? Math.min(Math.max(payload, PLAIN_UDP_LIMIT), UDP_PAYLOAD) : PLAIN_UDP_LIMIT;
}

/** A cached body at `o`, its compression pointers moved by `shift`. */
function writeBody(out: Uint8Array, o: number, body: Body, shift: number): void {
  out.set(body.bytes, o);
  const ps = body.pointers;
  for (let i = 0; i < ps.length; i++) {
    const at = o + ps[i]!;
    const target = (((out[at]! & 0x3f) << 8) | out[at + 1]!) + shift;
    out[at] = 0xc0 | (target >>> 8);
    out[at + 1] = target & 0xff;
  }
}

function writeHeader(out: Uint8Array, id: number, f: number, qd: number, an: number, ns: number, ar: number): void {
  put16(out, 0, id);
  put16(out, 2, f);
  put16(out, 4, qd);
  put16(out, 6, an);
  put16(out, 8, ns);
  put16(out, 10, ar);
}

function put16(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 8;
  out[at + 1] = v & 0xff;
}

/** RFC 6891 §6.1.2 OPT: our payload size, the upper rcode bits, version 0, DO echoed. */
function writeOpt(out: Uint8Array, o: number, rcode: number, dnssecOk: boolean): void {
  out[o] = 0;
  out[o + 1] = 0;
  out[o + 2] = RRType.OPT;
  out[o + 3] = UDP_PAYLOAD >>> 8;
  out[o + 4] = UDP_PAYLOAD & 0xff;
  out[o + 5] = rcode >>> 4;
  out[o + 6] = 0;
  out[o + 7] = dnssecOk ? 0x80 : 0;
  out[o + 8] = 0;
  out[o + 9] = 0;
  out[o + 10] = 0;
}

/** A response with no records: errors, REFUSED, SERVFAIL. */
export function errorResponse(
  id: number,
  opcode: number,
  rd: boolean,
  cd: boolean,
  rcode: number,
  q: Question | undefined,
  edns: Edns | undefined,
): Uint8Array {
  const qlen = q ? q.qname.wire.length + 4 : 0;
  const opt = edns !== undefined;
  const out = new Uint8Array(12 + qlen + (opt ? 11 : 0));
  writeHeader(out, id, flags(opcode, false, false, rd, cd, rcode), q ? 1 : 0, 0, 0, opt ? 1 : 0);
  if (q) {
    out.set(q.qname.wire, 12);
    const o = 12 + q.qname.wire.length;
    out[o] = q.qtype >>> 8;
    out[o + 1] = q.qtype & 0xff;
    out[o + 2] = q.qclass >>> 8;
    out[o + 3] = q.qclass & 0xff;
  }
  if (opt) writeOpt(out, 12 + qlen, rcode, edns.dnssecOk);
  return out;
}

/** For tests and tools: the question name of a message, if readable. */
export function questionName(msg: Uint8Array): Name | undefined {
  try {
    return Name.fromWire(msg, 12).name;
  } catch {
    return undefined;
  }
}
