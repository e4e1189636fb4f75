// What crosses between acquire.ts and its download child (download-child.ts):
// the job (an HTTP(S) download or an AXFR transfer), the result, and errors
// in a form that rebuilds them. Kept apart from the child's entry, which
// starts listening for a job when imported.

import type { AxfrTarget } from '../fetch/axfr.js';
import type { Conditional } from '../fetch/http.js';
import type { Timeouts } from '../fetch/http-request.js';
import { FetchError, type FetchErrorCode } from '../fetch/errors.js';

export interface DownloadJob {
  readonly kind: 'http';
  readonly url: string;
  readonly dir: string;
  readonly maxBytes: number | undefined;
  readonly timeouts: Partial<Timeouts> | undefined;
  readonly maxRedirects: number | undefined;
  /** The attempt's deadline: `remainingMs` left of `ms` (--fetch-timeout, named `option` in errors). */
  readonly deadline: { readonly remainingMs: number; readonly ms: number; readonly option: string } | undefined;
  readonly conditional: Conditional | undefined;
  /** Fetch the detached signature beside the zone's final URL too. */
  readonly signature: boolean;
  /** Draw the progress bar on stderr (inherited: the CLI's terminal). */
  readonly progress: boolean;
  /** After the result, wait for the check of what was downloaded (check-job.ts) instead of exiting; exit when the channel closes. */
  readonly staysForCheck: boolean;
}

/** An AXFR transfer (an axfr:// source), written as a master file into `dir` as acquire.ts did in-process. */
export interface TransferJob {
  readonly kind: 'axfr';
  /** The source, as the result names it. */
  readonly url: string;
  readonly dir: string;
  readonly target: AxfrTarget;
  /** AxfrOptions that cross as they are (the zone as text; the clock is the child's own). */
  readonly zone: string | undefined;
  readonly limits: { readonly maxBytes?: number; readonly maxRecords?: number; readonly connectTimeoutMs?: number; readonly idleTimeoutMs?: number; readonly totalTimeoutMs?: number };
  /** The source's TSIG key (RFC 8945), its name as text; over the IPC channel, never on a command line. */
  readonly tsig: { readonly name: string; readonly algorithm: string; readonly secret: Uint8Array } | undefined;
  /** The held copy's serial when it came from this source: its SOA is asked first, and an unchanged serial is not transferred. */
  readonly heldSerial: number | undefined;
  readonly staysForCheck: boolean;
}

/** What a download child is asked to fetch. */
export type AcquireJob = DownloadJob | TransferJob;

/** An error as it crosses the process boundary: enough to rebuild the FetchError. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly code: FetchErrorCode | undefined;
  readonly url: string | undefined;
}

export type DownloadMessage =
  | { readonly kind: 'not-modified'; readonly serial?: number }
  | {
      readonly kind: 'file';
      readonly url: string;
      readonly path: string;
      readonly sha256: string;
      readonly bytes: number;
      readonly etag: string | undefined;
      readonly lastModified: string | undefined;
      readonly signature: { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: ErrorData } | undefined;
    }
  | { readonly kind: 'error'; readonly error: ErrorData };

export function errorData(err: unknown): ErrorData {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, code: err instanceof FetchError ? err.code : undefined, url: err instanceof FetchError ? err.url : undefined };
}

/** The error again, on this side: a FetchError stays one (its message and code as they were). */
export function errorFrom(d: ErrorData): Error {
  if (d.name === 'FetchError' && d.code !== undefined) return new FetchError(d.message, d.code, d.url ?? '');
  // Its name kept (WireError, TsigError...): the refresher's reason says which kind of failure it was.
  return Object.assign(new Error(d.message), { name: d.name });
}

