// `rootmirror <command> ...`: find the command in the registry, parse its
// options from its own table, run it. Expected failures (bad zone file, bad
// option, missing file) print one line on stderr and exit non-zero; only a bug
// shows a stack trace.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError, parseArgs, helpText, suggest, type Command } from './options.js';

/** The registry: add a command with one line. Modules load lazily, so startup stays fast. */
const COMMANDS: Readonly<Record<string, () => Promise<{ readonly command: Command }>>> = {
  inspect: () => import('./commands/inspect.js'),
  lookup: () => import('./commands/lookup.js'),
  export: () => import('./commands/export.js'),
  check: () => import('./commands/check.js'),
  serve: () => import('./commands/serve.js'),
  fetch: () => import('./commands/fetch.js'),
  verify: () => import('./commands/verify.js'),
  'print-config': () => import('./commands/print-config.js'),
  healthcheck: () => import('./commands/healthcheck.js'),
  demo: () => import('./commands/demo.js'),
};

/** Error classes whose message is meant for the operator (one per stage, see docs/ARCHITECTURE.md). */
const EXPECTED: ReadonlySet<string> = new Set([
  'UsageError',
  'ParseError',
  'ZoneCheckError',
  'NameError',
  'RdataError',
  'FetchError',
  'SignatureError',
  'ZonemdError',
  'DnssecError',
  'TinydnsExportError',
]);

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(await overview());
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    const hint = suggest(name, Object.keys(COMMANDS));
    io.stderr(`rootmirror: unknown command "${name}"${hint !== undefined ? `; did you mean "${hint}"?` : ''} (see rootmirror --help)\n`);
    return 2;
  }
  const { command } = await load();
  try {
    const args = parseArgs(rest, command.options);
    if (args.help) {
      io.stdout(helpText(command));
      return 0;
    }
    return await command.run(args);
  } catch (err) {
    return report(err, command, io);
  }
}

function report(err: unknown, command: Command, io: Io): number {
  if (err instanceof Error && EXPECTED.has(err.name)) {
    const tail = err instanceof UsageError ? ` (see rootmirror ${command.name} --help)` : '';
    io.stderr(`rootmirror ${command.name}: ${err.message}${tail}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    // fs and network errors: the message already names the path and the reason.
    io.stderr(`rootmirror ${command.name}: ${err.message}\n`);
    return 1;
  }
  io.stderr(`rootmirror ${command.name}: internal error (please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70; // EX_SOFTWARE
}

async function overview(): Promise<string> {
  const lines = ['usage: rootmirror <command> [options]', '', 'commands:'];
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  for (const n of names) {
    const { command } = await COMMANDS[n]!();
    lines.push(`  ${n.padEnd(width)}${command.summary}`);
  }
  lines.push('', 'rootmirror <command> --help shows the options of one command.', '');
  return lines.join('\n');
}

/** Run when executed directly (bin/rootmirror imports this module and calls main). */
function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
