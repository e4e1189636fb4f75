// RDATA read out of a DNS message: names decompressed where RFC 3597 §4 allows
// it, the structure of every known type checked. The result is uncompressed
// wire RDATA, the form the rest of the code keeps.

import { concatBytes } from '../../bytes.js';
import { Name, NameError } from '../name.js';
import { RRType } from '../types.js';
import { FIELDS } from './fields.js';
import { RdataError } from './rdata-error.js';
import { fieldEnd } from './wire-layout.js';

/** Types whose names RFC 4034 §3.1.7 and §4.1.1 say MUST NOT be compressed. */
const NO_DECOMPRESSION: ReadonlySet<number> = new Set([RRType.RRSIG, RRType.NSEC]);

/**
 * Read RDATA from a message at `offset` (length `length`), decompressing names
 * of the types that carry them, and checking the structure of known types.
 */
export function rdataFromMessage(type: number, msg: Uint8Array, offset: number, length: number): Uint8Array {
  const end = offset + length;
  if (end > msg.length) throw new RdataError('RDATA runs past the end of the message');
  const fields = FIELDS.get(type);
  if (fields === undefined) return msg.slice(offset, end);
  let hasName = false;
  for (const f of fields) if (f.kind === 'name') hasName = true;
  let pos = offset;
  if (!hasName) {
    const view = msg.subarray(offset, end);
    let p = 0;
    for (const f of fields) {
      p = fieldEnd(f, view, p);
      if (p < 0 || p > view.length) throw new RdataError(`truncated ${f.label} in RDATA`);
    }
    if (p !== view.length) throw new RdataError('trailing octets after RDATA fields');
    return msg.slice(offset, end);
  }
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    if (f.kind === 'name') {
      let r: { name: Name; next: number };
      try {
        r = Name.fromWire(msg, pos);
      } catch (e) {
        throw new RdataError(`bad name in RDATA: ${(e as NameError).message}`);
      }
      if (r.next > end) throw new RdataError('name runs past the end of the RDATA');
      if (r.next - pos !== r.name.wire.length && NO_DECOMPRESSION.has(type)) {
        throw new RdataError(`compressed ${f.label} in ${type === RRType.RRSIG ? 'RRSIG' : 'NSEC'} RDATA (RFC 4034 forbids compression here)`);
      }
      parts.push(r.name.wire);
      pos = r.next;
    } else {
      const view = msg.subarray(pos, end);
      const n = fieldEnd(f, view, 0);
      if (n < 0 || n > view.length) throw new RdataError(`truncated ${f.label} in RDATA`);
      parts.push(msg.subarray(pos, pos + n));
      pos += n;
    }
  }
  if (pos !== end) throw new RdataError('trailing octets after RDATA fields');
  return concatBytes(parts);
}
