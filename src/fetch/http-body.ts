// Streams a downloaded body goes through while it arrives: a byte cap (on the
// wire and, separately, after gzip: a gzip bomb stops early), an HTML sniffer (a
// login portal or a CDN error page is not a zone), and the SHA-256 of what is kept.

import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Counts bytes through the stream and fails once more than `max` have passed. */
export class ByteCap extends Transform {
  count = 0;
  constructor(
    private readonly max: number,
    private readonly onOver: (count: number) => Error,
    private readonly onChunk?: (count: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.max) {
      done(this.onOver(this.count));
      return;
    }
    this.onChunk?.(this.count);
    done(null, chunk);
  }
}

export const HTML_START = /^(?:\uFEFF)?\s*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i;
/** Enough of the start of a body to recognise an HTML page. */
export const HTML_SNIFF_BYTES = 512;

/** Looks at the first bytes that pass and fails if they start an HTML document. A master file never starts with `<`. */
export class HtmlSniffer extends Transform {
  private head = '';
  private decided = false;
  constructor(private readonly onHtml: () => Error) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.decided) {
      this.head += chunk.subarray(0, HTML_SNIFF_BYTES).toString('latin1');
      if (HTML_START.test(this.head)) {
        done(this.onHtml());
        return;
      }
      // Decided once a non-space character other than `<` (or enough bytes) has been seen.
      const first = /\S/.exec(this.head.replace(/^\uFEFF/, ''));
      if ((first !== null && first[0] !== '<') || this.head.length >= HTML_SNIFF_BYTES) this.decided = true;
    }
    done(null, chunk);
  }
}

/** The SHA-256 of every byte that passes. */
export class Hasher extends Transform {
  readonly hash = createHash('sha256');
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
}
