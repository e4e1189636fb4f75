// HTTP(S) download of a zone file with every limit enforced while the bytes
// arrive: wire size, inflated size (gzip bomb), connect/header/body timeouts,
// redirect count and loops. The body goes to a temp file in the data dir and is
// never written over the live copy; the caller renames it into place after
// verification.
//
// Overall deadline: undici's body timeout only measures silence between two
// chunks, so a source that drips one byte a second would hold a refresh
// forever. A `Deadline` (one per source attempt, shared by the zone and its
// .sig) aborts the request through its AbortSignal, which also destroys the
// socket, and the error names the option that sets it.
//
// gzip: a `.gz` URL path or `content-encoding: gzip` inflates once. The
// signature is always over the *uncompressed* zone (InterNIC signs root.zone,
// not a compressed form), so for `X.gz` the signature is fetched from `X.sig`
// (see `signatureUrl`).

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { Agent, Dispatcher } from 'undici';
import { FetchError, FetchErrorCode } from './errors.js';

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 } as const;
const SIGNATURE_MAX_BYTES = 64 * 1024;
const USER_AGENT = 'rootmirror/0.1 (RFC 8806 root zone mirror)';

export interface Timeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  /** Longest silence between two body chunks (a stalled body). */
  readonly bodyMs: number;
}

/** Validators of the copy already held, sent so an unchanged zone costs a 304. */
export interface Conditional {
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

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

export interface HttpOptions {
  /** Cap on bytes received and, separately, on inflated bytes. Default 16 MiB. */
  readonly maxBytes?: number;
  readonly timeouts?: Partial<Timeouts>;
  readonly maxRedirects?: number;
  /** Use this dispatcher instead of one built from `timeouts` (tests, proxies). */
  readonly dispatcher?: Dispatcher;
  readonly signal?: AbortSignal;
  /** Overall deadline (see startDeadline); without one only the per-phase timeouts apply. */
  readonly deadline?: Deadline;
}

/** The caller's signal and the deadline's, as one. */
function combinedSignal(opts: HttpOptions): AbortSignal | undefined {
  const signals = [opts.signal, opts.deadline?.signal].filter((s): s is AbortSignal => s !== undefined);
  return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
}

function deadlineError(opts: HttpOptions, url: string, err: unknown): FetchError | undefined {
  const d = opts.deadline;
  if (d === undefined || !d.signal.aborted) return undefined;
  return new FetchError(`${url}: did not finish within ${formatDuration(d.ms)} (${d.option})`, FetchErrorCode.timeout, url, { cause: err });
}

export interface DownloadOptions extends HttpOptions {
  /** Directory for the temp file: the data dir, so the later rename is atomic. */
  readonly dir: string;
  readonly conditional?: Conditional;
  /** Progress goes here when it is a TTY (stderr in the CLI). */
  readonly progress?: Writable & { isTTY?: boolean };
}

export type DownloadResult =
  | { readonly kind: 'not-modified'; readonly url: string }
  | {
      readonly kind: 'downloaded';
      /** Final URL after redirects. */
      readonly url: string;
      /** Temp file holding the (inflated) body; the caller renames or removes it. */
      readonly path: string;
      readonly bytes: number;
      readonly wireBytes: number;
      readonly sha256: string;
      readonly gzip: boolean;
      readonly etag: string | undefined;
      readonly lastModified: string | undefined;
    };

// undici (~18 MB resident once loaded) is loaded on the first download, not
// with this module: `serve --zone-file` never downloads and never pays for it.
let undiciModule: Promise<typeof import('undici')> | undefined;
const undici = (): Promise<typeof import('undici')> => (undiciModule ??= import('undici'));

async function makeDispatcher(t: Partial<Timeouts> | undefined): Promise<Agent> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...t };
  const { Agent } = await undici();
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  });
}

interface Opened {
  readonly url: string;
  readonly res: Dispatcher.ResponseData;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** GET with manual, bounded redirects (loops detected, http(s) only, no https → http downgrade). */
async function open(url: string, headers: Record<string, string>, opts: HttpOptions, dispatcher: Dispatcher, signal: AbortSignal | undefined): Promise<Opened> {
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const seen = new Set<string>();
  let current = url;
  for (let hop = 0; ; hop++) {
    seen.add(current);
    let res: Dispatcher.ResponseData;
    try {
      const { request } = await undici();
      res = await request(current, { method: 'GET', headers, dispatcher, signal });
    } catch (err) {
      throw classify(err, current, 'connecting');
    }
    if (!REDIRECT.has(res.statusCode)) return { url: current, res };
    await res.body.dump().catch(() => undefined);
    const location = header(res.headers, 'location');
    if (location === undefined) {
      throw new FetchError(`${current}: HTTP ${res.statusCode} redirect without a Location header`, FetchErrorCode.redirect, current);
    }
    const next = new URL(location, current).toString();
    if (seen.has(next)) {
      throw new FetchError(`${current}: redirect loop back to ${next}; fix the source URL`, FetchErrorCode.redirect, url);
    }
    const scheme = new URL(next).protocol;
    if (scheme !== 'http:' && scheme !== 'https:') {
      throw new FetchError(`${current}: redirect to ${next}: the ${scheme} scheme is not supported (only http: and https:); fix the source URL`, FetchErrorCode.redirect, url);
    }
    if (new URL(current).protocol === 'https:' && scheme !== 'https:') {
      throw new FetchError(`${current}: refusing redirect from https to ${next} (a downgrade); fix the source URL`, FetchErrorCode.redirect, url);
    }
    if (hop + 1 > maxRedirects) {
      throw new FetchError(`${url}: more than ${maxRedirects} redirects (last to ${next})`, FetchErrorCode.redirect, url);
    }
    current = next;
  }
}

/**
 * Drop a body we will not read. undici's body emits 'error' (AbortError) when
 * destroyed; with no listener that is an uncaught exception that kills the daemon.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function statusError(url: string, status: number): FetchError {
  const hint =
    status === 404 ? 'check the --source URL' : status >= 500 ? 'the server failed; the next source or the retry will try again' : 'check the --source URL and access';
  return new FetchError(`${url}: HTTP ${status}; ${hint}`, FetchErrorCode.status, url);
}

/** Counts bytes through the stream and fails once more than `max` have passed. */
class ByteCap extends Transform {
  count = 0;
  constructor(
    private readonly max: number,
    private readonly onOver: (count: number) => Error,
    private readonly onChunk?: (count: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.max) {
      done(this.onOver(this.count));
      return;
    }
    this.onChunk?.(this.count);
    done(null, chunk);
  }
}

/** A 200 whose body is a web page (a login portal, a CDN or proxy error page), not a zone or signature. */
function htmlError(url: string, why: string): FetchError {
  return new FetchError(`${url}: got an HTML page (${why}), not a zone file or signature; check the --source URL`, FetchErrorCode.protocol, url);
}

function isHtmlContentType(headers: Dispatcher.ResponseData['headers']): boolean {
  const type = header(headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'text/html' || type === 'application/xhtml+xml';
}

const HTML_START = /^(?:\uFEFF)?\s*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i;
/** Enough of the start of a body to recognise an HTML page. */
const HTML_SNIFF_BYTES = 512;

/** Looks at the first bytes that pass and fails if they start an HTML document. A master file never starts with `<`. */
class HtmlSniffer extends Transform {
  private head = '';
  private decided = false;
  constructor(private readonly onHtml: () => Error) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.decided) {
      this.head += chunk.subarray(0, HTML_SNIFF_BYTES).toString('latin1');
      if (HTML_START.test(this.head)) {
        done(this.onHtml());
        return;
      }
      // Decided once a non-space character other than `<` (or enough bytes) has been seen.
      const first = /\S/.exec(this.head.replace(/^\uFEFF/, ''));
      if ((first !== null && first[0] !== '<') || this.head.length >= HTML_SNIFF_BYTES) this.decided = true;
    }
    done(null, chunk);
  }
}

class Hasher extends Transform {
  readonly hash = createHash('sha256');
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
}

function tempName(dir: string): string {
  return join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
}

/**
 * Download `url` into a temp file in `opts.dir`. A 304 (validators matched) is
 * an outcome, not an error. Every failure is a `FetchError` and leaves no temp file.
 */
export async function download(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const own = opts.dispatcher === undefined ? await makeDispatcher(opts.timeouts) : undefined;
  const dispatcher = opts.dispatcher ?? own!;
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'gzip' };
  if (opts.conditional?.etag) headers['if-none-match'] = opts.conditional.etag;
  if (opts.conditional?.lastModified) headers['if-modified-since'] = opts.conditional.lastModified;
  const conditional = 'if-none-match' in headers || 'if-modified-since' in headers;
  const signal = combinedSignal(opts);
  const path = tempName(opts.dir);
  try {
    const { url: finalUrl, res } = await open(url, headers, opts, dispatcher, signal);
    if (res.statusCode === 304) {
      await res.body.dump().catch(() => undefined);
      // RFC 9110 §15.4.5: 304 answers a conditional request only. To an
      // unconditional one it confirms nothing; taking it as "current" would
      // extend the held copy's life on a broken source's word.
      if (!conditional) {
        throw new FetchError(`${finalUrl}: HTTP 304 Not Modified to a request without If-None-Match/If-Modified-Since; the source is misbehaving`, FetchErrorCode.protocol, finalUrl);
      }
      return { kind: 'not-modified', url: finalUrl };
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw statusError(finalUrl, res.statusCode);
    }
    if (isHtmlContentType(res.headers)) {
      discard(res.body);
      throw htmlError(finalUrl, `Content-Type ${header(res.headers, 'content-type')}`);
    }
    const lengthHeader = header(res.headers, 'content-length');
    const expected = lengthHeader === undefined ? undefined : Number(lengthHeader);
    if (expected !== undefined && expected > maxBytes) {
      discard(res.body);
      throw new FetchError(`${finalUrl}: Content-Length ${expected} exceeds the ${maxBytes}-byte cap`, FetchErrorCode.tooLarge, finalUrl);
    }
    const encoding = header(res.headers, 'content-encoding')?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== '' && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
      discard(res.body);
      throw new FetchError(`${finalUrl}: unsupported Content-Encoding ${encoding}`, FetchErrorCode.protocol, finalUrl);
    }
    const gzip = encoding === 'gzip' || encoding === 'x-gzip' || new URL(finalUrl).pathname.endsWith('.gz');

    const progress = opts.progress?.isTTY ? opts.progress : undefined;
    let lastShown = 0;
    const show = (n: number): void => {
      if (progress === undefined || n - lastShown < 256 * 1024) return;
      lastShown = n;
      const total = expected === undefined ? '' : ` / ${(expected / 1048576).toFixed(1)}`;
      progress.write(`\r${finalUrl}: ${(n / 1048576).toFixed(1)}${total} MiB`);
    };
    const wire = new ByteCap(
      maxBytes,
      (n) => new FetchError(`${finalUrl}: body exceeds the ${maxBytes}-byte cap (aborted after ${n} bytes)`, FetchErrorCode.tooLarge, finalUrl),
      show,
    );
    const inflated = new ByteCap(
      maxBytes,
      (n) => new FetchError(`${finalUrl}: gzip inflates past the ${maxBytes}-byte cap (${n} bytes so far): refusing a gzip bomb`, FetchErrorCode.gzip, finalUrl),
    );
    const hasher = new Hasher();
    const sniffer = new HtmlSniffer(() => htmlError(finalUrl, 'the body starts like an HTML document'));
    const out = createWriteStream(path, { flags: 'wx', mode: 0o644, flush: true });
    const streamOpts = signal === undefined ? {} : { signal };
    try {
      if (gzip) await pipeline(res.body, wire, createGunzip(), inflated, sniffer, hasher, out, streamOpts);
      else await pipeline(res.body, wire, sniffer, hasher, out, streamOpts);
    } catch (err) {
      throw deadlineError(opts, finalUrl, err) ?? classify(err, finalUrl, 'reading the body');
    } finally {
      if (progress !== undefined) progress.write('\n');
    }
    if (expected !== undefined && wire.count !== expected) {
      throw new FetchError(`${finalUrl}: short body: ${wire.count} of ${expected} bytes (Content-Length)`, FetchErrorCode.shortBody, finalUrl);
    }
    return {
      kind: 'downloaded',
      url: finalUrl,
      path,
      bytes: gzip ? inflated.count : wire.count,
      wireBytes: wire.count,
      sha256: hasher.hash.digest('hex'),
      gzip,
      etag: header(res.headers, 'etag'),
      lastModified: header(res.headers, 'last-modified'),
    };
  } catch (err) {
    await rm(path, { force: true }).catch(() => undefined);
    throw deadlineError(opts, url, err) ?? (err instanceof FetchError ? err : classify(err, url, 'downloading'));
  } finally {
    if (own !== undefined) await own.close().catch(() => undefined);
  }
}

/** Fetch a small resource (a detached signature) into memory, capped at 64 KiB by default. */
export async function fetchSmall(url: string, opts: HttpOptions = {}): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? SIGNATURE_MAX_BYTES;
  const own = opts.dispatcher === undefined ? await makeDispatcher(opts.timeouts) : undefined;
  const dispatcher = opts.dispatcher ?? own!;
  const signal = combinedSignal(opts);
  try {
    const { url: finalUrl, res } = await open(url, { 'user-agent': USER_AGENT }, opts, dispatcher, signal);
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw statusError(finalUrl, res.statusCode);
    }
    if (isHtmlContentType(res.headers)) {
      discard(res.body);
      throw htmlError(finalUrl, `Content-Type ${header(res.headers, 'content-type')}`);
    }
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        n += b.length;
        if (n > maxBytes) {
          discard(res.body);
          throw new FetchError(`${finalUrl}: body exceeds the ${maxBytes}-byte cap`, FetchErrorCode.tooLarge, finalUrl);
        }
        chunks.push(b);
      }
    } catch (err) {
      throw deadlineError(opts, finalUrl, err) ?? classify(err, finalUrl, 'reading the body');
    }
    const lengthHeader = header(res.headers, 'content-length');
    if (lengthHeader !== undefined && Number(lengthHeader) !== n) {
      throw new FetchError(`${finalUrl}: short body: ${n} of ${lengthHeader} bytes (Content-Length)`, FetchErrorCode.shortBody, finalUrl);
    }
    let body = Buffer.concat(chunks);
    const encoding = header(res.headers, 'content-encoding')?.trim().toLowerCase();
    if (encoding === 'gzip' || encoding === 'x-gzip') {
      // Not asked for (no Accept-Encoding), but some servers compress anyway.
      try {
        body = gunzipSync(body, { maxOutputLength: maxBytes });
      } catch (err) {
        throw classify(err, finalUrl, 'inflating the body');
      }
    } else if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
      throw new FetchError(`${finalUrl}: unsupported Content-Encoding ${encoding}`, FetchErrorCode.protocol, finalUrl);
    }
    if (HTML_START.test(body.subarray(0, HTML_SNIFF_BYTES).toString('latin1'))) throw htmlError(finalUrl, 'the body starts like an HTML document');
    return new Uint8Array(body);
  } catch (err) {
    throw deadlineError(opts, url, err) ?? err;
  } finally {
    if (own !== undefined) await own.close().catch(() => undefined);
  }
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
function classify(err: unknown, url: string, during: string): FetchError {
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
