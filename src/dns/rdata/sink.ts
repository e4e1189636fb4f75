// Where the text parser writes RDATA: one scratch buffer reused for every
// record (RDATA is at most 65535 octets), so parsing a record allocates only
// its result.

import { copyOctets } from '../octets.js';
import { RdataError } from './rdata-error.js';
import type { TextToken } from './text-token.js';

export class Sink {
  readonly buf = new Uint8Array(65535);
  pos = 0;
  /** The token being encoded, for the "too long" error. */
  tok: TextToken | undefined;

  room(n: number): void {
    if (this.pos + n > 65535) throw new RdataError('RDATA longer than 65535 octets', this.tok, 'shorter RDATA');
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }
  u32(v: number): void {
    this.room(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** Copy of what was written since `from` (in shared storage: octets.ts). */
  take(from: number): Uint8Array {
    return copyOctets(this.buf, from, this.pos);
  }
}
