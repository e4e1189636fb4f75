// Master-file lexer (RFC 1035 §5.1): turns text into entries, one per logical
// line, each a list of tokens. Parentheses join physical lines; `;` starts a
// comment; quoted strings may hold spaces and `;`. Escapes (`\X`, `\DDD`) are
// validated here but kept raw in the token text: the name and RDATA codecs
// decode them, and only they know whether a byte is a label separator.
//
// The text is treated as octets (decode bytes as latin1). The lexer can be fed
// in chunks: when an entry is not complete before the end of the buffered text
// and more may come, `next()` returns NEED_MORE and rewinds to the start of the
// entry, so the sync and the streaming parser share this one code path.

import type { TextToken } from '../dns/rdata/text-token.js';
import { ParseError } from './parse-error.js';

export interface Entry {
  readonly tokens: TextToken[];
  /** The physical line began with a space or tab: the owner is carried over (RFC 1035 §5.1). */
  readonly blankOwner: boolean;
  readonly line: number;
  /** Where a missing field would have been: just after the last token. */
  readonly endLine: number;
  readonly endCol: number;
}

export const NEED_MORE: unique symbol = Symbol('need more input');
export type NeedMore = typeof NEED_MORE;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const LPAREN = 40;
const RPAREN = 41;
const SEMI = 59;
const BACKSLASH = 92;

/** Octets that end an unquoted token. */
const DELIM = new Uint8Array(256);
for (const c of [TAB, LF, CR, SPACE, QUOTE, LPAREN, RPAREN, SEMI]) DELIM[c] = 1;

export class Lexer {
  private text: string;
  private pos = 0;
  /** Offset in `text` of the first octet of the current physical line. */
  private lineStart = 0;
  private line = 1;
  private final: boolean;

  constructor(
    text: string,
    readonly file: string,
    /** True when `text` is all there is; false when `append` will bring more. */
    final = true,
  ) {
    this.text = text;
    this.final = final;
  }

  /** Add more input; only valid when not yet final. Drops text already consumed. */
  append(more: string, final: boolean): void {
    if (this.final) throw new Error('Lexer.append after final input');
    const keep = this.lineStart < this.pos ? this.lineStart : this.pos;
    this.text = this.text.slice(keep) + more;
    this.pos -= keep;
    this.lineStart -= keep;
    this.final = final;
  }

  markFinal(): void {
    this.final = true;
  }

  /** The next non-empty entry, null at the end of the input, or NEED_MORE. */
  next(): Entry | null | NeedMore {
    const text = this.text;
    const len = text.length;
    for (;;) {
      if (this.pos >= len) return this.final ? null : NEED_MORE;
      const savePos = this.pos;
      const saveLine = this.line;
      const saveLineStart = this.lineStart;
      const first = text.charCodeAt(this.pos);
      const blankOwner = first === SPACE || first === TAB;
      const tokens: TextToken[] = [];
      let parenLine = 0;
      let parenCol = 0;
      let endLine = this.line;
      let endCol = 1;
      let pos = this.pos;
      let complete = false;
      while (pos < len) {
        const c = text.charCodeAt(pos);
        if (c === SPACE || c === TAB || c === CR) {
          pos++;
        } else if (c === LF) {
          pos++;
          this.line++;
          this.lineStart = pos;
          if (parenLine === 0) {
            complete = true;
            break;
          }
        } else if (c === SEMI) {
          const nl = text.indexOf('\n', pos);
          if (nl < 0) pos = len;
          else pos = nl;
        } else if (c === LPAREN) {
          if (parenLine !== 0) {
            this.fail(pos, '(', 'nested "(": parentheses do not nest', 'a ")" to close the one opened at line ' + parenLine + ' col ' + parenCol);
          }
          parenLine = this.line;
          parenCol = pos - this.lineStart + 1;
          pos++;
        } else if (c === RPAREN) {
          if (parenLine === 0) this.fail(pos, ')', 'unbalanced ")"', 'a "(" before it');
          parenLine = 0;
          pos++;
        } else if (c === QUOTE) {
          const start = pos + 1;
          let p = start;
          let closed = false;
          while (p < len) {
            const q = text.charCodeAt(p);
            if (q === QUOTE) {
              closed = true;
              break;
            }
            if (q === LF) {
              this.fail(pos, text.slice(pos, p), 'unterminated quoted string', 'a closing \'"\' on the same line');
            }
            if (q === BACKSLASH) {
              const r = this.escape(p, len);
              if (r < 0) break; // need more input
              p = r;
            } else p++;
          }
          if (!closed) {
            if (!this.final) break;
            this.fail(pos, text.slice(pos, p), 'unterminated quoted string', 'a closing \'"\'');
          }
          tokens.push({ text: text.slice(start, p), quoted: true, line: this.line, col: pos - this.lineStart + 1 });
          pos = p + 1;
          endLine = this.line;
          endCol = pos - this.lineStart + 1;
        } else {
          const start = pos;
          let p = pos;
          let cut = false;
          while (p < len) {
            const q = text.charCodeAt(p);
            if (q < 256 && DELIM[q] === 1) break;
            if (q === BACKSLASH) {
              const r = this.escape(p, len);
              if (r < 0) {
                cut = true;
                break;
              }
              p = r;
            } else p++;
          }
          if (p >= len && !this.final) cut = true; // the token may continue in the next chunk
          if (cut) break;
          tokens.push({ text: text.slice(start, p), quoted: false, line: this.line, col: start - this.lineStart + 1 });
          pos = p;
          endLine = this.line;
          endCol = pos - this.lineStart + 1;
        }
      }
      if (!complete && pos >= len && this.final) complete = true;
      if (!complete) {
        // Ran out of buffered text in the middle of an entry.
        this.pos = savePos;
        this.line = saveLine;
        this.lineStart = saveLineStart;
        return NEED_MORE;
      }
      if (parenLine !== 0) {
        // Only reachable at the very end of the input.
        throw new ParseError({
          file: this.file,
          line: parenLine,
          col: parenCol,
          token: '(',
          expected: 'a ")" before the end of the file',
          problem: 'unbalanced "("',
        });
      }
      this.pos = pos;
      if (tokens.length === 0) continue;
      return { tokens, blankOwner, line: tokens[0]!.line, endLine, endCol };
    }
  }

  /**
   * Validate the escape whose backslash is at `p`; return the offset after it,
   * or -1 if the buffer ends inside it and more input may come.
   * RFC 1035 §5.1: `\X` is X literally, `\DDD` is the octet DDD (0..255).
   */
  private escape(p: number, len: number): number {
    const text = this.text;
    if (p + 1 >= len) {
      if (!this.final) return -1;
      this.fail(p, '\\', 'bad escape: a backslash at the end of the file', 'a character or three digits after "\\"');
    }
    const n = text.charCodeAt(p + 1);
    if (n === LF || n === CR) {
      this.fail(p, '\\', 'bad escape: a backslash at the end of a line', 'a character or three digits after "\\"');
    }
    if (n < 0x30 || n > 0x39) return p + 2;
    if (p + 3 >= len && !this.final) return -1;
    const d = text.slice(p + 1, p + 4);
    if (!/^[0-9]{3}$/.test(d) || Number(d) > 255) {
      this.fail(p, '\\' + text.slice(p + 1, p + 4).replace(/[^0-9].*$/s, ''), 'bad escape', 'three decimal digits 000..255 after "\\"');
    }
    return p + 4;
  }

  private fail(at: number, token: string, problem: string, expected: string): never {
    throw new ParseError({ file: this.file, line: this.line, col: at - this.lineStart + 1, token, expected, problem });
  }
}
