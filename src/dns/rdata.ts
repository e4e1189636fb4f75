// RDATA in presentation form: text -> wire and wire -> text for every type we
// know, RFC 3597 generic form (`\# len hex`) for the rest.
//
// Each known type is described once, as a list of fields (rdata/fields.ts); the
// text parser, the printer, the message reader (rdata/from-message.ts),
// canonical form (canonical.ts) and compression (rdata/wire-layout.ts) are all
// driven by that one description.

import type { Name } from './name.js';
import { bytesToHex } from './rdata/encoding.js';
import { FIELDS } from './rdata/fields.js';
import { textToField } from './rdata/field-from-text.js';
import { fieldToText } from './rdata/field-to-text.js';
import { rdataFromMessage } from './rdata/from-message.js';
import { RdataError } from './rdata/rdata-error.js';
import { Sink } from './rdata/sink.js';
import type { TextToken } from './rdata/text-token.js';

/** One scratch buffer for every record parsed (the parser is synchronous). */
const SINK = new Sink();

/** Parse RDATA fields (after owner/TTL/class/type) into uncompressed wire RDATA. */
export function rdataFromText(type: number, tokens: readonly TextToken[], origin: Name): Uint8Array {
  const first = tokens[0];
  if (first !== undefined && !first.quoted && first.text === '\\#') return genericFromText(type, tokens);
  const fields = FIELDS.get(type);
  if (fields === undefined) {
    throw new RdataError(
      'RDATA of a type without a known presentation format must be in RFC 3597 generic form',
      first,
      '"\\# <length> <hex>"',
    );
  }
  const out = SINK;
  out.pos = 0;
  let i = 0;
  for (const f of fields) {
    i = textToField(f, tokens, i, origin, out);
  }
  if (i < tokens.length) {
    throw new RdataError('too many RDATA fields', tokens[i], 'end of the record');
  }
  return out.take(0);
}

function genericFromText(type: number, tokens: readonly TextToken[]): Uint8Array {
  const lenTok = tokens[1];
  if (lenTok === undefined) throw new RdataError('generic RDATA without a length', undefined, 'the RDATA length after \\#');
  if (!/^[0-9]{1,5}$/.test(lenTok.text) || Number(lenTok.text) > 65535) {
    throw new RdataError('bad generic RDATA length', lenTok, 'a length from 0 to 65535');
  }
  const len = Number(lenTok.text);
  let hex = '';
  for (let k = 2; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (!/^[0-9a-fA-F]*$/.test(t.text)) throw new RdataError('bad hex in generic RDATA', t, 'hexadecimal digits');
    hex += t.text;
  }
  if (hex.length % 2 !== 0) throw new RdataError('odd number of hex digits in generic RDATA', tokens[tokens.length - 1], 'whole octets');
  if (hex.length / 2 !== len) {
    throw new RdataError(`generic RDATA length ${len} does not match ${hex.length / 2} octets of data`, lenTok, `${hex.length / 2}`);
  }
  const rdata = Uint8Array.from(Buffer.from(hex, 'hex'));
  // RFC 3597 §5: generic RDATA of a known type must still be valid for that type.
  if (FIELDS.has(type)) {
    try {
      rdataFromMessage(type, rdata, 0, rdata.length);
    } catch (e) {
      throw new RdataError(`generic RDATA is not valid for this type: ${(e as Error).message}`, lenTok, 'RDATA valid for the type');
    }
  }
  return rdata;
}

/** Presentation form of wire RDATA (RFC 3597 `\# len hex` for unknown types). */
export function rdataToText(type: number, rdata: Uint8Array): string {
  const fields = FIELDS.get(type);
  if (fields === undefined) return genericText(rdata);
  try {
    const out: string[] = [];
    let pos = 0;
    for (const f of fields) {
      pos = fieldToText(f, rdata, pos, out);
    }
    if (pos !== rdata.length) return genericText(rdata);
    return out.join(' ');
  } catch {
    return genericText(rdata);
  }
}

function genericText(rdata: Uint8Array): string {
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${bytesToHex(rdata)}`;
}
