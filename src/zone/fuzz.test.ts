// Paranoia: a zone file from the network may be anything. Seeded random
// mutations of a real zone must either parse or fail with a ParseError whose
// position is inside the file — never another exception, never a hang.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { ParseError } from './parse-error.js';
import { parseZoneText } from './parser.js';

const base = readFileSync(join(import.meta.dirname, '../../test/fixtures/signed/small.zone'), 'latin1');

/** xorshift32: the same cases on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const NASTY = ['(', ')', '"', ';', '\\', '\n', ' ', '\t', '$', '@', '.', '\\#', '\\0', '\\999', '\x00', '\xff', '$INCLUDE x', '$ORIGIN', '$TTL', '..', '9999999999', 'TYPE65536', 'CLASS1'];

function mutate(text: string, r: () => number): string {
  let t = text;
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * t.length);
    const op = r();
    if (op < 0.4) t = t.slice(0, at) + NASTY[Math.floor(r() * NASTY.length)]! + t.slice(at);
    else if (op < 0.7) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 8));
    else t = t.slice(0, at) + String.fromCharCode(Math.floor(r() * 256)) + t.slice(at + 1);
  }
  return t;
}

describe('fuzz: mutated zones fail cleanly', () => {
  it('2000 seeded mutations of small.zone', () => {
    const r = rng(20260823);
    let failed = 0;
    for (let i = 0; i < 2000; i++) {
      const text = mutate(base, r);
      const lines = text.split('\n');
      try {
        parseZoneText(text, { file: 'fuzz', origin: Name.root });
      } catch (e) {
        if (!(e instanceof ParseError)) throw new Error(`case ${i}: ${String(e)}\n${text}`);
        failed++;
        // The position must point into the text (col may be one past the end of a line for a missing field).
        expect(e.line, `case ${i}`).toBeGreaterThanOrEqual(1);
        expect(e.line, `case ${i}`).toBeLessThanOrEqual(lines.length);
        expect(e.col, `case ${i}`).toBeGreaterThanOrEqual(1);
        expect(e.col, `case ${i}: ${e.message}`).toBeLessThanOrEqual(lines[e.line - 1]!.length + 1);
      }
    }
    // Most mutations break something; if none did, the parser is accepting garbage.
    expect(failed).toBeGreaterThan(500);
  });
});
