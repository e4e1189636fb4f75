// Outgoing IXFR (RFC 1995 §4): the records of the answer for a plan from the
// journal (ixfr-journal.ts), packed into messages like an AXFR (axfr.ts).
//   current:     the current SOA alone;
//   incremental: current SOA, then per version step the old SOA, the deleted
//                records, the new SOA, the added records; the current SOA last;
//   full:        the whole zone AXFR-style (SOA, records, SOA).
// Condensation (RFC 1995 §5) is not attempted: each step is sent as journaled.

import { MessageWriter, Section } from '../dns/message-writer.js';
import type { ResourceRecord } from '../dns/record.js';
import type { Zone } from '../zone/zone.js';
import { axfrRecords } from './axfr.js';
import type { IxfrPlan } from './ixfr-journal.js';
import type { Question } from './query.js';

export function* ixfrRecords(zone: Zone, plan: IxfrPlan): Generator<ResourceRecord> {
  if (plan.kind === 'full') {
    yield* axfrRecords(zone);
    return;
  }
  yield zone.soa;
  if (plan.kind === 'current') return;
  for (const step of plan.steps) {
    yield step.from;
    yield* step.deleted;
    yield step.to;
    yield* step.added;
  }
  yield zone.soa;
}

/** The answer to an IXFR over UDP: question, the current SOA, and `opt` (an encoded OPT) when the query had EDNS. */
export function soaOnly(q: { readonly id: number; readonly question: Question }, zone: Zone, flags: number, opt: Uint8Array | undefined): Uint8Array {
  const w = new MessageWriter();
  w.addQuestion(q.question.qname, q.question.qtype, q.question.qclass);
  w.addRecord(zone.soa, Section.answer);
  if (opt !== undefined) w.addRawAdditional(opt);
  return w.finish({ id: q.id, flags });
}
