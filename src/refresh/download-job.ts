// What crosses between acquire.ts and its download child (download-child.ts):
// the job, the result, and errors in a form that rebuilds them. Kept apart
// from the child's entry, which starts listening for a job when imported.

import type { Conditional } from '../fetch/http.js';
import type { Timeouts } from '../fetch/http-request.js';
import { FetchError, type FetchErrorCode } from '../fetch/errors.js';

export interface DownloadJob {
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

/** An error as it crosses the process boundary: enough to rebuild the FetchError. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly code: FetchErrorCode | undefined;
  readonly url: string | undefined;
}

export type DownloadMessage =
  | { readonly kind: 'not-modified' }
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
  return new Error(d.message);
}

