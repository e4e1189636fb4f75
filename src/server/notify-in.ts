// NOTIFY in (RFC 1996): a primary tells us that `.` changed. We answer as
// §4.7 says (QR, AA, NOERROR, the question echoed) and raise onNotify; what
// that starts (a rate-limited refresh) is refresh/'s business, wired by
// `serve` (the server imports nothing from refresh/). The SOA a NOTIFY may
// carry in its answer section is only a hint (§3.7): it is passed on, never
// served.
//
// Checked in the order that costs the sender most and us least: the header,
// then the sender's address (--notify-from, before any HMAC is computed for a
// stranger), then TSIG (RFC 8945 §5.2) when keys are configured.

import { systemClock, type Clock } from '../clock.js';
import { Name } from '../dns/name.js';
import { signResponse, tsigErrorResponse, verifyRequest } from '../dns/tsig.js';
import { TsigKeyring } from '../dns/tsig-keys.js';
import { Opcode, RRClass, RRType, Rcode } from '../dns/types.js';
import type { RateLimitedLogger } from '../log.js';
import type { Acl } from './acl.js';
import type { ServerCounters } from './counters.js';

/** What a NOTIFY that passed every check says. */
export interface NotifyEvent {
  /** The SOA serial in the answer section, when there was one (a hint, RFC 1996 §3.7). */
  readonly serial: number | undefined;
  readonly client: string;
  /** The TSIG key it was signed with, when it was. */
  readonly key: string | undefined;
}

export interface NotifyPolicy {
  /** --notify-from: who may send NOTIFY; others get REFUSED. */
  readonly from: Acl;
  /** --tsig-key: when it holds keys, a NOTIFY must be signed with one of them. */
  readonly keys?: TsigKeyring;
  readonly clock?: Clock;
  readonly onNotify: (ev: NotifyEvent) => void;
}

const HEADER = 12;
const QR = 0x80;
const AA = 0x04;
const noKeys = new TsigKeyring([]);

/** True when `msg` is a request with opcode NOTIFY (the caller routes it here). */
export function isNotify(msg: Uint8Array): boolean {
  return msg.length >= HEADER && (msg[2]! & QR) === 0 && ((msg[2]! >> 3) & 0x0f) === Opcode.NOTIFY;
}

/** A response header + the request's question, no records (the shape §4.7 shows). */
function reply(msg: Uint8Array, questionEnd: number, rcode: number, aa: boolean): Uint8Array {
  const out = new Uint8Array(questionEnd);
  out.set(msg.subarray(0, questionEnd));
  out[2] = QR | (Opcode.NOTIFY << 3) | (aa ? AA : 0) | (msg[2]! & 0x01);
  out[3] = rcode & 0x0f;
  out[4] = 0;
  out[5] = questionEnd > HEADER ? 1 : 0;
  out.fill(0, 6, 12);
  return out;
}

/** The serial of an SOA for `.` first in the answer section, if any. */
function hintedSerial(msg: Uint8Array, pos: number): number | undefined {
  const ancount = (msg[6]! << 8) | msg[7]!;
  if (ancount === 0) return undefined;
  const owner = Name.fromWire(msg, pos);
  let p = owner.next;
  if (p + 10 > msg.length) return undefined;
  const type = (msg[p]! << 8) | msg[p + 1]!;
  const rdlen = (msg[p + 8]! << 8) | msg[p + 9]!;
  p += 10;
  if (type !== RRType.SOA || !owner.name.isRoot() || p + rdlen > msg.length) return undefined;
  const mname = Name.fromWire(msg, p);
  const rname = Name.fromWire(msg, mname.next);
  const s = rname.next;
  if (s + 4 > p + rdlen) return undefined;
  return ((msg[s]! << 24) | (msg[s + 1]! << 16) | (msg[s + 2]! << 8) | msg[s + 3]!) >>> 0;
}

/**
 * Answer one NOTIFY request (isNotify(msg) is true). Never throws: a message
 * that cannot be read is FORMERR, as for a query.
 */
export function answerNotify(msg: Uint8Array, client: string, policy: NotifyPolicy, counters: ServerCounters, log: RateLimitedLogger): Uint8Array {
  const refuse = (rcode: number, why: string, questionEnd = HEADER): Uint8Array => {
    counters.notifyRefused++;
    log.warn(`notify-refused-${rcode}`, `NOTIFY from ${client} refused: ${why}`, { client, rcode });
    return reply(msg, questionEnd, rcode, false);
  };
  const qdcount = (msg[4]! << 8) | msg[5]!;
  if (qdcount !== 1) return refuse(Rcode.FORMERR, `QDCOUNT is ${qdcount}, must be 1`);
  let qname: Name;
  let questionEnd: number;
  try {
    const q = Name.fromWire(msg, HEADER);
    qname = q.name;
    questionEnd = q.next + 4;
  } catch (e) {
    return refuse(Rcode.FORMERR, `bad QNAME: ${(e as Error).message}`);
  }
  if (questionEnd > msg.length) return refuse(Rcode.FORMERR, 'question cut short');
  const qtype = (msg[questionEnd - 4]! << 8) | msg[questionEnd - 3]!;
  const qclass = (msg[questionEnd - 2]! << 8) | msg[questionEnd - 1]!;
  if (!policy.from.allows(client)) return refuse(Rcode.REFUSED, 'not in --notify-from', questionEnd);
  // §3.7: QTYPE SOA; another zone is not ours to be told about (NOTAUTH, as BIND and NSD answer).
  if (qtype !== RRType.SOA || qclass !== RRClass.IN) return refuse(Rcode.NOTIMP, `NOTIFY for type ${qtype} class ${qclass}; only . SOA IN`, questionEnd);
  if (!qname.isRoot()) return refuse(Rcode.NOTAUTH, `NOTIFY for ${qname.toString()}; only the root zone . is served`, questionEnd);

  const clock = policy.clock ?? systemClock;
  const keys = policy.keys ?? noKeys;
  const tsig = verifyRequest(msg, keys, { clock });
  if (tsig.status === 'rejected') {
    counters.notifyBadTsig++;
    log.warn(`notify-tsig-${tsig.error}`, `NOTIFY from ${client} refused: TSIG ${tsig.error}: ${tsig.detail}`, { client });
    return tsigErrorResponse(msg, tsig, { clock });
  }
  if (tsig.status === 'unsigned' && keys.size > 0) {
    counters.notifyBadTsig++;
    log.warn('notify-unsigned', `NOTIFY from ${client} refused: unsigned, and --tsig-key is set (sign it with one of its keys)`, { client });
    return reply(msg, questionEnd, Rcode.REFUSED, false);
  }
  let serial: number | undefined;
  try {
    serial = hintedSerial(msg, questionEnd);
  } catch {
    serial = undefined; // a hint we cannot read is no hint (§3.7); the NOTIFY still counts
  }
  counters.notifyAccepted++;
  const key = tsig.status === 'verified' ? tsig.key.name.toString() : undefined;
  policy.onNotify({ serial, client, key });
  const out = reply(msg, questionEnd, Rcode.NOERROR, true);
  return tsig.status === 'verified' ? signResponse(out, tsig, { clock }).message : out;
}
