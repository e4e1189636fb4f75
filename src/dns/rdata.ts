// RDATA codecs: presentation <-> wire for every type we know, RFC 3597 for the rest,
// and RFC 4034 §6.2 canonical form. CONTRACT STUB — being implemented (dns-core).

import type { Name } from './name.js';

/** One presentation-format field as the zone lexer produced it (escapes still raw). */
export interface TextToken {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
  readonly col: number;
}

export class RdataError extends Error {
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

/** Parse RDATA fields (after owner/TTL/class/type) into uncompressed wire RDATA. */
export declare function rdataFromText(type: number, tokens: readonly TextToken[], origin: Name): Uint8Array;
/** Presentation form of wire RDATA (RFC 3597 `\# len hex` for unknown types). */
export declare function rdataToText(type: number, rdata: Uint8Array): string;
/** RFC 4034 §6.2 (as corrected by RFC 6840 §5.1): lower-case embedded names for the listed types. */
export declare function canonicalRdata(type: number, rdata: Uint8Array): Uint8Array;
/** Read RDATA from a message, decompressing embedded names of the RFC 1035 types; validates structure. */
export declare function rdataFromMessage(type: number, msg: Uint8Array, offset: number, length: number): Uint8Array;
/** Offsets within `rdata` of names an encoder may compress (RFC 3597 §4: RFC 1035 types only). */
export declare function compressibleNameOffsets(type: number, rdata: Uint8Array): number[];
