// DNS message encoder with name compression (RFC 1035 §4.1.4).
//
// Names are compressed against every name written before them: owner names
// always, names inside RDATA only for the RFC 1035 types (RFC 3597 §4). A record
// that would push the message past its size limit is not written at all
// (addRecord returns false and the compression table is rolled back), so callers
// can decide to set TC. The positions of every pointer written are kept, so a
// message built once can be moved to another offset and patched (answer cache).

import { lower, type Name } from './name.js';
import type { ResourceRecord } from './record.js';
import { compressibleNameOffsets } from './rdata/wire-layout.js';

export const Section = { answer: 0, authority: 1, additional: 2 } as const;
export type SectionId = (typeof Section)[keyof typeof Section];

export interface HeaderFields {
  readonly id: number;
  /** Octets 2-3 of the header: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE. */
  readonly flags: number;
}

/** Pointers can only address the first 16 KiB of a message. */
export const MAX_POINTER = 0x3fff;

export class MessageWriter {
  private buf: Uint8Array;
  private pos = 12;
  private readonly table = new Map<string, number>();
  private readonly counts = [0, 0, 0, 0];
  /** Offsets of the 2-octet compression pointers written so far. */
  readonly pointers: number[] = [];

  constructor(
    /** Largest message allowed, in octets. */
    readonly limit = 65535,
    /**
     * Names are recorded as compression targets only up to this offset. Lower
     * than MAX_POINTER for a message that will be moved (answer-cache.ts moves
     * its bodies when the real question is longer than the stand-in).
     */
    private readonly maxTarget = MAX_POINTER,
  ) {
    this.buf = new Uint8Array(Math.min(limit, 4096));
  }

  get length(): number {
    return this.pos;
  }

  /** Write the question; must come before any record. Returns false if it does not fit. */
  addQuestion(name: Name, type: number, cls: number): boolean {
    const mark = this.mark();
    this.writeName(name.wire, true);
    this.u16(type);
    this.u16(cls);
    if (this.pos > this.limit) return this.rollback(mark);
    this.counts[0]!++;
    return true;
  }

  /** Append one record to a section (sections must be written in order). */
  addRecord(rr: ResourceRecord, section: SectionId): boolean {
    const mark = this.mark();
    this.writeName(rr.name.wire, true);
    this.u16(rr.type);
    this.u16(rr.class);
    this.u32(rr.ttl);
    const lenAt = this.pos;
    this.u16(0);
    const start = this.pos;
    const offsets = compressibleNameOffsets(rr.type, rr.rdata);
    if (offsets.length === 0) {
      this.bytes(rr.rdata);
    } else {
      let from = 0;
      for (const at of offsets) {
        this.bytes(rr.rdata.subarray(from, at));
        from = at + nameLength(rr.rdata, at);
        this.writeName(rr.rdata.subarray(at, from), true);
      }
      this.bytes(rr.rdata.subarray(from));
    }
    const rdlen = this.pos - start;
    if (this.pos > this.limit) return this.rollback(mark);
    this.buf[lenAt] = rdlen >>> 8;
    this.buf[lenAt + 1] = rdlen & 0xff;
    this.counts[1 + section]!++;
    return true;
  }

  /** Append raw octets as one additional record already encoded (e.g. OPT). */
  addRawAdditional(record: Uint8Array): boolean {
    if (this.pos + record.length > this.limit) return false;
    this.bytes(record);
    this.counts[3]!++;
    return true;
  }

  /** The finished message with header and section counts filled in. */
  finish(header: HeaderFields): Uint8Array {
    const b = this.buf;
    b[0] = header.id >>> 8;
    b[1] = header.id & 0xff;
    b[2] = header.flags >>> 8;
    b[3] = header.flags & 0xff;
    for (let i = 0; i < 4; i++) {
      b[4 + 2 * i] = this.counts[i]! >>> 8;
      b[5 + 2 * i] = this.counts[i]! & 0xff;
    }
    return b.slice(0, this.pos);
  }

  /** The octets written from `from` on, as a view valid until the next write or reset (no header, no copy). */
  writtenFrom(from: number): Uint8Array {
    return this.buf.subarray(from, this.pos);
  }

  /** Start a new message in the same buffer (a writer that encodes many messages one after another). */
  reset(): void {
    this.pos = 12;
    this.table.clear();
    this.counts.fill(0);
    this.pointers.length = 0;
    this.added.length = 0;
  }

  sectionCount(i: 0 | 1 | 2 | 3): number {
    return this.counts[i]!;
  }

  private mark(): { pos: number; keys: number; ptrs: number } {
    return { pos: this.pos, keys: this.added.length, ptrs: this.pointers.length };
  }

  private readonly added: string[] = [];

  private rollback(m: { pos: number; keys: number; ptrs: number }): false {
    this.pos = m.pos;
    while (this.added.length > m.keys) this.table.delete(this.added.pop()!);
    this.pointers.length = m.ptrs;
    return false;
  }

  /** Write an uncompressed wire name, compressing its longest known suffix. */
  private writeName(wire: Uint8Array, compress: boolean): void {
    // One lower-cased string per name; each suffix's key is a substring of it
    // (built label by label, the keys were most of an image's encoding time).
    const full = compress ? lowerKey(wire) : '';
    let o = 0;
    while (wire[o]! !== 0) {
      if (compress) {
        const key = o === 0 ? full : full.substring(o);
        const ptr = this.table.get(key);
        if (ptr !== undefined) {
          this.pointers.push(this.pos);
          this.u16(0xc000 | ptr);
          return;
        }
        if (this.pos <= this.maxTarget) {
          this.table.set(key, this.pos);
          this.added.push(key);
        }
      }
      const end = o + wire[o]! + 1;
      this.ensure(end - o);
      const b = this.buf;
      let p = this.pos;
      for (let i = o; i < end; i++) b[p++] = wire[i]!;
      this.pos = p;
      o = end;
    }
    this.u8(0);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  private u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }

  private u32(v: number): void {
    this.ensure(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  private bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

function nameLength(wire: Uint8Array, at: number): number {
  let o = at;
  while (wire[o]! !== 0) o += wire[o]! + 1;
  return o + 1 - at;
}

/** Room for the longest name (RFC 1035 §2.3.4: 255 octets), lower-cased for lowerKey(). */
const scratch = Buffer.alloc(256);

/** Case-insensitive key of a whole wire name (terminal zero included): its octets lower-cased, as latin1. */
function lowerKey(wire: Uint8Array): string {
  const n = Math.min(wire.length, scratch.length);
  for (let i = 0; i < n; i++) scratch[i] = lower(wire[i]!);
  return scratch.toString('latin1', 0, n);
}
