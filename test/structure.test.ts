// The shape of src/ (issue 13), checked by the suite so it does not drift
// again: folder directions (scripts/check-imports.mjs ALLOWED), no import
// cycle between folders or files, no file over the size limit, no module in
// src/ that only tests import; and one declaration per exported type name
// (two `ServerCounters` with different fields once dropped six counters).

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { findings } from '../scripts/check-imports.mjs';

const SRC = new URL('../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

describe('src/ layout', () => {
  it('has no finding from scripts/check-imports.mjs', () => {
    expect((findings as () => string[])()).toEqual([]);
  });

  it('declares each exported type, interface, class or enum name in one file only', () => {
    const homes = new Map<string, string[]>();
    for (const f of sourceFiles(SRC)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/^export (?:declare )?(?:abstract )?(?:interface|type|class|enum) ([A-Za-z0-9_]+)/gm)) {
        // An interface and a class of one name in one file merge into one declaration (TypeScript's declaration merging).
        const files = homes.get(m[1]!) ?? [];
        if (!files.includes(relative(SRC, f))) homes.set(m[1]!, [...files, relative(SRC, f)]);
      }
    }
    const twice = [...homes].filter(([, files]) => files.length > 1).map(([name, files]) => `${name}: ${files.join(', ')}`);
    expect(twice).toEqual([]);
  });
});
