// A small declarative option parser shared by every command. Each command
// lists its options in a table; parsing, environment fallbacks, `--help` and
// "did you mean" hints all come from that table, so a command's help can never
// disagree with what it accepts. Precedence: flag > ROOTMIRROR_<NAME> > default.

import { OperatorError, ExitCode } from '../errors.js';

export type OptionType = 'string' | 'number' | 'boolean' | 'duration' | 'list';

export type OptionValue = string | number | boolean | readonly string[];

export interface OptionSpec {
  /** Long flag without dashes, e.g. `dnssec` for `--dnssec`. */
  readonly name: string;
  /** One letter for `-x`. */
  readonly short?: string;
  readonly type: OptionType;
  readonly help: string;
  /** Used when neither the flag nor the environment gives a value. Durations are in seconds. */
  readonly default?: OptionValue;
  /** Allowed values for a string option. */
  readonly choices?: readonly string[];
  /** Placeholder in help, e.g. FILE. */
  readonly metavar?: string;
  /** Environment variable; default `ROOTMIRROR_<NAME>` (upper case, `-` → `_`); `false` for none. */
  readonly env?: string | false;
}

export interface ParsedArgs {
  /** Option values by long name; absent when unset and without default. */
  readonly values: ReadonlyMap<string, OptionValue>;
  readonly positionals: readonly string[];
  /** `--help` was given: print help, do nothing else. */
  readonly help: boolean;
  /** Options given by flag or environment (not defaulted). */
  readonly explicit: ReadonlySet<string>;
}

/** Bad command line or environment: one line for the user, exit status 2. */
export class UsageError extends OperatorError {
  override readonly name = 'UsageError';
  override readonly exitCode = ExitCode.usage;
}

export function envName(spec: OptionSpec): string | undefined {
  if (spec.env === false) return undefined;
  return spec.env ?? 'ROOTMIRROR_' + spec.name.toUpperCase().replace(/-/g, '_');
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90`, `30s`, `30m`, `2h`, `7d`, `1w`, `1h30m` → seconds. Undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) return Number(text);
  if (!/^([0-9]+[smhdw])+$/i.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)([smhdw])/gi)) total += Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(total) ? total : undefined;
}

function convert(spec: OptionSpec, raw: string, from: string): OptionValue {
  switch (spec.type) {
    case 'string':
      if (spec.choices !== undefined && !spec.choices.includes(raw)) {
        throw new UsageError(`${from}: "${raw}" is not one of ${spec.choices.join(', ')}`);
      }
      return raw;
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${from}: "${raw}" is not a number`);
      return n;
    }
    case 'duration': {
      const d = parseDuration(raw);
      if (d === undefined) throw new UsageError(`${from}: "${raw}" is not a duration (e.g. 90, 30s, 30m, 2h, 7d)`);
      return d;
    }
    case 'boolean': {
      const v = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      throw new UsageError(`${from}: "${raw}" is not a boolean (true/false, yes/no, 1/0)`);
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a distance of about a third of its length, or a prefix match. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

export function parseArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const fromFlags = new Map<string, OptionValue>();
  const positionals: string[] = [];
  let help = false;

  const unknown = (flag: string): never => {
    const hint = suggest(flag.replace(/^-+/, ''), [...byLong.keys(), 'help']);
    throw new UsageError(`unknown option ${flag}${hint !== undefined ? `; did you mean --${hint}?` : ''}`);
  };
  const set = (spec: OptionSpec, raw: string, flag: string): void => {
    const v = convert(spec, raw, flag);
    if (spec.type === 'list') {
      const prev = fromFlags.get(spec.name);
      fromFlags.set(spec.name, [...(Array.isArray(prev) ? (prev as readonly string[]) : []), ...(v as readonly string[])]);
    } else {
      fromFlags.set(spec.name, v);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const long = arg.slice(2, eq < 0 ? undefined : eq);
      let spec = byLong.get(long);
      if (spec === undefined && long.startsWith('no-')) {
        const neg = byLong.get(long.slice(3));
        if (neg?.type === 'boolean' && eq < 0) {
          fromFlags.set(neg.name, false);
          continue;
        }
      }
      if (spec === undefined) return unknown(`--${long}`);
      if (spec.type === 'boolean' && eq < 0) {
        fromFlags.set(spec.name, true);
        continue;
      }
      let raw: string;
      if (eq >= 0) raw = arg.slice(eq + 1);
      else if (i + 1 < argv.length) raw = argv[++i]!;
      else throw new UsageError(`--${long} needs a value (${spec.metavar ?? spec.type})`);
      set(spec, raw, `--${long}`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1 && !/^-[0-9]/.test(arg)) {
      const letter = arg.slice(1, 2);
      const spec = byShort.get(letter);
      if (spec === undefined) return unknown(arg);
      if (spec.type === 'boolean') {
        if (arg.length > 2) throw new UsageError(`-${letter} takes no value (got ${arg})`);
        fromFlags.set(spec.name, true);
        continue;
      }
      let raw: string;
      if (arg.length > 2) raw = arg.slice(2);
      else if (i + 1 < argv.length) raw = argv[++i]!;
      else throw new UsageError(`-${letter} needs a value (${spec.metavar ?? spec.type})`);
      set(spec, raw, `-${letter}`);
      continue;
    }
    positionals.push(arg);
  }

  const values = new Map<string, OptionValue>();
  const explicit = new Set<string>();
  for (const spec of specs) {
    const flagged = fromFlags.get(spec.name);
    if (flagged !== undefined) {
      values.set(spec.name, flagged);
      explicit.add(spec.name);
      continue;
    }
    const ev = envName(spec);
    const raw = ev !== undefined ? env[ev] : undefined;
    if (raw !== undefined && raw !== '') {
      values.set(spec.name, convert(spec, raw, `environment ${ev}`));
      explicit.add(spec.name);
      continue;
    }
    if (spec.default !== undefined) values.set(spec.name, spec.default);
  }
  return { values, positionals, help, explicit };
}

/** Typed accessors: they throw if the table and the code disagree, which is a bug, not user error. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  if (v !== undefined && typeof v !== 'string') throw new TypeError(`option ${name} is not a string`);
  return v;
}
export function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.values.get(name);
  if (v !== undefined && typeof v !== 'number') throw new TypeError(`option ${name} is not a number`);
  return v;
}
export function bool(args: ParsedArgs, name: string): boolean {
  const v = args.values.get(name);
  if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`option ${name} is not a boolean`);
  return v ?? false;
}
export function list(args: ParsedArgs, name: string): readonly string[] {
  const v = args.values.get(name);
  if (v !== undefined && !Array.isArray(v)) throw new TypeError(`option ${name} is not a list`);
  return (v as readonly string[] | undefined) ?? [];
}

/**
 * For options whose table row has a default: the parser always fills them
 * (flag > environment > default), so the value is there and the code reading
 * it does not restate the default. Absent means the table lost its default:
 * a bug, not user error.
 */
export function defaultedStr(args: ParsedArgs, name: string): string {
  const v = str(args, name);
  if (v === undefined) throw new TypeError(`option ${name} has no default in its table`);
  return v;
}
export function defaultedNum(args: ParsedArgs, name: string): number {
  const v = num(args, name);
  if (v === undefined) throw new TypeError(`option ${name} has no default in its table`);
  return v;
}

/** `--help` text generated from the table. */
export function helpText(cmd: {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  readonly exitCodes?: readonly string[];
}): string {
  const rows: [string, string][] = cmd.options.map((o) => {
    const flag = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${o.name}${o.type === 'boolean' ? '' : ` ${o.metavar ?? (o.choices?.join('|') ?? o.type.toUpperCase())}`}`;
    const extra: string[] = [];
    if (o.default !== undefined && o.default !== false) extra.push(`default: ${Array.isArray(o.default) ? o.default.join(',') : String(o.default)}`);
    const ev = envName(o);
    if (ev !== undefined) extra.push(`env ${ev}`);
    if (o.type === 'list') extra.push('repeatable, or comma-separated');
    return [flag, o.help + (extra.length > 0 ? ` (${extra.join('; ')})` : '')];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return [
    `usage: rootmirror ${cmd.name} ${cmd.usage}`.trimEnd(),
    '',
    cmd.summary,
    '',
    'options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`),
    ...(cmd.exitCodes !== undefined ? ['', 'exit status:', ...cmd.exitCodes.map((l) => `  ${l}`)] : []),
    '',
  ].join('\n');
}

/** What every `src/cli/commands/<name>.ts` exports as `command`. */
export interface Command {
  readonly name: string;
  /** One line, shown by `rootmirror --help`. */
  readonly summary: string;
  /** Positional arguments for the usage line, e.g. `FILE QNAME [QTYPE]`. */
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  /** Exit statuses listed at the end of `--help`, one line each (src/errors.ts EXIT_CODES_HELP). */
  readonly exitCodes?: readonly string[];
  /** Exit status (src/errors.ts ExitCode). OperatorErrors may be thrown: main prints one line and exits with their exitCode. */
  run(args: ParsedArgs): Promise<number>;
}
