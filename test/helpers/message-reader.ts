// A small strict reader of whole DNS messages (RFC 1035 §4.1): header,
// questions and the three record sections, RDATA decompressed and checked per
// type by rdataFromMessage. Used by the AXFR client and by tests; the server
// parses queries itself, with its own, cheaper header checks.
//
// Strict means: every count is honoured exactly, nothing may follow the last
// record, names obey the compression rules of Name.fromWire, and at most one
// OPT record may appear, in the additional section, owned by the root
// (RFC 6891 §6.1.1). Anything else is a MessageError, never a partial result.

import { Name, NameError } from '../../src/dns/name.js';
import type { ResourceRecord } from '../../src/dns/record.js';
import { RdataError } from '../../src/dns/rdata/rdata-error.js';
import { rdataFromMessage } from '../../src/dns/rdata/from-message.js';
import { RRType } from '../../src/dns/types.js';

export class MessageError extends Error {
  override readonly name = 'MessageError';
  constructor(
    message: string,
    /** Offset in the message where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} (at octet ${offset})`);
  }
}

export interface MessageHeader {
  readonly id: number;
  /** Octets 2-3 as one number: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE. */
  readonly flags: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** Header RCODE (4 bits); see Message.rcode for the extended value. */
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

export interface Question {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
}

/** The EDNS(0) OPT pseudo-record, decoded (RFC 6891 §6.1.2-6.1.3). */
export interface Edns {
  readonly udpPayloadSize: number;
  readonly extendedRcode: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  /** Raw option octets ({code, length, data}*), checked to be well formed. */
  readonly options: Uint8Array;
}

export interface Message {
  readonly header: MessageHeader;
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
  /** Additional records without the OPT record (that one is in `edns`). */
  readonly additionals: readonly ResourceRecord[];
  readonly edns?: Edns;
  /** Full RCODE: header RCODE plus the OPT's upper 8 bits (RFC 6891 §6.1.3). */
  readonly rcode: number;
}

export function readHeader(msg: Uint8Array): MessageHeader {
  if (msg.length < 12) throw new MessageError(`message of ${msg.length} octets is shorter than a DNS header`, 0);
  const u16 = (o: number): number => (msg[o]! << 8) | msg[o + 1]!;
  const flags = u16(2);
  return {
    id: u16(0),
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    qdcount: u16(4),
    ancount: u16(6),
    nscount: u16(8),
    arcount: u16(10),
  };
}

/** Parse a whole message; throws MessageError on any malformation. */
export function readMessage(msg: Uint8Array): Message {
  const header = readHeader(msg);
  let pos = 12;

  const name = (what: string): Name => {
    try {
      const r = Name.fromWire(msg, pos);
      pos = r.next;
      return r.name;
    } catch (e) {
      throw new MessageError(`bad ${what}: ${(e as NameError).message}`, pos);
    }
  };
  const u16 = (what: string): number => {
    if (pos + 2 > msg.length) throw new MessageError(`message ends inside ${what}`, pos);
    const v = (msg[pos]! << 8) | msg[pos + 1]!;
    pos += 2;
    return v;
  };
  const u32 = (what: string): number => {
    if (pos + 4 > msg.length) throw new MessageError(`message ends inside ${what}`, pos);
    const v = ((msg[pos]! << 24) | (msg[pos + 1]! << 16) | (msg[pos + 2]! << 8) | msg[pos + 3]!) >>> 0;
    pos += 4;
    return v;
  };

  const questions: Question[] = [];
  for (let i = 0; i < header.qdcount; i++) {
    const qname = name('question name');
    const type = u16('question type');
    questions.push({ name: qname, type, class: u16('question class') });
  }

  let edns: Edns | undefined;
  const section = (count: number, label: string, additional: boolean): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      const start = pos;
      const owner = name(`owner name in the ${label} section`);
      const type = u16('record type');
      const cls = u16('record class');
      const ttl = u32('record TTL');
      const rdlength = u16('RDLENGTH');
      if (pos + rdlength > msg.length) {
        throw new MessageError(`RDATA of ${rdlength} octets runs past the end of the message`, pos);
      }
      if (type === RRType.OPT) {
        if (!additional) throw new MessageError(`OPT record in the ${label} section`, start);
        if (edns !== undefined) throw new MessageError('more than one OPT record', start);
        if (!owner.isRoot()) throw new MessageError('OPT record not owned by the root', start);
        edns = {
          udpPayloadSize: cls,
          extendedRcode: ttl >>> 24,
          version: (ttl >>> 16) & 0xff,
          dnssecOk: (ttl & 0x8000) !== 0,
          options: checkOptions(msg, pos, rdlength),
        };
        pos += rdlength;
        continue;
      }
      let rdata: Uint8Array;
      try {
        rdata = rdataFromMessage(type, msg, pos, rdlength);
      } catch (e) {
        throw new MessageError(`bad RDATA: ${(e as RdataError).message}`, pos);
      }
      pos += rdlength;
      out.push({ name: owner, type, class: cls, ttl, rdata });
    }
    return out;
  };

  const answers = section(header.ancount, 'answer', false);
  const authorities = section(header.nscount, 'authority', false);
  const additionals = section(header.arcount, 'additional', true);
  if (pos !== msg.length) throw new MessageError(`${msg.length - pos} octets after the last record`, pos);
  const rcode = header.rcode | ((edns?.extendedRcode ?? 0) << 4);
  return edns === undefined
    ? { header, questions, answers, authorities, additionals, rcode }
    : { header, questions, answers, authorities, additionals, edns, rcode };
}

function checkOptions(msg: Uint8Array, start: number, length: number): Uint8Array {
  const end = start + length;
  let o = start;
  while (o < end) {
    if (o + 4 > end) throw new MessageError('truncated EDNS option header', o);
    const len = (msg[o + 2]! << 8) | msg[o + 3]!;
    if (o + 4 + len > end) throw new MessageError('EDNS option runs past the OPT RDATA', o);
    o += 4 + len;
  }
  return msg.slice(start, end);
}
