// Master-file parsing, the three entry points: a whole text in memory, a
// stream (records come out as their entries complete) and a file (.gz
// inflated first). All three drive the one pull parser, ZoneReader
// (zone-reader.ts).

import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

import { Lexer, NEED_MORE } from './lexer.js';
import { MAX_ZONE_FILE_OCTETS, type ParsedRecord, type ParseOptions } from './parse-options.js';
import { ParseError } from './parse-error.js';
import { ZoneReader } from './zone-reader.js';

function latin1(chunk: Uint8Array): string {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
}

function fileName(opts: ParseOptions): string {
  return opts.file ?? '<zone>';
}

/** Parse a whole zone held in memory. Fastest path; same reader as the streaming one. */
export function parseZoneText(text: string | Uint8Array, opts: ParseOptions = {}): ParsedRecord[] {
  const src = typeof text === 'string' ? text : latin1(text);
  const reader = new ZoneReader(new Lexer(src, fileName(opts)), opts);
  const out: ParsedRecord[] = [];
  for (;;) {
    const rr = reader.next();
    if (rr === null) return out;
    if (rr === NEED_MORE) throw new Error('unreachable: a final lexer asked for more input');
    out.push(rr);
  }
}

/**
 * Streaming pull parser: records come out as soon as their entry is complete,
 * so a stream need not be held in memory.
 */
export async function* parseZone(
  source: string | Uint8Array | AsyncIterable<Uint8Array>,
  opts: ParseOptions = {},
): AsyncGenerator<ParsedRecord, void, undefined> {
  if (typeof source === 'string' || source instanceof Uint8Array) {
    const src = typeof source === 'string' ? source : latin1(source);
    const reader = new ZoneReader(new Lexer(src, fileName(opts)), opts);
    for (;;) {
      const rr = reader.next();
      if (rr === null || rr === NEED_MORE) return;
      yield rr;
    }
  }
  const lexer = new Lexer('', fileName(opts), false);
  const reader = new ZoneReader(lexer, opts);
  for await (const chunk of source) {
    lexer.append(latin1(chunk), false);
    for (;;) {
      const rr = reader.next();
      if (rr === NEED_MORE) break;
      if (rr === null) throw new Error('unreachable: a non-final lexer reported the end');
      yield rr;
    }
  }
  lexer.markFinal();
  for (;;) {
    const rr = reader.next();
    if (rr === null) return;
    if (rr === NEED_MORE) throw new Error('unreachable: a final lexer asked for more input');
    yield rr;
  }
}

/**
 * A zone file's bytes, inflated first when it starts with the gzip magic,
 * refused (ParseError) past `maxBytes` on disk or inflated: a gzip bomb is an
 * error, not an exhausted heap. `file` names it in errors.
 */
export async function readZoneBytes(path: string, file = path, maxBytes = MAX_ZONE_FILE_OCTETS): Promise<Uint8Array> {
  const whole = (problem: string, cause?: unknown): ParseError =>
    new ParseError({ file, line: 1, col: 1, token: '<file>', expected: `a zone file of at most ${maxBytes} octets (gzip allowed)`, problem, cause });
  if ((await stat(path)).size > maxBytes) throw whole('file too large');
  const bytes: Uint8Array = await readFile(path);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await promisify(gunzip)(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    throw whole(`cannot gunzip (${e instanceof Error ? e.message : String(e)})`, e);
  }
}

/** Read and parse a zone file; `.gz` files (or any file starting with the gzip magic) are inflated first. */
export async function parseZoneFile(path: string, opts: ParseOptions = {}): Promise<ParsedRecord[]> {
  const file = opts.file ?? path;
  const bytes = await readZoneBytes(path, file);
  return parseZoneText(latin1(bytes), { ...opts, file, includeBase: opts.includeBase ?? dirname(path) });
}
