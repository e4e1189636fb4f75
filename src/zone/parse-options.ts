// What the master-file parser takes and gives.

import type { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';

export interface ParseOptions {
  /** Name used in error messages (and, for parseZoneFile, the path). */
  readonly file?: string;
  /** Initial origin, as if the file started with `$ORIGIN`. Without it relative names are errors. */
  readonly origin?: Name;
  /** Initial default TTL, as if the file started with `$TTL`. */
  readonly defaultTtl?: number;
  /** Follow `$INCLUDE`; off by default, as a zone file from the network must not read local files. */
  readonly allowInclude?: boolean;
  /** Directory `$INCLUDE` paths are relative to; default: the directory of `file`, else the working directory. */
  readonly includeBase?: string;
  /**
   * Refuse the zone (ParseError) once it has produced more records than this:
   * memory grows with the record count, not the byte count (800,000 tiny
   * records fit in 16 MB of text and need well over a GB as objects), so the
   * cap is enforced while parsing, before the records are held.
   */
  readonly maxRecords?: number;
  /** Named in the error when `maxRecords` is exceeded, e.g. "--max-records". */
  readonly maxRecordsOption?: string;
  /**
   * What is accepted but worth telling the operator (today: a file without
   * any TTL, read as BIND reads it). One line, `file:line:col: ` first, as a
   * ParseError; without it warnings are dropped.
   */
  readonly onWarning?: (warning: string) => void;
}

/** A record as parsed, with where it came from so later checks can point at it. */
export interface ParsedRecord extends ResourceRecord {
  readonly file: string;
  readonly line: number;
}

/** Refuse zone files (and inflated .gz data, and $INCLUDEd files) beyond this; the root zone is ~2.3 MB. */
export const MAX_ZONE_FILE_OCTETS = 256 * 1024 * 1024;
