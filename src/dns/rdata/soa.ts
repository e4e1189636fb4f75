// SOA RDATA (RFC 1035 §3.3.13): the one decoder, for the zone builder, AXFR,
// ZONEMD and the expiry policy alike.

import { readUint32 } from '../../bytes.js';
import { Name } from '../name.js';
import { RdataError } from './rdata-error.js';

export interface Soa {
  readonly mname: Name;
  readonly rname: Name;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

/** MNAME, RNAME, then five 32-bit fields, nothing after; RdataError (or NameError) otherwise. */
export function decodeSoa(rdata: Uint8Array): Soa {
  const m = Name.fromWire(rdata, 0);
  const r = Name.fromWire(rdata, m.next);
  const o = r.next;
  if (o + 20 !== rdata.length) throw new RdataError('SOA RDATA has the wrong length');
  return {
    mname: m.name,
    rname: r.name,
    serial: readUint32(rdata, o),
    refresh: readUint32(rdata, o + 4),
    retry: readUint32(rdata, o + 8),
    expire: readUint32(rdata, o + 12),
    minimum: readUint32(rdata, o + 16),
  };
}
