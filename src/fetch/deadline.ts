// An overall deadline for everything fetched from one source. undici's body
// timeout only measures silence between two chunks, so a source that drips one
// byte a second would hold a refresh forever. A `Deadline` (one per source
// attempt, shared by the zone and its .sig) aborts the request through its
// AbortSignal, which also destroys the socket, and the error names the option
// that sets it.

import { FetchError, FetchErrorCode } from './errors.js';

/** An overall deadline for everything fetched from one source. */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
  /** The option that sets it, named in the error (e.g. "--fetch-timeout"). */
  readonly option: string;
}

/** A deadline `ms` from now. The timer is unref'd (AbortSignal.timeout): it never holds the process open. */
export function startDeadline(ms: number, option = '--fetch-timeout'): Deadline {
  return { signal: AbortSignal.timeout(ms), ms, option };
}

/** 180000 → "3m", 1500 → "1.5s": how a duration is written in messages. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(3)}s`;
  return `${ms}ms`;
}

/** The deadline's error when it is what stopped `url`; undefined when something else did. */
export function deadlineError(deadline: Deadline | undefined, url: string, err: unknown): FetchError | undefined {
  if (deadline === undefined || !deadline.signal.aborted) return undefined;
  return new FetchError(`${url}: did not finish within ${formatDuration(deadline.ms)} (${deadline.option})`, FetchErrorCode.timeout, url, { cause: err });
}
