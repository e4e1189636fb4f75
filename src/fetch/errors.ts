// One error class for the download stage. The message says what happened and
// what to try next; `cause` keeps the underlying error (undici, zlib, fs).

import { OperatorError } from '../errors.js';

export const FetchErrorCode = {
  dns: 'dns',
  tls: 'tls',
  connect: 'connect',
  timeout: 'timeout',
  status: 'status',
  redirect: 'redirect',
  tooLarge: 'too-large',
  gzip: 'gzip',
  shortBody: 'short-body',
  protocol: 'protocol',
  io: 'io',
  aborted: 'aborted',
} as const;
export type FetchErrorCode = (typeof FetchErrorCode)[keyof typeof FetchErrorCode];

export class FetchError extends OperatorError {
  override readonly name = 'FetchError';
  constructor(
    message: string,
    readonly code: FetchErrorCode,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
