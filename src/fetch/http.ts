// HTTP(S) download of a zone file with every limit enforced while the bytes
// arrive: wire size, inflated size (gzip bomb), connect/header/body timeouts,
// redirect count and loops. The body goes to a temp file in the data dir and is
// never written over the live copy; the caller renames it into place after
// verification.
//
// Overall deadline: see deadline.ts. The request itself (redirects, timeouts,
// status and web-page checks) is http-request.ts; the streams the body goes
// through are http-body.ts; error wording is http-errors.ts.
//
// gzip: a `.gz` URL path or `content-encoding: gzip` inflates once. The
// signature is always over the *uncompressed* zone (InterNIC signs root.zone,
// not a compressed form), so for `X.gz` the signature is fetched from `X.sig`
// (see `signatureUrl` in source.ts).

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { deadlineError } from './deadline.js';
import { FetchError, FetchErrorCode } from './errors.js';
import { ByteCap, Hasher, HtmlSniffer, HTML_SNIFF_BYTES, HTML_START } from './http-body.js';
import { classify, htmlError } from './http-errors.js';
import { USER_AGENT, combinedSignal, discard, expectZoneBody, header, makeDispatcher, open, type HttpOptions } from './http-request.js';

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const SIGNATURE_MAX_BYTES = 64 * 1024;

/** Validators of the copy already held, sent so an unchanged zone costs a 304. */
export interface Conditional {
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

export interface DownloadOptions extends HttpOptions {
  /** Directory for the temp file: the data dir, so the later rename is atomic. */
  readonly dir: string;
  readonly conditional?: Conditional;
  /** Progress goes here when it is a TTY (stderr in the CLI). */
  readonly progress?: Writable & { isTTY?: boolean };
}

/** A copy fetched into a temp file in the data dir; the caller renames or removes it. */
export interface FetchedFile {
  /** Final URL after redirects (or the axfr:// source). */
  readonly url: string;
  /** Temp file holding the (inflated) body. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** HTTP validators, sent on the next refresh so an unchanged zone costs a 304. */
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
}

export type DownloadResult =
  | { readonly kind: 'not-modified'; readonly url: string }
  | (FetchedFile & { readonly kind: 'downloaded'; readonly wireBytes: number; readonly gzip: boolean });

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
    await expectZoneBody(finalUrl, res);
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
      throw deadlineError(opts.deadline, finalUrl, err) ?? classify(err, finalUrl, 'reading the body');
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
    throw deadlineError(opts.deadline, url, err) ?? (err instanceof FetchError ? err : classify(err, url, 'downloading'));
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
    await expectZoneBody(finalUrl, res);
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
      throw deadlineError(opts.deadline, finalUrl, err) ?? classify(err, finalUrl, 'reading the body');
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
    throw deadlineError(opts.deadline, url, err) ?? err;
  } finally {
    if (own !== undefined) await own.close().catch(() => undefined);
  }
}

