// Outgoing zone transfer (RFC 5936): the zone as served (strip or keep), SOA
// first and last, records in canonical order, as many records per message as
// fit, names compressed. Only over TCP, only for --allow-transfer clients.

import { MessageWriter, Section } from '../dns/message-writer.js';
import { RRType } from '../dns/types.js';
import type { Question } from './query.js';
import type { Zone } from '../zone/zone.js';

/** Messages are kept well under 64 KiB so compression pointers stay usable. */
const MESSAGE_LIMIT = 16_384;

export function* axfrMessages(zone: Zone, id: number, question: Question): Generator<Uint8Array> {
  const flags = 0x8000 | 0x0400; // QR, AA
  let w = new MessageWriter(MESSAGE_LIMIT);
  w.addQuestion(question.qname, question.qtype, question.qclass);
  const records = [zone.soa, ...zone.records.filter((rr) => !(rr.type === RRType.SOA && rr.name.equals(zone.origin))), zone.soa];
  for (const rr of records) {
    if (w.addRecord(rr, Section.answer)) continue;
    if (w.length > 12) yield w.finish({ id, flags });
    w = new MessageWriter(MESSAGE_LIMIT);
    if (w.addRecord(rr, Section.answer)) continue;
    // A record over 16 KiB (a long TXT, say) goes alone in a message of up to 64 KiB.
    const big = new MessageWriter(65535);
    if (!big.addRecord(rr, Section.answer)) throw new Error(`record too large for any DNS message: ${rr.name.toString()}`);
    yield big.finish({ id, flags });
  }
  yield w.finish({ id, flags });
}
