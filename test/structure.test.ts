// The shape of src/ (issue 13), checked by the suite so it does not drift
// again: folder directions (scripts/check-imports.mjs ALLOWED), no import
// cycle between folders or files, no file over the size limit, no module in
// src/ that only tests import. The script's findings name the file and say
// what to do; this test shows them all at once.

import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { findings } from '../scripts/check-imports.mjs';

describe('src/ layout', () => {
  it('has no finding from scripts/check-imports.mjs', () => {
    expect((findings as () => string[])()).toEqual([]);
  });
});
