// The pull parser of master files (RFC 1035 §5, RFC 2308 §4 `$TTL`, RFC 3597
// `TYPEnnn`, `CLASSnnn` and `\#` generic RDATA), in the style of miekg's
// ZoneParser: `ZoneReader.next()` gives one record at a time; the entry points
// in parser.ts (sync text, async stream, file) all drive it.
//
// Untrusted input: every problem is a ParseError with file:line:col, the token
// and what was expected; `$INCLUDE` is refused unless explicitly allowed.

import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { Name, NameError } from '../dns/name.js';
import { RdataError } from '../dns/rdata/rdata-error.js';
import { rdataFromText } from '../dns/rdata.js';
import type { TextToken } from '../dns/rdata/text-token.js';
import { RRClass, RRType, classFromString, typeFromString } from '../dns/types.js';
import { Lexer, NEED_MORE, type Entry, type NeedMore } from './lexer.js';
import { MAX_ZONE_FILE_OCTETS, type ParsedRecord, type ParseOptions } from './parse-options.js';
import { ParseError } from './parse-error.js';
import { MAX_TTL, parseTtl } from './ttl.js';

const MAX_INCLUDE_DEPTH = 8;
const TTL_EXPECTED = 'a TTL: seconds 0..2147483647, or units like 1h30m (w d h m s)';
const NAME_EXPECTED = 'a domain name (labels of at most 63 octets, at most 255 octets in all)';

interface State {
  origin: Name | undefined;
  /** `$TTL`, RFC 2308 §4. */
  ttlDirective: number | undefined;
  /** The last TTL written on a record, RFC 1035 §5.1. */
  lastTtl: number | undefined;
  lastClass: number;
  owner: Name | undefined;
  /** Cache: the owner token text and origin `owner` was made from, so repeated owners cost nothing. */
  ownerText: string;
  ownerOrigin: Name | undefined;
}

interface Frame {
  readonly lexer: Lexer;
  readonly state: State;
  readonly base: string;
}

// Small caches for mnemonic lookups (a type token is tried as a class first, so
// misses are cached too, as -1). Bounded so hostile input cannot grow them.
const CACHE_MAX = 4096;
function cachedMnemonic(parse: (text: string) => number | undefined): (text: string) => number | undefined {
  const cache = new Map<string, number>();
  return (text) => {
    let v = cache.get(text);
    if (v === undefined) {
      v = parse(text) ?? -1;
      if (cache.size < CACHE_MAX) cache.set(text, v);
    }
    return v < 0 ? undefined : v;
  };
}
const typeOf = cachedMnemonic(typeFromString);
const classOf = cachedMnemonic(classFromString);

/**
 * The pull parser. Feed it through its lexer (see `parseZone`) or give it the
 * whole text; call `next()` until it returns null.
 */
export class ZoneReader {
  private readonly frames: Frame[];
  private readonly allowInclude: boolean;
  private readonly maxRecords: number;
  private readonly maxRecordsOption: string | undefined;
  private readonly onWarning: ((warning: string) => void) | undefined;
  /** Records produced so far (for the `maxRecords` cap). */
  count = 0;

  constructor(
    readonly lexer: Lexer,
    opts: ParseOptions = {},
  ) {
    const base = opts.includeBase ?? (opts.file !== undefined ? dirname(opts.file) : process.cwd());
    if (opts.defaultTtl !== undefined && !(Number.isInteger(opts.defaultTtl) && opts.defaultTtl >= 0 && opts.defaultTtl <= MAX_TTL)) {
      throw new RangeError(`defaultTtl must be an integer 0..${MAX_TTL}`);
    }
    const state: State = {
      origin: opts.origin,
      ttlDirective: opts.defaultTtl,
      lastTtl: undefined,
      lastClass: RRClass.IN,
      owner: undefined,
      ownerText: '',
      ownerOrigin: undefined,
    };
    this.frames = [{ lexer, state, base }];
    this.allowInclude = opts.allowInclude === true;
    this.maxRecords = opts.maxRecords ?? Infinity;
    this.maxRecordsOption = opts.maxRecordsOption;
    this.onWarning = opts.onWarning;
  }

  /** The next record; null at the end; NEED_MORE when the (streaming) lexer needs more input. */
  next(): ParsedRecord | null | NeedMore {
    for (;;) {
      const frame = this.frames[this.frames.length - 1]!;
      const entry = frame.lexer.next();
      if (entry === NEED_MORE) return NEED_MORE;
      if (entry === null) {
        // End of an included file: the including file's origin and owner come back (RFC 1035 §5.1).
        if (this.frames.length === 1) return null;
        this.frames.pop();
        continue;
      }
      const rr = this.entry(frame, entry);
      if (rr === undefined) continue;
      if (++this.count > this.maxRecords) {
        const how = this.maxRecordsOption === undefined ? '' : ` (raise ${this.maxRecordsOption} if this zone is legitimately that big)`;
        throw new ParseError({
          file: frame.lexer.file,
          line: rr.line,
          col: 1,
          token: rr.name.toString(),
          expected: `at most ${this.maxRecords} records${how}`,
          problem: `more than ${this.maxRecords} records`,
        });
      }
      return rr;
    }
  }

  private entry(frame: Frame, entry: Entry): ParsedRecord | undefined {
    const { tokens } = entry;
    const st = frame.state;
    const file = frame.lexer.file;
    let i = 0;
    let owner: Name;
    const t0 = tokens[0]!;
    if (entry.blankOwner) {
      if (st.owner === undefined) {
        throw err(file, t0, 'no owner name: the first record starts with whitespace', 'an owner name at the start of the line');
      }
      owner = st.owner;
    } else {
      if (!t0.quoted && t0.text.charCodeAt(0) === 0x24 /* $ */) {
        this.directive(frame, entry);
        return undefined;
      }
      if (t0.text === st.ownerText && st.origin === st.ownerOrigin && st.owner !== undefined) {
        owner = st.owner;
      } else {
        owner = nameOf(file, t0, st.origin);
        st.owner = owner;
        st.ownerText = t0.text;
        st.ownerOrigin = st.origin;
      }
      i = 1;
    }

    // [TTL] [class] type, TTL and class in either order (RFC 1035 §5.1).
    let ttl: number | undefined;
    let cls: number | undefined;
    let type: number | undefined;
    let typeTok: TextToken | undefined;
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      const c0 = t.text.charCodeAt(0);
      if (!t.quoted && c0 >= 0x30 && c0 <= 0x39) {
        if (ttl !== undefined) throw err(file, t, 'a second TTL', 'a class or a record type');
        ttl = parseTtl(t.text);
        if (ttl === undefined) throw err(file, t, 'bad TTL', TTL_EXPECTED);
        continue;
      }
      if (!t.quoted) {
        const c = classOf(t.text);
        if (c !== undefined) {
          if (cls !== undefined) throw err(file, t, 'a second class', 'a TTL or a record type');
          cls = c;
          continue;
        }
        type = typeOf(t.text);
      }
      if (type === undefined) {
        throw err(file, t, 'unknown record type', 'a record type (A, NS, SOA, … or TYPEnnn)' + (ttl === undefined && cls === undefined ? ', a TTL or a class' : ''));
      }
      // RFC 6895 §3.1: 0 is reserved and 128..255 are QTYPEs and meta-TYPEs (OPT is 41); none is data.
      if (type === 0 || type === 41 || (type >= 128 && type <= 255)) {
        throw err(file, t, 'a query or meta type cannot be zone data', 'a data record type (A, NS, SOA, … or TYPEnnn outside 128..255)');
      }
      typeTok = t;
      i++;
      break;
    }
    if (type === undefined || typeTok === undefined) {
      throw missing(file, entry, 'missing record type', 'a record type (A, NS, SOA, … or TYPEnnn)');
    }

    if (ttl !== undefined) st.lastTtl = ttl;
    else {
      ttl = st.ttlDirective ?? st.lastTtl;
      if (ttl === undefined && type !== RRType.SOA) {
        throw err(file, typeTok, 'record without a TTL and no $TTL before it', 'a TTL before the type, a $TTL directive (RFC 2308), or the SOA first (its MINIMUM is then the default)');
      }
    }
    if (cls !== undefined) st.lastClass = cls;
    else cls = st.lastClass;

    const rdataTokens = i === 0 ? tokens : tokens.slice(i);
    const rdata = this.rdata(file, entry, type, rdataTokens, st.origin);
    if (ttl === undefined) ttl = this.soaMinimumAsDefault(file, typeTok, st, rdata);
    return { name: owner, type, class: cls, ttl, rdata, file, line: entry.line };
  }

  /**
   * A file with no TTL at all, its SOA first (Unbound's test zones, and zones
   * written for BIND 4/8 before RFC 2308): BIND takes the SOA MINIMUM as the
   * default TTL and warns, so do we, once per file (the default then holds
   * for the rest of it, as a $TTL would). RFC 2181 §8: a TTL with the top bit
   * set is read as 0.
   */
  private soaMinimumAsDefault(file: string, at: TextToken, st: State, rdata: Uint8Array): number {
    const v = rdata.length >= 4 ? Buffer.from(rdata.buffer, rdata.byteOffset, rdata.byteLength).readUInt32BE(rdata.length - 4) : 0;
    const ttl = v > MAX_TTL ? 0 : v;
    st.ttlDirective = ttl;
    this.onWarning?.(
      `${file}:${at.line}:${at.col}: no TTL on the SOA and no $TTL before it: its MINIMUM ${ttl} is the TTL of every record without one, as BIND reads it; write $TTL ${ttl} at the top to say so (RFC 2308 §4)`,
    );
    return ttl;
  }

  private rdata(file: string, entry: Entry, type: number, tokens: TextToken[], origin: Name | undefined): Uint8Array {
    const first = tokens[0];
    if (first !== undefined && !first.quoted && first.text === '\\#') return generic(file, entry, tokens);
    try {
      // The RDATA codecs need an origin for relative names; without one, a
      // relative name is completed with a marker label we then look for.
      const rdata = rdataFromText(type, tokens, origin ?? NO_ORIGIN);
      if (origin === undefined && rdata.length >= NO_ORIGIN_WIRE.length && Buffer.from(rdata.buffer, rdata.byteOffset, rdata.byteLength).indexOf(NO_ORIGIN_WIRE) >= 0) {
        const t = tokens.find((x) => !x.quoted && !isAbsolute(x.text) && /[^0-9]/.test(x.text) && typeOf(x.text) === undefined) ?? tokens[0]!;
        throw new ParseError({ file, line: t.line, col: t.col, token: t.text, expected: 'an absolute name ending in ".", or a $ORIGIN before it', problem: 'relative name without an origin' });
      }
      return rdata;
    } catch (e) {
      if (e instanceof ParseError) throw e;
      if (e instanceof RdataError) {
        const t = e.token;
        if (t === undefined) throw missing(file, entry, e.message, e.expected ?? 'more RDATA fields', e);
        throw new ParseError({ file, line: t.line, col: t.col, token: t.text, expected: e.expected ?? 'valid RDATA', problem: e.message, cause: e });
      }
      const msg = e instanceof Error ? e.message : String(e);
      const t = first;
      if (t === undefined) throw missing(file, entry, msg, 'RDATA', e);
      throw new ParseError({ file, line: t.line, col: t.col, token: t.text, expected: 'valid RDATA', problem: msg, cause: e });
    }
  }

  private directive(frame: Frame, entry: Entry): void {
    const { tokens } = entry;
    const st = frame.state;
    const file = frame.lexer.file;
    const d = tokens[0]!;
    const word = d.text.toUpperCase();
    const arg = tokens[1];
    switch (word) {
      case '$ORIGIN': {
        if (arg === undefined) throw missing(file, entry, '$ORIGIN without a name', 'a domain name');
        extra(file, tokens, 2, 'nothing after the $ORIGIN name');
        st.origin = nameOf(file, arg, st.origin);
        return;
      }
      case '$TTL': {
        if (arg === undefined) throw missing(file, entry, '$TTL without a value', TTL_EXPECTED);
        extra(file, tokens, 2, 'nothing after the $TTL value');
        const v = arg.quoted ? undefined : parseTtl(arg.text);
        if (v === undefined) throw err(file, arg, 'bad TTL', TTL_EXPECTED);
        st.ttlDirective = v;
        return;
      }
      case '$INCLUDE': {
        if (!this.allowInclude) {
          throw err(file, d, '$INCLUDE is not allowed', 'no $INCLUDE in this zone (it is only followed when including files is explicitly enabled)');
        }
        if (arg === undefined) throw missing(file, entry, '$INCLUDE without a file name', 'a file name');
        extra(file, tokens, 3, 'at most a file name and an origin after $INCLUDE');
        if (this.frames.length > MAX_INCLUDE_DEPTH) {
          throw err(file, arg, `$INCLUDE nested more than ${MAX_INCLUDE_DEPTH} deep`, 'a shallower include tree (is a file including itself?)');
        }
        const originTok = tokens[2];
        const origin = originTok !== undefined ? nameOf(file, originTok, st.origin) : st.origin;
        const path = resolve(frame.base, arg.text);
        let text: string;
        try {
          const st = statSync(path);
          if (!st.isFile() || st.size > MAX_ZONE_FILE_OCTETS) throw new Error(`not a regular file of at most ${MAX_ZONE_FILE_OCTETS} octets`);
          text = readFileSync(path, 'latin1');
        } catch (e) {
          throw new ParseError({ file, line: arg.line, col: arg.col, token: arg.text, expected: 'a readable file', problem: '$INCLUDE cannot read the file', cause: e });
        }
        // The included file starts with the given origin and the current TTLs; whatever it changes stays inside it.
        const state: State = { ...st, origin, owner: st.owner, ownerText: st.ownerText, ownerOrigin: st.ownerOrigin };
        this.frames.push({ lexer: new Lexer(text, path), state, base: dirname(path) });
        return;
      }
      case '$GENERATE':
        throw err(file, d, 'unsupported directive ($GENERATE is a BIND extension)', '$ORIGIN, $TTL or $INCLUDE');
      default:
        throw err(file, d, 'unknown directive', '$ORIGIN, $TTL or $INCLUDE');
    }
  }
}


/** Completes relative RDATA names when there is no origin, so they can be found and refused. */
const NO_ORIGIN = Name.fromText('\\000no\\ origin\\255.');
const NO_ORIGIN_WIRE = Buffer.from(NO_ORIGIN.wire.subarray(0, NO_ORIGIN.wire.length - 1));

function err(file: string, t: TextToken, problem: string, expected: string): ParseError {
  return new ParseError({ file, line: t.line, col: t.col, token: t.text, expected, problem });
}

function missing(file: string, entry: Entry, problem: string, expected: string, cause?: unknown): ParseError {
  return new ParseError({ file, line: entry.endLine, col: entry.endCol, token: '', expected, problem, cause });
}

function extra(file: string, tokens: TextToken[], from: number, expected: string): void {
  const t = tokens[from];
  if (t !== undefined) throw err(file, t, 'unexpected token', expected);
}

function nameOf(file: string, t: TextToken, origin: Name | undefined): Name {
  const text = t.text;
  try {
    return Name.fromText(text, origin);
  } catch (e) {
    if (e instanceof NameError && origin === undefined && (text === '@' || !isAbsolute(text))) {
      throw new ParseError({
        file,
        line: t.line,
        col: t.col,
        token: text,
        expected: 'an absolute name ending in ".", or a $ORIGIN before it',
        problem: 'relative name without an origin',
        cause: e,
      });
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw new ParseError({ file, line: t.line, col: t.col, token: text, expected: NAME_EXPECTED, problem: `bad name (${msg})`, cause: e });
  }
}

/** True if the presentation name ends in an unescaped dot. */
function isAbsolute(text: string): boolean {
  if (!text.endsWith('.')) return false;
  let n = 0;
  for (let i = text.length - 2; i >= 0 && text.charCodeAt(i) === 0x5c; i--) n++;
  return n % 2 === 0;
}

/** RFC 3597 §5: `\# <length> <hex...>`, hex possibly split by spaces. */
function generic(file: string, entry: Entry, tokens: TextToken[]): Uint8Array {
  const lenTok = tokens[1];
  if (lenTok === undefined) throw missing(file, entry, 'generic RDATA without a length', 'a decimal RDATA length after \\# (RFC 3597)');
  if (lenTok.quoted || !/^[0-9]{1,5}$/.test(lenTok.text) || Number(lenTok.text) > 0xffff) {
    throw err(file, lenTok, 'bad generic RDATA length', 'a decimal length 0..65535 (RFC 3597)');
  }
  const len = Number(lenTok.text);
  const out = new Uint8Array(len);
  let o = 0;
  for (let k = 2; k < tokens.length; k++) {
    const t = tokens[k]!;
    const h = t.text;
    if (t.quoted || h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) {
      throw err(file, t, 'bad hex in generic RDATA', 'hexadecimal digits in pairs (RFC 3597)');
    }
    if (o + h.length / 2 > len) {
      throw err(file, t, 'generic RDATA longer than its length', `exactly ${len} octets of hex after "\\# ${len}"`);
    }
    for (let j = 0; j < h.length; j += 2) out[o++] = parseInt(h.slice(j, j + 2), 16);
  }
  if (o !== len) {
    throw err(file, lenTok, 'generic RDATA length does not match the data', `${len} octets of hex, found ${o}`);
  }
  return out;
}
