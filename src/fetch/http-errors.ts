// What went wrong on an HTTP fetch, in one line that says what to check: a
// status, a web page instead of a zone, or an undici/zlib/fs error by its code.

import { FetchError, FetchErrorCode } from './errors.js';

export function statusError(url: string, status: number): FetchError {
  const hint =
    status === 404 ? 'check the --source URL' : status >= 500 ? 'the server failed; the next source or the retry will try again' : 'check the --source URL and access';
  return new FetchError(`${url}: HTTP ${status}; ${hint}`, FetchErrorCode.status, url);
}

/** A 200 whose body is a web page (a login portal, a CDN or proxy error page), not a zone or signature. */
export function htmlError(url: string, why: string): FetchError {
  return new FetchError(`${url}: got an HTML page (${why}), not a zone file or signature; check the --source URL`, FetchErrorCode.protocol, url);
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Turn an undici/zlib/fs error into a FetchError that says what went wrong. */
export function classify(err: unknown, url: string, during: string): FetchError {
  if (err instanceof FetchError) return err;
  const code = errorCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const mk = (msg: string, c: FetchErrorCode): FetchError => new FetchError(`${url}: ${msg}`, c, url, { cause: err });
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return mk(`DNS lookup of ${host} failed (${code}); check the host name and the resolver this machine uses`, FetchErrorCode.dns);
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return mk(`cannot connect to ${host} (${code})`, FetchErrorCode.connect);
    case 'UND_ERR_CONNECT_TIMEOUT':
      return mk(`connect to ${host} timed out`, FetchErrorCode.timeout);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return mk(`no response headers in time`, FetchErrorCode.timeout);
    case 'UND_ERR_BODY_TIMEOUT':
      return mk(`body stalled while ${during} (no data within the body timeout)`, FetchErrorCode.timeout);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return mk(`short body: the connection ended early while ${during} (${detail})`, FetchErrorCode.shortBody);
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
    case 'ERR_PADDING_1':
      return mk(`corrupt or truncated gzip data (${detail})`, FetchErrorCode.gzip);
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return mk(`aborted while ${during}`, FetchErrorCode.aborted);
    case 'EEXIST':
    case 'ENOSPC':
    case 'EACCES':
    case 'EROFS':
      return mk(`cannot write the temp file (${code}): check the data dir`, FetchErrorCode.io);
  }
  if (code !== undefined && TLS_CODES.test(code)) {
    return mk(`TLS error talking to ${host} (${code}: ${detail}); check the system CA store and clock`, FetchErrorCode.tls);
  }
  if (err instanceof Error && err.name === 'AbortError') return mk(`aborted while ${during}`, FetchErrorCode.aborted);
  return mk(`failed while ${during}: ${detail}${code ? ` (${code})` : ''}`, FetchErrorCode.protocol);
}
