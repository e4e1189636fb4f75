// The common query, read straight off the wire into one reused object: a
// QUERY with one question of class IN, nothing in ANSWER or AUTHORITY, and at
// most an EDNS version 0 OPT (options well formed) in ADDITIONAL. No Name, no
// verdict object, no allocation. Anything else (other opcodes, compression in
// the question, TSIG, other records, trailing octets, AXFR/IXFR, meta types,
// the EDNS EXPIRE option) is left to readQuery() (query.ts), which decides it
// and is the reference:
// for every message this reader accepts, both read the same question.
//
// Why two readers (bench/query-readers.mjs, the resolver-like mix, one core):
// this one reads a query in ~47 ns (35 ns with EDNS), readQuery() in ~238 ns
// (217 ns), and a whole answer costs ~400 ns (bench/answer.mjs), so one reader
// for both would make the common answer about half again as expensive. It
// also keeps label offsets into the packet, which locateWire() (zone/
// locate-wire.ts) looks up without building a Name.

import { RRClass, RRType } from '../dns/types.js';
import { EXPIRE_OPTION } from './edns-expire.js';
import { optionPresent, optionsWellFormed } from './query.js';

export class WireQuery {
  id = 0;
  rd = false;
  cd = false;
  /** Offset just past the question name's root octet; the question ends 4 octets later. */
  nameEnd = 0;
  /** Label start offsets of the question name, most specific first: starts[0..labels). */
  readonly starts = new Uint16Array(128);
  labels = 0;
  qtype = 0;
  /** No OPT record: false (payload 0, DO clear); else the OPT's UDP payload size and DO bit. */
  edns = false;
  payload = 0;
  dnssecOk = false;

  /** Read `msg`; false when it is not the common case (then nothing here is meaningful). */
  read(msg: Uint8Array): boolean {
    const len = msg.length;
    if (len < 17) return false;
    // QR clear, opcode QUERY; QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1.
    if ((msg[2]! & 0xf8) !== 0 || msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return false;
    const arcount = msg[11]!;
    if (arcount > 1) return false;
    let pos = 12;
    let n = 0;
    for (;;) {
      const l = msg[pos]!;
      if (l === 0) break;
      if (l > 63) return false; // a pointer or a bad label type: readQuery() decides
      this.starts[n++] = pos;
      pos += l + 1;
      if (pos - 12 >= 255 || pos >= len) return false;
    }
    pos++;
    if (pos + 4 > len) return false;
    const qtype = (msg[pos]! << 8) | msg[pos + 1]!;
    if (msg[pos + 2] !== 0 || msg[pos + 3] !== RRClass.IN) return false;
    // Not questions (OPT, TSIG, TKEY), transfers (AXFR is TCP's, IXFR not served), MAILB/MAILA.
    if (qtype === RRType.OPT || (qtype >= 249 && qtype <= 254)) return false;
    this.nameEnd = pos;
    pos += 4;
    if (arcount === 0) {
      if (pos !== len) return false;
      this.edns = false;
      this.payload = 0;
      this.dnssecOk = false;
    } else {
      // RFC 6891 §6.1.2: root owner, TYPE OPT, CLASS payload, TTL ext-rcode/version/flags, RDLEN, options.
      if (pos + 11 > len || msg[pos] !== 0 || msg[pos + 1] !== 0 || msg[pos + 2] !== RRType.OPT || msg[pos + 6] !== 0) return false;
      const rdlen = (msg[pos + 9]! << 8) | msg[pos + 10]!;
      const end = pos + 11 + rdlen;
      if (end !== len || !optionsWellFormed(msg, pos + 11, rdlen)) return false;
      // EDNS EXPIRE (RFC 7314) is answered by readQuery()'s path; a look only when options are there.
      if (rdlen !== 0 && optionPresent(msg, pos + 11, rdlen, EXPIRE_OPTION)) return false;
      this.edns = true;
      this.payload = (msg[pos + 3]! << 8) | msg[pos + 4]!;
      this.dnssecOk = (msg[pos + 7]! & 0x80) !== 0;
    }
    this.id = (msg[0]! << 8) | msg[1]!;
    this.rd = (msg[2]! & 0x01) !== 0;
    this.cd = (msg[3]! & 0x10) !== 0;
    this.labels = n;
    this.qtype = qtype;
    return true;
  }
}
