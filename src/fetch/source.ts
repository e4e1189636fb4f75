// A `--source`, parsed once from its URL: what kind of source it is (an HTTP
// download with a detached PGP signature, or a zone transfer, RFC 5936), where
// it is, and how to show it (credentials redacted). Everything that needs the
// kind asks the Source; nothing re-derives it from the string.

import { Name } from '../dns/name.js';
import { redactUrl } from '../redact-url.js';
import type { AxfrTarget } from './axfr.js';

export type SourceKind = 'http' | 'axfr';

export interface Source {
  /** The URL as given (credentials included: for requests, never for display). */
  readonly url: string;
  readonly kind: SourceKind;
  /** The URL for logs, /status and errors: a password shown as `***`. */
  readonly display: string;
  /** Where to transfer from, for axfr:// sources. */
  readonly axfr: AxfrTarget | undefined;
  /** `axfr://HOST?tsig=NAME`: the TSIG key (RFC 8945) to sign the transfer with; its secret comes from --tsig-key (src/refresh/tsig-key-files.ts). */
  readonly tsigKey: Name | undefined;
}

/** Parse one `--source` URL. RangeError with a one-line reason naming the option. */
export function parseSource(text: string): Source {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new RangeError(`--source ${redactUrl(text)}: not a URL`);
  }
  const display = redactUrl(text);
  if (u.protocol === 'http:' || u.protocol === 'https:') return { url: text, kind: 'http', display, axfr: undefined, tsigKey: undefined };
  if (u.protocol !== 'axfr:') throw new RangeError(`--source ${display}: unsupported scheme ${u.protocol} (use http://, https:// or axfr://)`);
  return { url: text, kind: 'axfr', display, axfr: parseAxfrUrl(text), tsigKey: tsigKeyName(u, display) };
}

/** `axfr://HOST[:PORT]` (IPv6 literal in brackets); default port 53. */
export function parseAxfrUrl(source: string): AxfrTarget {
  const u = new URL(source);
  if (u.protocol !== 'axfr:') throw new RangeError(`${source}: not an axfr:// URL`);
  if (u.hostname === '') throw new RangeError(`${source}: no host`);
  if (u.pathname !== '' && u.pathname !== '/') throw new RangeError(`${source}: axfr:// takes no path (the zone is the root)`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port === '' ? 53 : Number(u.port);
  return { host, port };
}

function tsigKeyName(u: URL, display: string): Name | undefined {
  const name = u.searchParams.get('tsig');
  if (name === null) return undefined;
  try {
    if (name === '' || name === '.') throw new Error('empty');
    return Name.fromText(name.endsWith('.') ? name : `${name}.`);
  } catch (err) {
    throw new RangeError(`--source ${display}: tsig=${name} is not a key name (${(err as Error).message})`);
  }
}

/**
 * Where the detached signature of a zone URL lives. `X.gz` → `X.sig` (the
 * signature covers the uncompressed file). Asked of the final URL after
 * redirects: the signature sits beside the file actually served.
 */
export function signatureUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname.endsWith('.gz')) u.pathname = u.pathname.slice(0, -3);
  u.pathname += '.sig';
  return u.toString();
}
