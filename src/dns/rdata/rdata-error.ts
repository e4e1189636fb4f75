import { OperatorError } from '../../errors.js';
import type { TextToken } from './text-token.js';

/** RDATA that is not valid for its type, in text or on the wire. */
export class RdataError extends OperatorError {
  override readonly name = 'RdataError';
  constructor(
    message: string,
    /** The offending token, when there is one (missing fields have none). */
    readonly token?: TextToken,
    /** What was expected instead, e.g. "an IPv4 address". */
    readonly expected?: string,
  ) {
    super(message);
  }
}
