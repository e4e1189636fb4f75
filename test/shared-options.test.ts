// One option spec per concept (issue 13): an option that several commands take
// (--dnssec, --listen, --http, --root-hints, ...) is written once, in
// src/cli/shared-options.ts, and every command derives its row from it; a
// command may say a different default, help line or environment at its call
// site, never a different type, choice list or placeholder. Defaults live
// only in the tables: the parser fills them, so code that reads an option
// does not restate its default with `?? <literal>`.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command, OptionSpec } from '../src/cli/options.js';
import { defaultedNum, defaultedStr, parseArgs } from '../src/cli/options.js';

const COMMANDS_DIR = new URL('../src/cli/commands/', import.meta.url).pathname;

async function allCommands(): Promise<Command[]> {
  const out: Command[] = [];
  for (const f of readdirSync(COMMANDS_DIR).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    const mod = (await import(join(COMMANDS_DIR, f))) as { command: Command };
    out.push(mod.command);
  }
  return out;
}

describe('option specs shared between commands', () => {
  it('an option name means one thing: the same type, choices and placeholder in every command', async () => {
    const byName = new Map<string, { cmd: string; spec: OptionSpec }[]>();
    for (const cmd of await allCommands()) {
      for (const spec of cmd.options) {
        const seen = byName.get(spec.name) ?? [];
        seen.push({ cmd: cmd.name, spec });
        byName.set(spec.name, seen);
      }
    }
    const disagreements: string[] = [];
    for (const [name, uses] of byName) {
      const shape = ({ spec }: { spec: OptionSpec }) => JSON.stringify({ type: spec.type, choices: spec.choices, metavar: spec.metavar, short: spec.short });
      const first = uses[0]!;
      for (const u of uses.slice(1)) {
        if (shape(u) !== shape(first)) disagreements.push(`--${name}: ${first.cmd} ${shape(first)} vs ${u.cmd} ${shape(u)}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('--dnssec defaults: strip where a resolver is served or described, keep where the whole zone is checked or shown', async () => {
    const defaults = Object.fromEntries(
      (await allCommands()).flatMap((c) => c.options.filter((o) => o.name === 'dnssec').map((o) => [c.name, parseArgs([], [o], {}).values.get('dnssec')])),
    );
    expect(defaults).toEqual({ serve: 'strip', lookup: 'strip', export: 'strip', 'print-config': 'strip', fetch: 'keep', demo: 'keep' });
  });

  it('no option default is restated with ?? in the code that reads it', async () => {
    const names = new Set((await allCommands()).flatMap((c) => c.options.map((o) => o.name)));
    const files = ['src/cli', 'src/cli/commands', 'src/ops'].flatMap((d) =>
      readdirSync(new URL(`../${d}/`, import.meta.url).pathname)
        .filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))
        .map((n) => `${d}/${n}`),
    );
    const restated: string[] = [];
    // `str(args, 'x') ?? 'literal'`, `n('x') ?? 53`, `list(args, 'x')[0] ?? DEFAULT_X`, `(num(args, 'x') ?? 0)`
    const re = /\(\s*(?:args\s*,\s*)?'([a-z][a-z-]*)'\s*\)(?:\[0\])?\s*\?\?\s*(?:'|"|[0-9]|DEFAULT_)/g;
    for (const f of files) {
      const text = readFileSync(new URL(`../${f}`, import.meta.url), 'utf8');
      for (const m of text.matchAll(re)) if (names.has(m[1]!)) restated.push(`${f}: --${m[1]} ${m[0]}`);
    }
    expect(restated).toEqual([]);
  });

  it('reading an option the table gives a default for: its value, or a TypeError when the table has none (a bug, not user error)', () => {
    const specs: OptionSpec[] = [
      { name: 'mode', type: 'string', default: 'a', help: 'x' },
      { name: 'count', type: 'number', default: 3, help: 'x' },
      { name: 'free', type: 'string', help: 'x' },
    ];
    const args = parseArgs([], specs, {});
    expect(defaultedStr(args, 'mode')).toBe('a');
    expect(defaultedNum(args, 'count')).toBe(3);
    expect(() => defaultedStr(args, 'free')).toThrow(TypeError);
  });
});
