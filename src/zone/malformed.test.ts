// Every file in test/fixtures/malformed/ must be refused with the right
// file:line:col (parse errors) or the right check and record line (zone checks).
// An empty "problem" means the message comes from the RDATA codec; only the
// position and the token are ours to assert.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { findZoneProblems, type ZoneProblemCode } from './checks.js';
import { ParseError } from './parse-error.js';
import { parseZoneFile } from './parser.js';
import type { ParsedRecord } from './parse-options.js';

const dir = join(import.meta.dirname, '../../test/fixtures/malformed');

const parseCases: [file: string, line: number, col: number, problem: string][] = [
    ["bad-ttl.zone", 8, 6, 'bad TTL'],
    ["ttl-too-large.zone", 8, 6, 'bad TTL'],
    ["unknown-type.zone", 8, 16, 'unknown record type'],
    ["bad-ipv4.zone", 8, 33, ''],
    ["bad-ipv6.zone", 8, 36, ''],
    ["unbalanced-open-paren.zone", 8, 29, 'unbalanced "("'],
    ["unbalanced-close-paren.zone", 8, 94, 'unbalanced ")"'],
    ["unterminated-quote.zone", 8, 18, 'unterminated quoted string'],
    ["label-too-long.zone", 8, 1, 'bad name'],
    ["name-too-long.zone", 8, 1, 'bad name'],
    ["bad-base64.zone", 8, 28, ''],
    ["include-not-allowed.zone", 8, 1, '$INCLUDE is not allowed'],
    ["unknown-directive.zone", 8, 1, 'unknown directive'],
    ["relative-no-origin.zone", 4, 1, 'relative name without an origin'],
    ["missing-rdata.zone", 8, 32, ''],
    ["generic-length-mismatch.zone", 8, 28, 'generic RDATA length does not match'],
    ["bad-escape.zone", 8, 2, 'bad escape'],
    ["soa-missing-field.zone", 5, 20, ''], // just after the last field, where the minimum belongs
    ["nested-paren.zone", 8, 31, 'nested'],
    ["second-ttl.zone", 8, 13, 'a second TTL'],
    ["bad-ns-name.zone", 8, 19, ''],
];

const checkCases: [file: string, origin: string, expected: [ZoneProblemCode, number | undefined][]][] = [
  ['check-two-soa.zone', '.', [['multiple-soa', 7]]],
  ['check-cname-and-other.zone', '.', [['cname-and-other-data', 7]]],
  ['check-missing-glue.zone', '.', [['missing-glue', 8]]],
  ['check-class-ch.zone', '.', [['class-not-in', 7]]],
  ['check-no-apex-ns.zone', '.', [['no-apex-ns', undefined]]],
  ['check-out-of-zone.zone', 'example.', [['out-of-zone', 7]]],
  ['check-soa-not-at-apex.zone', '.', [['soa-not-at-apex', 6]]],
  ['check-empty.zone', '.', [['no-soa', undefined], ['no-apex-ns', undefined]]],
];

describe('malformed zone files', () => {
  it('every fixture is in a table', () => {
    const listed = new Set([...parseCases.map((c) => c[0]), ...checkCases.map((c) => c[0])]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.zone')).sort()).toEqual([...listed].sort());
    expect(parseCases.length + checkCases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(parseCases)('%s is refused at line %i col %i', async (file, line, col, problem) => {
    const path = join(dir, file);
    let caught: unknown;
    try {
      await parseZoneFile(path);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ParseError);
    const e = caught as ParseError;
    expect({ file: e.file, line: e.line, col: e.col }).toEqual({ file: path, line, col });
    expect(e.problem).toContain(problem);
    expect(e.expected).not.toBe('');
    expect(e.message.startsWith(`${path}:${line}:${col}: `)).toBe(true);
    expect(e.message).toMatch(/: got (".*"|end of line), expected .+$/s);
  });

  it.each(checkCases)('%s parses but fails the zone checks', async (file, origin, expected) => {
    const path = join(dir, file);
    const rrs: ParsedRecord[] = await parseZoneFile(path);
    const problems = findZoneProblems(rrs, Name.fromText(origin));
    expect(problems.map((p) => [p.code, (p.record as ParsedRecord | undefined)?.line])).toEqual(expected);
    for (const p of problems) {
      if (p.record) expect(p.message).toContain(`${path}:${(p.record as ParsedRecord).line}: `);
    }
  });
});
