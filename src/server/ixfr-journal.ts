// The versions IXFR (RFC 1995) can answer from: for each of the last N
// serials served before the current one, only its SOA and the difference to
// the next version (zone/diff.ts), never a whole old zone (memory: the daemon
// aims at 60 MB; a step between two real root zones is a few hundred records).
//
// Fed from the store's swap event, computed at the swap (not lazily on the
// first IXFR): a lazy diff would need the whole previous zone kept until then.
// The cost, measured on the two consecutive real root zones of test/fixtures
// (22094 records each), is in src/server/ixfr-journal.test.ts's report line.

import type { ResourceRecord } from '../dns/record.js';
import { serialCompare } from '../dns/serial.js';
import type { ZoneDiff } from '../zone/diff.js';
import { changeBetween } from '../zone/zone-change.js';
import type { ZoneStore } from '../zone/store.js';
import type { Zone } from '../zone/zone.js';

/** One version step: the zone went from `from` to `to` by deleting and adding records. */
export interface JournalStep extends ZoneDiff {
  readonly from: ResourceRecord;
  readonly to: ResourceRecord;
}

/** How to answer an IXFR for a client holding `serial`. */
export type IxfrPlan =
  /** The client is current (or ahead, RFC 1982): the current SOA alone (RFC 1995 §4). */
  | { readonly kind: 'current' }
  /** These steps, oldest first, bring the client's serial to the current one. */
  | { readonly kind: 'incremental'; readonly steps: readonly JournalStep[] }
  /** The client's serial is not held: the whole zone, AXFR-style (RFC 1995 §4). */
  | { readonly kind: 'full' };

export class IxfrJournal {
  private steps: JournalStep[] = [];

  /** `versions`: previous serials kept (0: none, every IXFR is answered AXFR-style). */
  constructor(private readonly versions: number) {}

  /** Keep the journal in step with the store: one step per swap. Returns the function that stops it. */
  follow(store: ZoneStore): () => void {
    const onSwap = (next: Zone, previous: Zone | undefined): void => this.record(previous, next);
    store.on('swap', onSwap);
    return () => store.off('swap', onSwap);
  }

  /** Record a swap from `previous` to `next`. */
  record(previous: Zone | undefined, next: Zone): void {
    if (this.versions === 0) return;
    if (previous === undefined || serialCompare(next.serial, previous.serial) !== 1) {
      // First load, a rollback, or the same serial again: no step leads here from the held ones.
      this.steps = [];
      return;
    }
    const last = this.steps[this.steps.length - 1];
    if (last !== undefined && readSerial(last.to) !== previous.serial) this.steps = [];
    // Computed in the refresh worker when the zone came from one (zone/zone-change.ts).
    const diff = changeBetween(previous, next).diff;
    this.steps.push({ from: previous.soa, to: next.soa, ...diff });
    if (this.steps.length > this.versions) this.steps.splice(0, this.steps.length - this.versions);
  }

  /** The steps that lead from `clientSerial` to `zone` (the one being served, read once per request). */
  plan(zone: Zone, clientSerial: number): IxfrPlan {
    const c = serialCompare(clientSerial, zone.serial);
    if (c === 0 || c === 1) return { kind: 'current' };
    const last = this.steps[this.steps.length - 1];
    // The journal may lag the store by a swap it has not seen (it is fed by the same event, but be sure).
    if (last === undefined || readSerial(last.to) !== zone.serial) return { kind: 'full' };
    const i = this.steps.findIndex((s) => readSerial(s.from) === clientSerial);
    return i < 0 ? { kind: 'full' } : { kind: 'incremental', steps: this.steps.slice(i) };
  }

  /** Serials an IXFR can start from, oldest first (for /status and tests). */
  get heldSerials(): number[] {
    return this.steps.map((s) => readSerial(s.from));
  }

  /** Records held in all steps (deleted + added): the journal's memory in records. */
  get heldRecords(): number {
    return this.steps.reduce((n, s) => n + s.deleted.length + s.added.length, 0);
  }
}

/** The serial of an SOA record (RDATA: MNAME, RNAME, then SERIAL; RFC 1035 §3.3.13). */
export function readSerial(soa: ResourceRecord): number {
  const r = soa.rdata;
  let o = 0;
  for (let n = 0; n < 2; n++) {
    while (r[o]! !== 0) o += r[o]! + 1;
    o++;
  }
  return ((r[o]! << 24) | (r[o + 1]! << 16) | (r[o + 2]! << 8) | r[o + 3]!) >>> 0;
}
