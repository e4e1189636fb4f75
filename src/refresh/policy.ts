// What the refresher accepts once a copy verified (RFC 1982 serial arithmetic
// against the held copy): a higher serial replaces it; the same serial with
// the same records confirms it (other bytes may be the same zone written
// differently, an AXFR copy against InterNIC's file); the same serial with
// other records, or a lower (or incomparable) serial, is refused with an alarm.

import { createHash } from 'node:crypto';
import { serialCompare } from '../dns/serial.js';
import type { Zone } from '../zone/zone.js';
import type { AlarmKind } from './events.js';

export type SerialVerdict =
  | { readonly kind: 'newer' }
  | { readonly kind: 'same-records' }
  | { readonly kind: 'refused'; readonly alarm: AlarmKind; readonly message: string };

export interface Copy {
  readonly serial: number;
  readonly zone: Zone;
  readonly sha256: string;
}

/** Judge a verified `candidate` from `source` against the `held` copy. */
export function judgeSerial(candidate: Copy, held: Copy, source: string): SerialVerdict {
  const cmp = serialCompare(candidate.serial, held.serial);
  if (cmp === 1) return { kind: 'newer' };
  if (cmp === 0) {
    if (sameRecords(candidate.zone, held.zone)) return { kind: 'same-records' };
    const message = `serial ${candidate.serial} from ${source} has different content (sha256 ${candidate.sha256}) than the held copy (sha256 ${held.sha256}); refused`;
    return { kind: 'refused', alarm: 'same-serial-different-content', message };
  }
  const message = `serial ${candidate.serial} is ${cmp === -1 ? 'lower than' : 'not comparable with'} the held serial ${held.serial} (RFC 1982); refusing a rollback`;
  return { kind: 'refused', alarm: 'serial-rollback', message };
}

/** Same records (owner, type, class, TTL, RDATA, in the zone's canonical order)? */
export function sameRecords(a: Zone, b: Zone): boolean {
  if (a.records.length !== b.records.length) return false;
  const digest = (z: Zone): string => {
    const h = createHash('sha256');
    const fixed = Buffer.alloc(10);
    for (const r of z.records) {
      h.update(r.name.canonicalWire());
      fixed.writeUInt16BE(r.type, 0);
      fixed.writeUInt16BE(r.class, 2);
      fixed.writeUInt32BE(r.ttl, 4);
      fixed.writeUInt16BE(r.rdata.length, 8);
      h.update(fixed);
      h.update(r.rdata);
    }
    return h.digest('hex');
  };
  return digest(a) === digest(b);
}
