import { describe, expect, it } from 'vitest';
import { Lexer, NEED_MORE, type Entry } from './lexer.js';
import { ParseError } from './parse-error.js';

function entries(text: string): Entry[] {
  const lx = new Lexer(text, 't.zone');
  const out: Entry[] = [];
  for (;;) {
    const e = lx.next();
    if (e === null) return out;
    if (e === NEED_MORE) throw new Error('final lexer asked for more');
    out.push(e);
  }
}

function texts(text: string): string[][] {
  return entries(text).map((e) => e.tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)));
}

function lexError(text: string): ParseError {
  try {
    entries(text);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('Lexer (RFC 1035 §5.1)', () => {
  it('splits on blanks, drops comments and blank lines', () => {
    expect(texts('a 1 IN A 1.2.3.4 ; comment\n\n; only a comment\n   \nb\tA\t2.3.4.5')).toEqual([
      ['a', '1', 'IN', 'A', '1.2.3.4'],
      ['b', 'A', '2.3.4.5'],
    ]);
  });

  it('marks entries whose line starts with a blank (owner carried over)', () => {
    const e = entries('a A 1.2.3.4\n  A 2.3.4.5\n\tAAAA ::1\n');
    expect(e.map((x) => x.blankOwner)).toEqual([false, true, true]);
  });

  it('joins lines inside parentheses and keeps line/col of every token', () => {
    const e = entries('@ SOA ns host (\n  1 ; serial\n  2 3\n  4 5 )\nx A 1.1.1.1\n');
    expect(e).toHaveLength(2);
    expect(e[0]!.tokens.map((t) => t.text)).toEqual(['@', 'SOA', 'ns', 'host', '1', '2', '3', '4', '5']);
    expect(e[0]!.tokens[4]).toMatchObject({ line: 2, col: 3 });
    expect(e[0]!.tokens[8]).toMatchObject({ line: 4, col: 5 });
    expect(e[1]!.line).toBe(5);
  });

  it('keeps quoted strings whole, with ; and blanks, escapes raw', () => {
    expect(texts('x TXT "a ; b" "q\\"uote" "\\065" plain\\ space')).toEqual([
      ['x', 'TXT', '"a ; b"', '"q\\"uote"', '"\\065"', 'plain\\ space'],
    ]);
  });

  it('an escaped ; ( ) or " is part of the token', () => {
    expect(texts('a\\;b\\(c\\)d\\"e A 1.2.3.4')[0]![0]).toBe('a\\;b\\(c\\)d\\"e');
  });

  it('handles CRLF line ends', () => {
    expect(texts('a A 1.2.3.4\r\nb A 2.3.4.5\r\n')).toEqual([
      ['a', 'A', '1.2.3.4'],
      ['b', 'A', '2.3.4.5'],
    ]);
  });

  it('reports where a missing field would be', () => {
    const [e] = entries('x  SOA ns\n');
    expect(e).toMatchObject({ endLine: 1, endCol: 10 });
  });

  it.each([
    ['x A ( 1.2.3.4\n', 1, 5, 'unbalanced "("'],
    ['x A 1.2.3.4 )\n', 1, 13, 'unbalanced ")"'],
    ['x A ( ( 1.2.3.4 ) )\n', 1, 7, 'nested'],
    ['x TXT "abc\ny A 1.2.3.4\n', 1, 7, 'unterminated quoted string'],
    ['x TXT "abc', 1, 7, 'unterminated quoted string'],
    ['x\\25 A 1.2.3.4\n', 1, 2, 'bad escape'],
    ['x\\256 A 1.2.3.4\n', 1, 2, 'bad escape'],
    ['x TXT "\\2"\n', 1, 8, 'bad escape'],
    ['x A 1.2.3.4 \\\n', 1, 13, 'bad escape'],
    ['x A 1.2.3.4 \\', 1, 13, 'bad escape'],
  ])('rejects %j at %i:%i', (text, line, col, problem) => {
    const e = lexError(text);
    expect(e.line).toBe(line);
    expect(e.col).toBe(col);
    expect(e.message).toContain(problem);
    expect(e.message).toMatch(/^t\.zone:\d+:\d+: .*: got .*, expected .+/);
  });

  it('accepts every valid \\DDD', () => {
    expect(texts('a\\000\\255\\097 A 1.2.3.4')[0]![0]).toBe('a\\000\\255\\097');
  });

  it('streams: rewinds an incomplete entry and resumes after append, for every split point', () => {
    const text = 'a 1 IN A 1.2.3.4 ; c\n  TXT "x y" \\065\\066 (\n 1\n 2 )\nb A 9.9.9.9\n';
    const whole = texts(text);
    for (let cut = 0; cut <= text.length; cut++) {
      const lx = new Lexer(text.slice(0, cut), 'split', false);
      const got: string[][] = [];
      const drain = (): void => {
        for (;;) {
          const e = lx.next();
          if (e === NEED_MORE || e === null) return;
          got.push(e.tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)));
        }
      };
      drain();
      lx.append(text.slice(cut), false);
      drain();
      lx.markFinal();
      drain();
      expect(got, `split at ${cut}`).toEqual(whole);
    }
  });

  it('streams: line and column survive a split', () => {
    const lx = new Lexer('a A 1.2.3.4\nbb A', 's', false);
    expect(lx.next()).not.toBe(NEED_MORE);
    expect(lx.next()).toBe(NEED_MORE);
    lx.append(' 5.6.7.8\n', true);
    const e = lx.next();
    expect(e).not.toBe(NEED_MORE);
    expect((e as Entry).tokens[2]).toMatchObject({ text: '5.6.7.8', line: 2, col: 6 });
    expect(lx.next()).toBeNull();
  });
});
