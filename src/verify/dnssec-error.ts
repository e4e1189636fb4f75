// The one error the DNSSEC layer throws: an unreadable or malformed trust
// anchor file (a bad zone is a verdict, never an exception; see verdict.ts).

import { ConfigError } from '../errors.js';

export interface DnssecErrorDetails {
  /** The anchor file at fault. */
  readonly file?: string;
  /** 1-based line in that file, when one line is at fault. */
  readonly line?: number;
  readonly cause?: unknown;
}

export class DnssecError extends ConfigError {
  override readonly name = 'DnssecError';
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, d: DnssecErrorDetails = {}) {
    super(message, { cause: d.cause });
    this.file = d.file;
    this.line = d.line;
  }
}
