// Parser tests for the master-file grammar itself (directives, owner, TTL, class,
// type, generic RDATA). RDATA here is mostly RFC 3597 `\#` so these tests do not
// depend on the per-type codecs; parser-rdata.test.ts covers those.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { RRClass } from '../dns/types.js';
import { ParseError } from './parse-error.js';
import { parseTtl } from './ttl.js';
import { parseZone, parseZoneFile, parseZoneText, readZoneBytes } from './parser.js';
import type { ParseOptions, ParsedRecord } from './parse-options.js';

const root = Name.root;
const ex = Name.fromText('example.');

function summary(rrs: ParsedRecord[]): string[] {
  return rrs.map((r) => `${r.name.toString()} ${r.ttl} ${r.class} ${r.type} ${Buffer.from(r.rdata).toString('hex')} @${r.line}`);
}

function parseErr(text: string, opts: ParseOptions = {}): ParseError {
  try {
    parseZoneText(text, { file: 'z', ...opts });
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('parsed without error');
}

describe('parseTtl', () => {
  it.each([
    ['0', 0],
    ['86400', 86400],
    ['2147483647', 2147483647],
    ['1h30m', 5400],
    ['1W', 604800],
    ['1d2h3m4s', 93784],
    ['2147483648', undefined],
    ['99999999999', undefined],
    ['1x', undefined],
    ['h', undefined],
    ['', undefined],
    ['-1', undefined],
    ['10000000w', undefined],
  ])('%j -> %j', (text, v) => {
    expect(parseTtl(text)).toBe(v);
  });
});

describe('parseZoneText: RFC 1035 §5.1 entries', () => {
  it('$ORIGIN, @, relative names, owner/TTL/class carried over', () => {
    const rrs = parseZoneText(
      [
        '$ORIGIN example.',
        '@ 300 IN TYPE65280 \\# 1 01',
        '  TYPE65280 \\# 1 02 ; owner, TTL and class carried over',
        'www IN 60 TYPE65280 \\# 0',
        'sub.www.example. TYPE65280 \\# 2 ab CD',
        '$ORIGIN sub',
        'x TYPE65280 \\# 0',
      ].join('\n'),
    );
    expect(summary(rrs)).toEqual([
      'example. 300 1 65280 01 @2',
      'example. 300 1 65280 02 @3',
      'www.example. 60 1 65280  @4',
      'sub.www.example. 60 1 65280 abcd @5',
      'x.sub.example. 60 1 65280  @7',
    ]);
  });

  it('$TTL (RFC 2308) applies to records without a TTL; explicit TTLs win', () => {
    const rrs = parseZoneText('$TTL 1h\na. TYPE1 \\# 4 01020304\nb. 5 TYPE1 \\# 4 01020304\nc. TYPE1 \\# 4 01020304\n');
    expect(rrs.map((r) => r.ttl)).toEqual([3600, 5, 3600]);
  });

  it('without $TTL the last explicit TTL carries over (RFC 1035)', () => {
    const rrs = parseZoneText('a. 7 TYPE1 \\# 4 01020304\nb. TYPE1 \\# 4 01020304\n');
    expect(rrs.map((r) => r.ttl)).toEqual([7, 7]);
  });

  describe('a file without any TTL: the SOA MINIMUM is the default, as BIND reads it (RFC 2308 §4 asks for $TTL)', () => {
    const soa = (ttl = '') => `@ ${ttl} IN SOA ns admin 1 2 3 4 300\n`;
    it('the SOA takes its MINIMUM; later records without a TTL take it too, even after an explicit one (BIND, not "the last TTL")', () => {
      const warnings: string[] = [];
      const rrs = parseZoneText(`$ORIGIN example.\n${soa()}  IN NS ns\nns 7 IN A 192.0.2.1\nwww IN A 192.0.2.2\n`, { file: 'z', onWarning: (w) => warnings.push(w) });
      expect(rrs.map((r) => `${r.name.toString()} ${r.ttl}`)).toEqual(['example. 300', 'example. 300', 'ns.example. 7', 'www.example. 300']);
      expect(warnings).toEqual([
        'z:2:7: no TTL on the SOA and no $TTL before it: its MINIMUM 300 is the TTL of every record without one, as BIND reads it; write $TTL 300 at the top to say so (RFC 2308 §4)',
      ]);
    });
    it('no warning when the SOA has a TTL or $TTL precedes it', () => {
      const warnings: string[] = [];
      parseZoneText(`$ORIGIN example.\n${soa('60')}www IN A 192.0.2.2\n`, { onWarning: (w) => warnings.push(w) });
      parseZoneText(`$ORIGIN example.\n$TTL 60\n${soa()}www IN A 192.0.2.2\n`, { onWarning: (w) => warnings.push(w) });
      expect(warnings).toEqual([]);
    });
    it('a MINIMUM with the top bit set is read as 0 (RFC 2181 §8)', () => {
      expect(parseZoneText('$ORIGIN example.\n@ IN SOA ns admin 1 2 3 4 4294967295\n')[0]!.ttl).toBe(0);
    });
    it('a record without a TTL before the SOA is still refused, and the error says what would do', () => {
      const e = parseErr('$ORIGIN example.\nwww IN A 192.0.2.2\n' + soa());
      expect(e.message).toBe('z:2:8: record without a TTL and no $TTL before it: got "A", expected a TTL before the type, a $TTL directive (RFC 2308), or the SOA first (its MINIMUM is then the default)');
    });
  });

  it('defaultTtl and origin options act as $TTL and $ORIGIN', () => {
    const rrs = parseZoneText('www TYPE1 \\# 4 01020304', { origin: ex, defaultTtl: 42 });
    expect(summary(rrs)).toEqual(['www.example. 42 1 1 01020304 @1']);
  });

  it('parses other classes and CLASSnnn (the checks refuse them, not the parser)', () => {
    const rrs = parseZoneText('a. 1 CH TYPE1 \\# 0\nb. 1 CLASS42 TYPE1 \\# 0\nc. 1 TYPE1 \\# 0\n');
    expect(rrs.map((r) => r.class)).toEqual([RRClass.CH, 42, 42]);
  });

  it('TYPEnnn, lower-case mnemonics and parentheses around generic RDATA', () => {
    const rrs = parseZoneText('a. 1 in type65535 \\# 3 (\n 01 ; one\n 0203 )\n');
    expect(summary(rrs)).toEqual(['a. 1 1 65535 010203 @1']);
  });

  it('keeps name case and escapes in owners', () => {
    const [rr] = parseZoneText('Ex\\.Ample\\032x. 1 TYPE1 \\# 0');
    expect(rr!.name.wire).toEqual(Uint8Array.from([10, 0x45, 0x78, 0x2e, 0x41, 0x6d, 0x70, 0x6c, 0x65, 0x20, 0x78, 0]));
  });

  it('shares one Name object among records of the same owner', () => {
    const rrs = parseZoneText('a. 1 TYPE1 \\# 0\na. 1 TYPE2 \\# 0\n  TYPE3 \\# 0\n');
    expect(rrs[1]!.name).toBe(rrs[0]!.name);
    expect(rrs[2]!.name).toBe(rrs[0]!.name);
  });

  it('the same owner text after a new $ORIGIN is a different name', () => {
    const rrs = parseZoneText('$ORIGIN a.\nx 1 TYPE1 \\# 0\n$ORIGIN b.\nx 1 TYPE1 \\# 0\n');
    expect(rrs.map((r) => r.name.toString())).toEqual(['x.a.', 'x.b.']);
  });

  it('reports the file in records', () => {
    const [rr] = parseZoneText('a. 1 TYPE1 \\# 0', { file: 'f.zone' });
    expect(rr!.file).toBe('f.zone');
  });
});

describe('parse errors carry file:line:col, the token and what was expected', () => {
  it.each<[string, number, number, string, string]>([
    ['a. 1 TYPE1 \\# 0\n  b. 1x TYPE1 \\# 0\n', 2, 3, 'b.', 'unknown record type'],
    ['a. 1x TYPE1 \\# 0', 1, 4, '1x', 'bad TTL'],
    ['a. 4294967296 TYPE1 \\# 0', 1, 4, '4294967296', 'bad TTL'],
    ['a. 1 2 TYPE1 \\# 0', 1, 6, '2', 'a second TTL'],
    ['a. 1 IN CH TYPE1 \\# 0', 1, 9, 'CH', 'a second class'],
    ['a. 1 IN BOGUS x', 1, 9, 'BOGUS', 'unknown record type'],
    ['a. 1 IN', 1, 8, '', 'missing record type'],
    ['a. 1 IN AXFR \\# 0', 1, 9, 'AXFR', 'meta type'],
    ['a. 1 IN OPT \\# 0', 1, 9, 'OPT', 'meta type'],
    ['a. 1 IN TYPE0 \\# 0', 1, 9, 'TYPE0', 'meta type'],
    ['a. 1 IN TYPE250 \\# 0', 1, 9, 'TYPE250', 'meta type'],
    ['a. TYPE1 \\# 0', 1, 4, 'TYPE1', 'record without a TTL'],
    ['  1 TYPE1 \\# 0', 1, 3, '1', 'no owner name'],
    ['www 1 TYPE1 \\# 0', 1, 1, 'www', 'relative name without an origin'],
    ['@ 1 TYPE1 \\# 0', 1, 1, '@', 'relative name without an origin'],
    ['$ORIGIN\n', 1, 8, '', '$ORIGIN without a name'],
    ['$ORIGIN a. b.\n', 1, 12, 'b.', 'unexpected token'],
    ['$TTL 1y\n', 1, 6, '1y', 'bad TTL'],
    ['$FOO bar\n', 1, 1, '$FOO', 'unknown directive'],
    ['$GENERATE 1-2 a A 1.2.3.$\n', 1, 1, '$GENERATE', 'unsupported directive'],
    ['$INCLUDE other.zone\n', 1, 1, '$INCLUDE', '$INCLUDE is not allowed'],
    ['a. 1 TYPE1 \\# 5 0102\n', 1, 15, '5', 'generic RDATA length does not match'],
    ['a. 1 TYPE1 \\# 1 0102\n', 1, 17, '0102', 'generic RDATA longer than its length'],
    ['a. 1 TYPE1 \\# 1 0g\n', 1, 17, '0g', 'bad hex'],
    ['a. 1 TYPE1 \\# 1 012\n', 1, 17, '012', 'bad hex'],
    ['a. 1 TYPE1 \\# x\n', 1, 15, 'x', 'bad generic RDATA length'],
    ['a. 1 TYPE1 \\# 65536\n', 1, 15, '65536', 'bad generic RDATA length'],
    ['a. 1 TYPE1 \\#\n', 1, 14, '', 'generic RDATA without a length'],
    [`${'x'.repeat(64)}. 1 TYPE1 \\# 0`, 1, 1, 'x'.repeat(64) + '.', 'bad name'],
    [`${'abcdefg.'.repeat(32)} 1 TYPE1 \\# 0`, 1, 1, 'abcdefg.'.repeat(32), 'bad name'],
    ['a..b. 1 TYPE1 \\# 0', 1, 1, 'a..b.', 'bad name'],
  ])('%j → %i:%i', (text, line, col, token, problem) => {
    const e = parseErr(text);
    expect({ line: e.line, col: e.col, token: e.token, file: e.file }).toEqual({ line, col, token, file: 'z' });
    expect(e.problem).toContain(problem);
    expect(e.expected.length).toBeGreaterThan(0);
    const shown = token === '' ? 'end of line' : `"${token.length > 80 ? token.slice(0, 80) + '…' : token}"`;
    expect(e.message).toBe(`z:${line}:${col}: ${e.problem}: got ${shown}, expected ${e.expected}`);
  });
});

describe('$INCLUDE (only when allowed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rootmirror-include-'));
  writeFileSync(join(dir, 'inner.zone'), 'x 5 TYPE1 \\# 1 aa\n$ORIGIN changed.\ny 5 TYPE1 \\# 1 bb\n');
  writeFileSync(join(dir, 'bad.zone'), 'ok 5 TYPE1 \\# 0\nbad 5 TYPE1 \\# 2 aa\n');
  writeFileSync(join(dir, 'self.zone'), '$INCLUDE self.zone\n');

  it('reads relative to includeBase, with the optional origin, and restores the origin afterwards', () => {
    const rrs = parseZoneText('$ORIGIN outer.\na 5 TYPE1 \\# 0\n$INCLUDE inner.zone sub.outer.\n  TYPE2 \\# 0\nb 5 TYPE1 \\# 0\n', {
      allowInclude: true,
      includeBase: dir,
      file: 'z',
    });
    expect(rrs.map((r) => `${r.name.toString()} ${r.type} ${r.file === 'z' ? 'z' : r.file.slice(dir.length + 1)}:${r.line}`)).toEqual([
      'a.outer. 1 z:2',
      'x.sub.outer. 1 inner.zone:1',
      'y.changed. 1 inner.zone:3',
      'a.outer. 2 z:4',
      'b.outer. 1 z:5',
    ]);
  });

  it('without an origin argument the included file inherits the current origin', () => {
    const rrs = parseZoneText('$ORIGIN outer.\n$INCLUDE inner.zone\n', { allowInclude: true, includeBase: dir });
    expect(rrs[0]!.name.toString()).toBe('x.outer.');
  });

  it('errors inside an included file name that file', () => {
    const e = parseErr('$ORIGIN o.\n$INCLUDE bad.zone\n', { allowInclude: true, includeBase: dir });
    expect(e.file).toBe(join(dir, 'bad.zone'));
    expect([e.line, e.col]).toEqual([2, 16]);
  });

  it('a missing file and a self-include are errors, not crashes', () => {
    expect(parseErr('$INCLUDE nope.zone\n', { allowInclude: true, includeBase: dir }).problem).toContain('cannot read');
    expect(parseErr('$ORIGIN o.\n$INCLUDE self.zone\n', { allowInclude: true, includeBase: dir }).problem).toContain('nested more than');
  });
});

describe('parseZone (streaming) and parseZoneFile', () => {
  const text = '$ORIGIN example.\n$TTL 60\n@ TYPE1 \\# 4 01020304\nwww ( TYPE2\n \\# 2 0a0b )\n  TYPE3 \\# 1 ff ; c\n';
  const expected = summary(parseZoneText(text));

  async function collect(src: AsyncIterable<Uint8Array> | string | Uint8Array, opts: ParseOptions = {}): Promise<ParsedRecord[]> {
    const out: ParsedRecord[] = [];
    for await (const rr of parseZone(src, opts)) out.push(rr);
    return out;
  }

  async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let o = 0; o < bytes.length; o += size) yield bytes.subarray(o, o + size);
  }

  it('gives the same records from a string, bytes, and a stream cut anywhere', async () => {
    expect(summary(await collect(text))).toEqual(expected);
    const bytes = Buffer.from(text, 'latin1');
    expect(summary(await collect(bytes))).toEqual(expected);
    for (const size of [1, 2, 3, 5, 7, 16, 1000]) {
      expect(summary(await collect(chunks(bytes, size))), `chunk ${size}`).toEqual(expected);
    }
  });

  it('yields records before the stream ends', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* src(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('a. 1 TYPE1 \\# 0\n');
      await gate;
      yield Buffer.from('b. 1 TYPE1 \\# 0\n');
    }
    const it = parseZone(src());
    const first = await it.next();
    expect((first.value as ParsedRecord).name.toString()).toBe('a.');
    release();
    const rest: string[] = [];
    for await (const rr of it) rest.push(rr.name.toString());
    expect(rest).toEqual(['b.']);
  });

  it('errors in a stream have the same line and column', async () => {
    const bad = Buffer.from('a. 1 TYPE1 \\# 0\n\nb. 1 TYPE1 \\# 3 00\n');
    await expect(collect(chunks(bad, 3), { file: 's' })).rejects.toMatchObject({ file: 's', line: 3, col: 15 });
  });

  it('parseZoneFile reads plain and gzip files and names the file in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rootmirror-file-'));
    writeFileSync(join(dir, 'z'), text);
    writeFileSync(join(dir, 'z.gz'), gzipSync(text));
    expect(summary(await parseZoneFile(join(dir, 'z')))).toEqual(expected);
    expect(summary(await parseZoneFile(join(dir, 'z.gz')))).toEqual(expected);
    writeFileSync(join(dir, 'bad.gz'), gzipSync('a. 1 TYPE1 \\# 0\n  1x TYPE1 \\# 0\n'));
    await expect(parseZoneFile(join(dir, 'bad.gz'))).rejects.toMatchObject({ file: join(dir, 'bad.gz'), line: 2, col: 3 });
    // A truncated gzip is a ParseError too, not a crash.
    writeFileSync(join(dir, 'cut.gz'), gzipSync(text).subarray(0, 20));
    await expect(parseZoneFile(join(dir, 'cut.gz'))).rejects.toBeInstanceOf(ParseError);
    await expect(parseZoneFile(join(dir, 'cut.gz'))).rejects.toThrow(/cannot gunzip/);
  });

  it('readZoneBytes refuses a file or an inflation past the cap (a gzip bomb) with a ParseError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rootmirror-file-'));
    // 64 KiB of zeros compress to well under 1 KiB: small on disk, big inflated.
    writeFileSync(join(dir, 'bomb.gz'), gzipSync(new Uint8Array(64 * 1024)));
    writeFileSync(join(dir, 'big'), new Uint8Array(2048));
    expect((await readZoneBytes(join(dir, 'bomb.gz'))).length).toBe(64 * 1024);
    await expect(readZoneBytes(join(dir, 'bomb.gz'), 'bomb.gz', 1024)).rejects.toBeInstanceOf(ParseError);
    await expect(readZoneBytes(join(dir, 'bomb.gz'), 'bomb.gz', 1024)).rejects.toThrow(/bomb\.gz.*cannot gunzip/s);
    await expect(readZoneBytes(join(dir, 'big'), 'big', 1024)).rejects.toThrow(/file too large/);
    expect((await readZoneBytes(join(dir, 'big'), 'big', 2048)).length).toBe(2048);
  });

  it('$INCLUDE refuses what is not a regular file', () => {
    const e = parseErr('$INCLUDE /dev\n', { allowInclude: true });
    expect([e.line, e.col, e.problem]).toEqual([1, 10, '$INCLUDE cannot read the file']);
  });
});

describe('the root origin', () => {
  it('"." and "@" with origin "." are the root', () => {
    const rrs = parseZoneText('. 1 TYPE1 \\# 0\n@ 1 TYPE1 \\# 0\n', { origin: root });
    expect(rrs.map((r) => r.name.isRoot())).toEqual([true, true]);
  });
});

describe('maxRecords: the record-count cap, while parsing', () => {
  const many = (n: number): string => Array.from({ length: n }, (_, i) => `h${i}.example. 60 IN A 192.0.2.1`).join('\n') + '\n';
  it('accepts exactly the cap, refuses one more with a ParseError naming the cap and the option', () => {
    expect(parseZoneText(many(5), { maxRecords: 5 })).toHaveLength(5);
    let err: unknown;
    try {
      parseZoneText(many(6), { file: 'big.zone', maxRecords: 5, maxRecordsOption: '--max-records' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).message).toBe('big.zone:6:1: more than 5 records: got "h5.example.", expected at most 5 records (raise --max-records if this zone is legitimately that big)');
  });
  it('stops the streaming parser at the cap, before the rest of the input is read', async () => {
    let chunksRead = 0;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 100; i++) {
        chunksRead++;
        yield new TextEncoder().encode(many(10));
      }
    }
    const got: ParsedRecord[] = [];
    await expect(
      (async () => {
        for await (const rr of parseZone(chunks(), { maxRecords: 25 })) got.push(rr);
      })(),
    ).rejects.toThrow(/more than 25 records/);
    expect(got).toHaveLength(25);
    expect(chunksRead).toBeLessThan(5);
  });
});
