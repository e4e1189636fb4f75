// `rootmirror <command> ...`: find the command in the registry, parse its
// options from its own table, run it. Expected failures (an OperatorError from
// any stage: bad zone file, bad option, missing file, port in use) print one
// line on stderr and exit with the error's own status (src/errors.ts); only a
// bug shows a stack trace (exit 70).

import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES_HELP, ExitCode, OperatorError } from '../errors.js';
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
  status: () => import('./commands/status.js'),
  demo: () => import('./commands/demo.js'),
};

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
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`rootmirror ${version()}\n`);
    return ExitCode.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    const hint = suggest(name, Object.keys(COMMANDS));
    io.stderr(`rootmirror: unknown command "${name}"${hint !== undefined ? `; did you mean "${hint}"?` : ''} (see rootmirror --help)\n`);
    return ExitCode.usage;
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
  if (err instanceof OperatorError) {
    const tail = err instanceof UsageError ? ` (see rootmirror ${command.name} --help)` : '';
    io.stderr(`rootmirror ${command.name}: ${err.message}${tail}\n`);
    return err.exitCode;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    // fs and network errors: the message already names the path and the reason.
    io.stderr(`rootmirror ${command.name}: ${err.message}\n`);
    return ExitCode.failure;
  }
  io.stderr(`rootmirror ${command.name}: internal error (please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.software;
}

/** The version in package.json, found next to this module (dist/cli or src/cli: ../../package.json), so it works installed too. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

async function overview(): Promise<string> {
  const lines = ['usage: rootmirror <command> [options]', '', 'commands:'];
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  for (const n of names) {
    const { command } = await COMMANDS[n]!();
    lines.push(`  ${n.padEnd(width)}${command.summary}`);
  }
  lines.push('', 'rootmirror <command> --help shows the options of one command.', 'rootmirror --version (-V) prints the version.');
  lines.push('', 'exit status:', ...EXIT_CODES_HELP.map((l) => `  ${l}`), '  (check exits 0-3 as a Nagios plugin: OK, WARNING, CRITICAL, UNKNOWN)', '');
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
