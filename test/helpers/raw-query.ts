// A query built octet by octet, with a numeric QTYPE and the name's case as
// given: for tests that must control every bit (dns-packet's encoder takes
// type names and would not send an arbitrary number).

import { Name } from '../../src/dns/name.js';
import { RRType } from '../../src/dns/types.js';

/** A standard query for (name, type), ID 0x1234, with an OPT (payload, DO) when `edns` is given. */
export function rawQuery(name: string | Name, type: number, edns?: { payload: number; dnssecOk: boolean }): Uint8Array {
  const wire = (typeof name === 'string' ? Name.fromText(name) : name).wire;
  const b = Buffer.alloc(12 + wire.length + 4 + (edns ? 11 : 0));
  b.writeUInt16BE(0x1234, 0);
  b.writeUInt16BE(1, 4);
  b.set(wire, 12);
  let o = b.writeUInt16BE(type, 12 + wire.length);
  o = b.writeUInt16BE(1, o);
  if (edns) {
    b.writeUInt16BE(1, 10);
    b.writeUInt16BE(RRType.OPT, o + 1);
    b.writeUInt16BE(edns.payload, o + 3);
    b[o + 7] = edns.dnssecOk ? 0x80 : 0;
  }
  return b;
}
