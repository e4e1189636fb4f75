// The shared option parser: one table per command gives parsing, env fallbacks,
// defaults, --help and "did you mean" hints.

import { describe, expect, it } from 'vitest';
import { UsageError, helpText, parseArgs, parseDuration, suggest, type OptionSpec } from '../src/cli/options.js';

const SPECS: OptionSpec[] = [
  { name: 'dnssec', type: 'string', choices: ['strip', 'keep'], default: 'strip', help: 'DNSSEC mode' },
  { name: 'output', short: 'o', type: 'string', metavar: 'OUT', help: 'output file', env: false },
  { name: 'json', type: 'boolean', help: 'JSON output' },
  { name: 'port', short: 'p', type: 'number', default: 53, help: 'port' },
  { name: 'refresh-max', type: 'duration', default: 3600, help: 'longest wait' },
  { name: 'source', short: 's', type: 'list', help: 'sources' },
];

const parse = (argv: string[], env: Record<string, string> = {}) => parseArgs(argv, SPECS, env);

describe('parseArgs', () => {
  it('takes long, --x=y, short and attached short forms, and positionals in any order', () => {
    const a = parse(['FILE', '--dnssec', 'keep', '-o', 'out.txt', '--port=5353', 'Q', '--json', '-s', 'a,b', '--source', 'c']);
    expect(a.positionals).toEqual(['FILE', 'Q']);
    expect(Object.fromEntries(a.values)).toEqual({ dnssec: 'keep', output: 'out.txt', json: true, port: 5353, 'refresh-max': 3600, source: ['a', 'b', 'c'] });
    expect(parse(['-oX']).values.get('output')).toBe('X');
    expect(parse(['--json', '--no-json']).values.get('json')).toBe(false);
    expect(parse(['--', '--json']).positionals).toEqual(['--json']);
  });

  it('precedence: flag > ROOTMIRROR_<NAME> > default', () => {
    expect(parse([]).values.get('dnssec')).toBe('strip');
    expect(parse([], { ROOTMIRROR_DNSSEC: 'keep' }).values.get('dnssec')).toBe('keep');
    expect(parse(['--dnssec', 'strip'], { ROOTMIRROR_DNSSEC: 'keep' }).values.get('dnssec')).toBe('strip');
    expect(parse([], { ROOTMIRROR_REFRESH_MAX: '2h' }).values.get('refresh-max')).toBe(7200);
    expect(parse([], { ROOTMIRROR_JSON: 'yes' }).values.get('json')).toBe(true);
    expect(parse([], { ROOTMIRROR_SOURCE: 'x, y' }).values.get('source')).toEqual(['x', 'y']);
    // env: false means no environment variable at all.
    expect(parse([], { ROOTMIRROR_OUTPUT: 'nope' }).values.has('output')).toBe(false);
  });

  it('rejects unknown options with a hint, bad values with the reason', () => {
    const fails = (argv: string[], env: Record<string, string> = {}): string => {
      try {
        parse(argv, env);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(fails(['--dnsec', 'keep'])).toBe('unknown option --dnsec; did you mean --dnssec?');
    expect(fails(['--jsno'])).toMatch(/did you mean --json\?/);
    expect(fails(['--wholly-unrelated'])).toBe('unknown option --wholly-unrelated');
    expect(fails(['-x'])).toMatch(/^unknown option -x/);
    expect(fails(['--dnssec', 'maybe'])).toMatch(/"maybe" is not one of strip, keep/);
    expect(fails(['--port', 'abc'])).toMatch(/not a number/);
    expect(fails(['--refresh-max', '5 minutes'])).toMatch(/not a duration/);
    expect(fails(['--output'])).toMatch(/needs a value/);
    expect(fails([], { ROOTMIRROR_PORT: 'x' })).toMatch(/environment ROOTMIRROR_PORT/);
  });

  it('sees --help and -h', () => {
    expect(parse(['--help']).help).toBe(true);
    expect(parse(['x', '-h']).help).toBe(true);
    expect(parse(['x']).help).toBe(false);
  });
});

describe('durations', () => {
  it.each([
    ['90', 90],
    ['30s', 30],
    ['30m', 1800],
    ['2h', 7200],
    ['7d', 604800],
    ['1w', 604800],
    ['1h30m', 5400],
  ])('%s = %d s', (text, secs) => expect(parseDuration(text)).toBe(secs));
  it.each(['', 'm', '1x', '-5m', '1.5h', '2 h'])('%j is refused', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('help and hints', () => {
  it('generates help from the table: every flag, default and env var', () => {
    const h = helpText({ name: 'demo', summary: 'a demo command', usage: 'FILE', options: SPECS });
    expect(h).toMatch(/^usage: rootmirror demo FILE\n/);
    for (const s of SPECS) expect(h).toContain(`--${s.name}`);
    expect(h).toContain('-o, --output OUT');
    expect(h).toContain('--dnssec strip|keep');
    expect(h).toContain('default: strip; env ROOTMIRROR_DNSSEC');
    expect(h).not.toContain('ROOTMIRROR_OUTPUT');
    expect(h).toContain('-h, --help');
  });
  it('suggests close names only', () => {
    expect(suggest('inspct', ['inspect', 'lookup', 'export'])).toBe('inspect');
    expect(suggest('exp', ['inspect', 'lookup', 'export'])).toBe('export');
    expect(suggest('serve', ['inspect', 'lookup', 'export'])).toBeUndefined();
  });
});
