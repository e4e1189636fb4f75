// The one error a master file can produce while being read. Like miekg's
// ParseError it says where (file:line:col, 1-based, columns count octets; a tab
// is one column), what token was there and what was expected, so an operator
// can fix the file without reading our code.

import { OperatorError } from '../errors.js';

export interface ParseErrorDetails {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The offending token as written (escapes raw); "" when the problem is a missing field. */
  readonly token: string;
  /** What would have been accepted, e.g. "a TTL (seconds or units like 1h30m)". */
  readonly expected: string;
  /** What is wrong, e.g. "bad TTL". */
  readonly problem: string;
  readonly cause?: unknown;
}

const MAX_SHOWN = 80;

/** The details' fields, readable on the error (`err.line`, `err.token`, …). */
export interface ParseError extends Readonly<Omit<ParseErrorDetails, 'cause'>> {}

export class ParseError extends OperatorError {
  override readonly name = 'ParseError';

  constructor(d: ParseErrorDetails) {
    super(`${d.file}:${d.line}:${d.col}: ${d.problem}: got ${show(d.token)}, expected ${d.expected}`, {
      cause: d.cause,
    });
    const { cause: _cause, ...fields } = d;
    Object.assign(this, fields);
  }
}

function show(token: string): string {
  if (token === '') return 'end of line';
  const t = token.length > MAX_SHOWN ? token.slice(0, MAX_SHOWN) + '…' : token;
  // Control characters would garble a terminal; show them as \DDD like a master file would.
  return '"' + t.replace(/[\x00-\x1f\x7f]/g, (c) => '\\' + c.charCodeAt(0).toString().padStart(3, '0')) + '"';
}
