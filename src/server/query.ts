// Reading a query off the wire without ever throwing. The header is checked
// before anything else is decoded (miekg MsgAcceptFunc): QR set → drop, opcode
// other than QUERY → NOTIMP, QDCOUNT ≠ 1 → FORMERR. Then the question, then the
// additional section for EDNS (RFC 6891). Everything the network sends is
// hostile until proven otherwise; every failure becomes a verdict.
//
// A FORMERR carries an OPT whenever the query did (RFC 6891 §7), even when
// the OPT itself is what is wrong ("If this occurs, the response MUST include
// an OPT record", so the requester can tell a format error within EDNS from a
// server without EDNS). The one exception is a question name we refuse to
// follow (a compression pointer): nothing after it is read, and the FORMERR is
// the header alone, as NSD 4.6.1 answers (test/formerr.test.ts; BIND 9.18
// answers some of them, reading 0xc00b as the root, as we used to).
//
// The reference reader: the server reads the common query with WireQuery
// (fast-query.ts) first, ~5x cheaper per query (47 vs 238 ns,
// bench/query-readers.mjs), and comes here for everything else and for the
// reasons a query is refused. Tests hold both to the same question for every
// message the fast reader accepts, and the answers to the same octets
// (server/fast-query.test.ts).

import { Name } from '../dns/name.js';
import { Opcode, RRClass, RRType, Rcode } from '../dns/types.js';
import { EXPIRE_OPTION } from './edns-expire.js';

export interface Edns {
  /** Requestor's UDP payload size, as sent. */
  readonly payload: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  /** The EXPIRE option (RFC 7314) was asked for. */
  readonly expire?: boolean;
}

export interface Question {
  readonly qname: Name;
  readonly qtype: number;
  readonly qclass: number;
}

/** What to do with one incoming message. */
export type QueryVerdict =
  /** Not a query we answer at all (response bit, runt packet). */
  | { readonly kind: 'drop'; readonly reason: string }
  /** Answer with this rcode and no data. `question` echoed when it could be read. */
  | {
      readonly kind: 'error';
      readonly rcode: number;
      readonly id: number;
      readonly opcode: number;
      readonly rd: boolean;
      readonly question?: Question;
      readonly edns?: Edns;
      readonly reason: string;
    }
  | {
      readonly kind: 'query';
      readonly id: number;
      readonly rd: boolean;
      readonly cd: boolean;
      readonly question: Question;
      readonly edns?: Edns;
      /** IXFR: the serial of the client's SOA, from the authority section (RFC 1995 §3). */
      readonly ixfrSerial?: number;
      /** The request carries a TSIG record (last in ADDITIONAL), not yet checked: query-tsig.ts, tcp.ts. */
      readonly signed?: boolean;
    };

const HEADER = 12;

export function readQuery(msg: Uint8Array): QueryVerdict {
  if (msg.length < HEADER) return { kind: 'drop', reason: 'shorter than a DNS header' };
  const id = (msg[0]! << 8) | msg[1]!;
  const b2 = msg[2]!;
  if (b2 & 0x80) return { kind: 'drop', reason: 'QR set: a response, not a query' };
  const opcode = (b2 >> 3) & 0x0f;
  const rd = (b2 & 0x01) !== 0;
  const cd = (msg[3]! & 0x10) !== 0;
  const qdcount = (msg[4]! << 8) | msg[5]!;
  const ancount = (msg[6]! << 8) | msg[7]!;
  const nscount = (msg[8]! << 8) | msg[9]!;
  const arcount = (msg[10]! << 8) | msg[11]!;
  const fail = (rcode: number, reason: string, question?: Question, edns?: Edns): QueryVerdict => ({
    kind: 'error',
    rcode,
    id,
    opcode,
    rd,
    reason,
    ...(question ? { question } : {}),
    ...(edns ? { edns } : {}),
  });

  if (opcode !== Opcode.QUERY) return fail(Rcode.NOTIMP, `opcode ${opcode} not implemented`);
  if (qdcount !== 1) return fail(Rcode.FORMERR, `QDCOUNT is ${qdcount}, must be 1`, undefined, carriedOpt(msg, HEADER, qdcount, ancount + nscount, arcount));
  // RFC 1035 §4.1.4: a pointer names an earlier occurrence of a name. The
  // question is a query's first name, so a pointer in it can only point at
  // the header or forward (read naively, 0xc00b is the root): FORMERR.
  if (reachesPointer(msg, HEADER)) return fail(Rcode.FORMERR, 'QNAME uses a compression pointer: nothing precedes the question for it to point at');

  let pos = HEADER;
  const q = nameAt(msg, pos);
  if (typeof q === 'string') return fail(Rcode.FORMERR, `bad QNAME: ${q}`);
  const qname = q.name;
  pos = q.next;
  if (pos + 4 > msg.length) return fail(Rcode.FORMERR, 'question cut short');
  const question: Question = {
    qname,
    qtype: (msg[pos]! << 8) | msg[pos + 1]!,
    qclass: (msg[pos + 2]! << 8) | msg[pos + 3]!,
  };
  pos += 4;
  const isIxfr = question.qtype === RRType.IXFR;
  const recordsAt = pos;
  // RFC 6891 §7: a FORMERR to a query that carried OPT carries OPT.
  const formerr = (why: string) => fail(Rcode.FORMERR, why, question, carriedOpt(msg, recordsAt, 0, ancount + nscount, arcount));
  // RFC 1995 §3: an IXFR query carries the client's SOA in AUTHORITY; nothing else does.
  if (ancount !== 0 || nscount > (isIxfr ? 1 : 0)) return formerr('a query with records in ANSWER or AUTHORITY');
  let ixfrSerial: number | undefined;
  if (isIxfr && nscount === 1) {
    const r = nameAt(msg, pos);
    if (typeof r === 'string') return formerr(`bad name in AUTHORITY: ${r}`);
    pos = r.next;
    if (pos + 10 > msg.length) return formerr('AUTHORITY record cut short');
    const type = (msg[pos]! << 8) | msg[pos + 1]!;
    const rdlen = (msg[pos + 8]! << 8) | msg[pos + 9]!;
    pos += 10;
    if (type !== RRType.SOA || pos + rdlen > msg.length) return formerr("IXFR AUTHORITY is not the client's SOA");
    // MNAME and RNAME (maybe compressed), then SERIAL.
    let o = pos;
    for (let n = 0; n < 2; n++) {
      const x = nameAt(msg, o);
      if (typeof x === 'string') return formerr(`bad name in the IXFR SOA: ${x}`);
      o = x.next;
    }
    if (o + 20 > pos + rdlen) return formerr('IXFR SOA RDATA cut short');
    ixfrSerial = ((msg[o]! << 24) | (msg[o + 1]! << 16) | (msg[o + 2]! << 8) | msg[o + 3]!) >>> 0;
    pos += rdlen;
  }

  let edns: Edns | undefined;
  let signed = false;
  for (let i = 0; i < arcount; i++) {
    const r = nameAt(msg, pos);
    if (typeof r === 'string') return fail(Rcode.FORMERR, `bad name in ADDITIONAL: ${r}`, question, edns);
    const owner = r.name;
    pos = r.next;
    if (pos + 10 > msg.length) return fail(Rcode.FORMERR, 'ADDITIONAL record cut short', question, edns);
    const type = (msg[pos]! << 8) | msg[pos + 1]!;
    const opt = type === RRType.OPT ? optFields(msg, pos) : undefined;
    const rdlen = (msg[pos + 8]! << 8) | msg[pos + 9]!;
    pos += 10;
    if (pos + rdlen > msg.length) return fail(Rcode.FORMERR, 'ADDITIONAL RDATA runs past the end', question, edns ?? opt);
    if (opt !== undefined) {
      // RFC 6891 §6.1.1: one OPT, owner the root.
      if (edns !== undefined) return fail(Rcode.FORMERR, 'more than one OPT record', question, edns);
      if (!owner.isRoot()) return fail(Rcode.FORMERR, 'OPT record owner is not the root', question, opt);
      if (!optionsWellFormed(msg, pos, rdlen)) return fail(Rcode.FORMERR, 'malformed EDNS options', question, opt);
      const expire = optionPresent(msg, pos, rdlen, EXPIRE_OPTION);
      edns = expire ? { ...opt, expire } : opt;
    } else if (type === 250 /* TSIG */) {
      // RFC 8945 §5.1: the last record; checked with the keys by the caller (query-tsig.ts, tcp.ts).
      if (i !== arcount - 1) return fail(Rcode.FORMERR, 'TSIG is not the last record (RFC 8945 §5.1)', question);
      signed = true;
    }
    pos += rdlen;
  }
  if (pos !== msg.length) return fail(Rcode.FORMERR, `${msg.length - pos} octets of trailing garbage`, question, edns);
  if (edns !== undefined && edns.version > 0) return fail(Rcode.BADVERS, `EDNS version ${edns.version} not supported`, question, edns);
  // After BADVERS (RFC 6891 §6.1.3 comes first, as for every other question).
  if (isIxfr && ixfrSerial === undefined) return fail(Rcode.FORMERR, "IXFR without the client's SOA in AUTHORITY (RFC 1995 §3)", question, edns);
  if (question.qclass !== RRClass.IN) return fail(Rcode.REFUSED, `class ${question.qclass}: only IN is served`, question, edns);
  const qt = question.qtype;
  if (qt === RRType.OPT || qt === 250 || qt === 249) return fail(Rcode.FORMERR, `QTYPE ${qt} is not a question`, question, edns);
  if (qt === 253 || qt === 254) return fail(Rcode.NOTIMP, `QTYPE ${qt} not implemented`, question, edns);
  return { kind: 'query', id, rd, cd, question, ...(edns ? { edns } : {}), ...(ixfrSerial !== undefined ? { ixfrSerial } : {}), ...(signed ? { signed } : {}) };
}

/** The EDNS fields of an OPT whose TYPE is at `pos` (RFC 6891 §6.1.3: CLASS is the payload size, TTL the extended rcode, version and DO). */
function optFields(msg: Uint8Array, pos: number): Edns {
  return { payload: (msg[pos + 2]! << 8) | msg[pos + 3]!, version: msg[pos + 5]!, dnssecOk: (msg[pos + 6]! & 0x80) !== 0 };
}

/** Does the name at `pos` reach a compression pointer, label by label? */
function reachesPointer(msg: Uint8Array, pos: number): boolean {
  while (pos < msg.length) {
    const len = msg[pos]!;
    if ((len & 0xc0) === 0xc0) return true;
    if (len === 0 || len > 63) return false; // the end, or a label type nameAt() refuses
    pos += len + 1;
  }
  return false;
}

/**
 * For a FORMERR found before the additional section was read: the first OPT
 * there, if the message can be walked that far (`questions` questions, then
 * `records` records, from `pos`). RFC 6891 §7: a query with OPT gets OPT back.
 */
function carriedOpt(msg: Uint8Array, pos: number, questions: number, records: number, arcount: number): Edns | undefined {
  for (let i = 0; i < questions; i++) {
    const n = nameAt(msg, pos);
    if (typeof n === 'string') return undefined;
    pos = n.next + 4;
  }
  for (let i = 0; i < records + arcount; i++) {
    const n = nameAt(msg, pos);
    if (typeof n === 'string' || n.next + 10 > msg.length) return undefined;
    pos = n.next;
    if (i >= records && ((msg[pos]! << 8) | msg[pos + 1]!) === RRType.OPT) return optFields(msg, pos);
    pos += 10 + ((msg[pos + 8]! << 8) | msg[pos + 9]!);
  }
  return undefined;
}

/** The name at `pos` and the offset after it, or why it cannot be read. */
function nameAt(msg: Uint8Array, pos: number): { readonly name: Name; readonly next: number } | string {
  try {
    return Name.fromWire(msg, pos);
  } catch (e) {
    return (e as Error).message;
  }
}

/** Whether the EDNS options (well formed) include option `code`. */
export function optionPresent(msg: Uint8Array, pos: number, rdlen: number, code: number): boolean {
  const end = pos + rdlen;
  for (let o = pos; o + 4 <= end; o += 4 + ((msg[o + 2]! << 8) | msg[o + 3]!)) {
    if (((msg[o]! << 8) | msg[o + 1]!) === code) return true;
  }
  return false;
}

/** EDNS options are TLVs (RFC 6891 §6.1.2) that must exactly fill the RDATA. */
export function optionsWellFormed(msg: Uint8Array, pos: number, rdlen: number): boolean {
  const end = pos + rdlen;
  let o = pos;
  while (o < end) {
    if (o + 4 > end) return false;
    const len = (msg[o + 2]! << 8) | msg[o + 3]!;
    o += 4 + len;
  }
  return o === end;
}
