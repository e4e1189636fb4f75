// One base class for the errors an operator can act on. Whether a failure is
// "expected" (one line on stderr, an exit status that says what kind) or a bug
// (stack trace, exit 70) is a property of the error's type, not a list of names
// kept somewhere else: every stage's error class extends OperatorError.

/** Exit statuses of `rootmirror` (sysexits.h for the last two). */
export const ExitCode = {
  ok: 0,
  /** A runtime failure: the download failed, the zone did not verify, the port is in use. Retrying may help. */
  failure: 1,
  /** The command line or environment does not parse: unknown option, malformed value. */
  usage: 2,
  /** EX_SOFTWARE: a bug in rootmirror; the message has a stack trace to report. */
  software: 70,
  /** EX_CONFIG: the configuration names something unusable (a missing key file, a data dir that is a file, an address not on this host). Retrying will not help; fix it. */
  config: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit statuses as `--help` shows them (src/cli), one line each. */
export const EXIT_CODES_HELP: readonly string[] = [
  '0   ok (serve: stopped by SIGTERM or SIGINT)',
  '1   runtime failure (download, verification, port in use, data dir locked by another instance)',
  '2   usage error (unknown option, malformed value)',
  '70  internal error: a bug, please report it with the message',
  '78  configuration error (missing or unusable file, data dir, address; no permission for the port)',
];

/**
 * An error whose message is meant for the operator: one line that says what
 * happened and what to do. `exitCode` is what the CLI exits with.
 */
export class OperatorError extends Error {
  override readonly name: string = 'OperatorError';
  readonly exitCode: ExitCode = ExitCode.failure;
}

/** Something the configuration names cannot be used; restarting will not help (EX_CONFIG). */
export class ConfigError extends OperatorError {
  override readonly name: string = 'ConfigError';
  override readonly exitCode: ExitCode = ExitCode.config;
}
