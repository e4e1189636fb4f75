// Outgoing zone transfer (RFC 5936): the zone as served (strip or keep), SOA
// first and last, records in canonical order, as many records per message as
// fit, names compressed. Only over TCP, only for --allow-transfer clients
// (and, with --tsig-key, TSIG-signed ones: tcp.ts). IXFR answers (ixfr.ts)
// are packed into messages the same way.

import { MessageWriter, Section } from '../dns/message-writer.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import type { Question } from './query.js';
import type { Zone } from '../zone/zone.js';

/** Messages are kept well under 64 KiB so compression pointers stay usable. */
const MESSAGE_LIMIT = 16_384;

/** The records of an AXFR: the SOA, every other record, the SOA again (RFC 5936 §2.2). */
export function* axfrRecords(zone: Zone): Generator<ResourceRecord> {
  yield zone.soa;
  for (const rr of zone.records) if (!(rr.type === RRType.SOA && rr.name.equals(zone.origin))) yield rr;
  yield zone.soa;
}

/**
 * `records` in as few messages as fit: the question in the first, AA set,
 * `opt` (an encoded OPT record, RFC 6891) appended to every message when the
 * request had EDNS. TSIG, when used, is added by the caller (it must be last).
 */
export function* transferMessages(records: Iterable<ResourceRecord>, id: number, question: Question, opt?: Uint8Array): Generator<Uint8Array> {
  const flags = 0x8000 | 0x0400; // QR, AA
  const done = (m: Uint8Array): Uint8Array => (opt === undefined ? m : withAdditional(m, opt));
  let w = new MessageWriter(MESSAGE_LIMIT);
  w.addQuestion(question.qname, question.qtype, question.qclass);
  for (const rr of records) {
    if (w.addRecord(rr, Section.answer)) continue;
    if (w.length > 12) yield done(w.finish({ id, flags }));
    w = new MessageWriter(MESSAGE_LIMIT);
    if (w.addRecord(rr, Section.answer)) continue;
    // A record over 16 KiB (a long TXT, say) goes alone in a message of up to 64 KiB.
    const big = new MessageWriter(65535 - 512);
    if (!big.addRecord(rr, Section.answer)) throw new Error(`record too large for any DNS message: ${rr.name.toString()}`);
    yield done(big.finish({ id, flags }));
  }
  yield done(w.finish({ id, flags }));
}

export function axfrMessages(zone: Zone, id: number, question: Question, opt?: Uint8Array): Generator<Uint8Array> {
  return transferMessages(axfrRecords(zone), id, question, opt);
}

/** `msg` with one more encoded record in ADDITIONAL (ARCOUNT + 1). */
function withAdditional(msg: Uint8Array, record: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + record.length);
  out.set(msg);
  out.set(record, msg.length);
  const ar = ((msg[10]! << 8) | msg[11]!) + 1;
  out[10] = ar >>> 8;
  out[11] = ar & 0xff;
  return out;
}
