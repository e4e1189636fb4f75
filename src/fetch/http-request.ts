// One HTTP(S) GET as the fetch stage makes it: undici loaded on first use, a
// dispatcher with the connect/header/body timeouts, manual and bounded
// redirects (loops detected, http(s) only, no https → http downgrade), and the
// checks every body we keep must pass (status 200, not a web page).

import type { Agent, Dispatcher } from 'undici';
import type { Deadline } from './deadline.js';
import { FetchError, FetchErrorCode } from './errors.js';
import { classify, htmlError, statusError } from './http-errors.js';
import { splitCredentials } from './basic-auth.js';

export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 } as const;
export const USER_AGENT = 'rootmirror/0.1 (RFC 8806 root zone mirror)';

export interface Timeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  /** Longest silence between two body chunks (a stalled body). */
  readonly bodyMs: number;
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
export function combinedSignal(opts: HttpOptions): AbortSignal | undefined {
  const signals = [opts.signal, opts.deadline?.signal].filter((s): s is AbortSignal => s !== undefined);
  return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
}

// undici (~18-28 MB resident once loaded) is loaded on the first download, not
// with this module: `serve` downloads in child processes (refresh/download-child.ts)
// and never pays for it.
let undiciModule: Promise<typeof import('undici')> | undefined;
const undici = (): Promise<typeof import('undici')> => (undiciModule ??= import('undici'));


export async function makeDispatcher(t: Partial<Timeouts> | undefined): Promise<Agent> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...t };
  const { Agent } = await undici();
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  });
}

export interface Opened {
  readonly url: string;
  readonly res: Dispatcher.ResponseData;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** GET with manual, bounded redirects (loops detected, http(s) only, no https → http downgrade). */
export async function open(url: string, headers: Record<string, string>, opts: HttpOptions, dispatcher: Dispatcher, signal: AbortSignal | undefined): Promise<Opened> {
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const seen = new Set<string>();
  let current = url;
  for (let hop = 0; ; hop++) {
    seen.add(current);
    let res: Dispatcher.ResponseData;
    try {
      const { request } = await undici();
      // undici ignores user:password in a URL: send it as Basic authorization (same origin only, see basic-auth.ts).
      const { target, authorization } = splitCredentials(current);
      res = await request(target, { method: 'GET', headers: authorization === undefined ? headers : { ...headers, authorization }, dispatcher, signal });
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
export function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

export function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Refuse a body we will not keep: a status other than 200, or a web page by its Content-Type. */
export async function expectZoneBody(finalUrl: string, res: Dispatcher.ResponseData): Promise<void> {
  if (res.statusCode !== 200) {
    await res.body.dump().catch(() => undefined);
    throw statusError(finalUrl, res.statusCode);
  }
  if (isHtmlContentType(res.headers)) {
    discard(res.body);
    throw htmlError(finalUrl, `Content-Type ${header(res.headers, 'content-type')}`);
  }
}

function isHtmlContentType(headers: Dispatcher.ResponseData['headers']): boolean {
  const type = header(headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'text/html' || type === 'application/xhtml+xml';
}
