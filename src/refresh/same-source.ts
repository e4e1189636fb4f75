// meta.json keeps the source a copy came from with any password redacted
// (user:***@, src/fetch/redact-url.ts): the data dir is readable by whoever
// can back it up, and a password has no business there. The validators
// (ETag, Last-Modified) stored beside it belong to the resource, not to the
// credential, so "the same source" is decided on the redacted forms: a
// conditional request goes to the URL that gave the validators, whatever
// password is configured for it today. A meta.json written before redaction
// (the password in clear) still matches.

import { redactUrl } from '../redact-url.js';

/** Whether the source recorded in meta.json is the configured `source` (passwords ignored). */
export function sameSource(stored: string, source: string): boolean {
  return redactUrl(stored) === redactUrl(source);
}

/** The form of a source that may be written to disk. */
export function storableSource(source: string): string {
  return redactUrl(source);
}
