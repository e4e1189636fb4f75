import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selfCommand } from './invocation.js';

const dir = mkdtempSync(join(tmpdir(), 'rootmirror-invocation-'));
const program = join(dir, 'checkout', 'bin-rootmirror');
mkdirSync(join(dir, 'checkout'));
writeFileSync(program, '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('selfCommand', () => {
  it('says `rootmirror` when that name on PATH is this program (installed: a symlink in a bin dir)', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(program, join(bin, 'rootmirror'));
    expect(selfCommand(program, `/nonexistent:${bin}`)).toBe('rootmirror');
  });

  it('gives the full command line when `rootmirror` on PATH is none or another program', () => {
    expect(selfCommand(program, '/nonexistent')).toBe(`${process.execPath} ${program}`);
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'rootmirror'), '');
    expect(selfCommand(program, other)).toBe(`${process.execPath} ${program}`);
  });
});
