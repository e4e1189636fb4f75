// The acquire step of one attempt at one source: download (HTTP, conditional
// on the held copy's validators) or transfer (AXFR, after a SOA serial check)
// into a temp file in the data dir, and the detached signature of an HTTP
// copy. One deadline (--fetch-timeout) covers everything fetched from the
// source in this attempt, zone and .sig together.

import type { Writable } from 'node:stream';
import { axfr, querySoaSerial, type AxfrOptions, type AxfrTarget } from '../fetch/axfr.js';
import { ConfigError } from '../errors.js';
import { startDeadline } from '../fetch/deadline.js';
import type { TsigKeyring } from '../dns/tsig-keys.js';
import { download, fetchSmall, type Conditional, type FetchedFile } from '../fetch/http.js';
import { childEntry, startChild, type ChildProcess } from './child-process.js';
import { errorFrom, type AcquireJob, type DownloadMessage } from './download-job.js';
import type { HttpOptions } from '../fetch/http-request.js';
import { signatureUrl, type Source } from '../fetch/source.js';
import { writeZoneText } from '../fetch/zone-text.js';
import type { CopyMeta } from './data-dir.js';
import { sameSource } from './same-source.js';

export interface AcquireOptions {
  /** The data dir's root: temp files go there so the later rename is atomic. */
  readonly dir: string;
  readonly http?: HttpOptions;
  /** Overall time for one source, zone and .sig together (--fetch-timeout); then the next source is tried. */
  readonly fetchTimeoutMs: number;
  readonly axfr?: AxfrOptions;
  /** The --tsig-key keys; an `axfr://HOST?tsig=NAME` source signs its SOA check and transfer with NAME's (RFC 8945). */
  readonly tsigKeys?: TsigKeyring;
  readonly progress?: Writable & { isTTY?: boolean };
  /**
   * HTTP(S) downloads run in a short-lived child process (download-child.ts),
   * so the serving process never loads the HTTP client: the daemon sets this;
   * tests that hand in their own dispatcher run in-process.
   */
  readonly downloadInChild?: boolean;
  /** The attempt will want the detached signature: a child fetches it with the zone. */
  readonly wantSignature?: boolean;
  /**
   * The check's process (ZonePipeline.process): the download child is started
   * as one and stays, after a download, for the check of it (takeChild()).
   * One Node start and exit fewer per refresh (bench/refresh-cpu.mjs).
   */
  readonly checkProcess?: { readonly heapLimitMb: number };
}


/**
 * undici parses HTTP with llhttp compiled to WebAssembly. V8 compiles it
 * twice: Liftoff at once, then TurboFan in background threads, whose work a
 * process living for one download pays and never uses. Liftoff only: the
 * download child's CPU 540 -> 390 ms (bench/refresh-cpu.mjs, the root zone
 * and its .sig from loopback), the transfer itself no slower.
 */
const DOWNLOAD_V8_FLAGS = ['--liftoff-only'];

export type Acquired = { readonly kind: 'not-modified'; readonly reason: string } | (FetchedFile & { readonly kind: 'file' });

export type SignatureResult = { readonly ok: true; readonly signature: Uint8Array } | { readonly ok: false; readonly reason: string; readonly error: Error };

/** One attempt at one source: its deadline starts now. */
export class Acquisition {
  private readonly http: HttpOptions;
  private readonly startedAt = performance.now();
  /** The signature a download child fetched with the zone. */
  private prefetched: Extract<DownloadMessage, { kind: 'file' }>['signature'];
  /** The download child, waiting to check what it downloaded. */
  private child: ChildProcess | undefined;

  constructor(
    readonly source: Source,
    private readonly opts: AcquireOptions,
  ) {
    this.http = { ...opts.http, deadline: startDeadline(opts.fetchTimeoutMs) };
  }

  /** The zone, unless the source says the held copy (`held`, when it came from this source) is current. */
  async zone(held: CopyMeta | undefined): Promise<Acquired> {
    const source = this.source;
    const fromHere = held !== undefined && sameSource(held.source, source.url) ? held : undefined;
    if (source.axfr !== undefined) {
      const opts = this.axfrOptions();
      if (this.opts.downloadInChild === true) return this.transferInChild(source.axfr, opts, fromHere);
      if (fromHere !== undefined) {
        // A secondary's refresh check: same serial from the same server, no transfer.
        const serial = await querySoaSerial(source.axfr, opts);
        if (serial === fromHere.serial) return { kind: 'not-modified', reason: `SOA serial ${serial} unchanged at ${source.url}` };
      }
      const r = await axfr(source.axfr, opts);
      const file = await writeZoneText(r.records, this.opts.dir);
      return { kind: 'file', url: source.url, path: file.path, sha256: file.sha256, bytes: file.bytes, etag: undefined, lastModified: undefined };
    }
    const conditional = fromHere !== undefined ? { etag: fromHere.etag, lastModified: fromHere.lastModified } : undefined;
    if (this.opts.downloadInChild === true && this.http.dispatcher === undefined) return this.zoneInChild(conditional, held);
    const dl = await download(source.url, {
      ...this.http,
      dir: this.opts.dir,
      ...(conditional !== undefined ? { conditional } : {}),
      ...(this.opts.progress !== undefined ? { progress: this.opts.progress } : {}),
    });
    if (dl.kind === 'not-modified') return { kind: 'not-modified', reason: `HTTP 304: serial ${held?.serial} is current` };
    return { kind: 'file', url: dl.url, path: dl.path, sha256: dl.sha256, bytes: dl.bytes, etag: dl.etag, lastModified: dl.lastModified };
  }

  /** zone() for AXFR, in a child process (download-child.ts), as the serving thread must not decode and write the transfer. */
  private async transferInChild(target: AxfrTarget, opts: AxfrOptions, fromHere: CopyMeta | undefined): Promise<Acquired> {
    const { maxBytes, maxRecords, connectTimeoutMs, idleTimeoutMs, totalTimeoutMs } = opts;
    // Only the limits given: axfr() spreads its options over its defaults, so an undefined would override one.
    const limits = Object.fromEntries(Object.entries({ maxBytes, maxRecords, connectTimeoutMs, idleTimeoutMs, totalTimeoutMs }).filter(([, v]) => v !== undefined));
    const m = await this.inChild({
      kind: 'axfr',
      url: this.source.url,
      dir: this.opts.dir,
      target,
      zone: opts.zone?.toString(),
      limits,
      tsig: opts.tsig !== undefined ? { name: opts.tsig.name.toString(), algorithm: opts.tsig.algorithm.name, secret: opts.tsig.secret } : undefined,
      heldSerial: fromHere?.serial,
      staysForCheck: this.staysForCheck(false),
    });
    if (m.kind === 'not-modified') return { kind: 'not-modified', reason: `SOA serial ${m.serial} unchanged at ${this.source.url}` };
    return { kind: 'file', url: m.url, path: m.path, sha256: m.sha256, bytes: m.bytes, etag: undefined, lastModified: undefined };
  }

  /** A child whose stderr is the terminal's would not report why a check died (its heap): not kept for one. */
  private staysForCheck(progress: boolean): boolean {
    return this.opts.checkProcess !== undefined && !progress;
  }

  /** zone() for HTTP(S), in a child process (download-child.ts); the signature comes with it when wanted. */
  private async zoneInChild(conditional: Conditional | undefined, held: CopyMeta | undefined): Promise<Acquired> {
    const fetchTimeoutMs = this.opts.fetchTimeoutMs;
    const remainingMs = Math.floor(fetchTimeoutMs - (performance.now() - this.startedAt));
    const progress = this.opts.progress?.isTTY === true;
    const m = await this.inChild({
      kind: 'http',
      url: this.source.url,
      dir: this.opts.dir,
      maxBytes: this.http.maxBytes,
      timeouts: this.http.timeouts,
      maxRedirects: this.http.maxRedirects,
      deadline: { remainingMs, ms: fetchTimeoutMs, option: '--fetch-timeout' },
      conditional,
      signature: this.opts.wantSignature === true,
      progress,
      staysForCheck: this.staysForCheck(progress),
    });
    if (m.kind === 'not-modified') return { kind: 'not-modified', reason: `HTTP 304: serial ${held?.serial} is current` };
    this.prefetched = m.signature;
    return { kind: 'file', url: m.url, path: m.path, sha256: m.sha256, bytes: m.bytes, etag: m.etag, lastModified: m.lastModified };
  }

  /** Run `job` in a download child; a child that is to stay for the check is kept (takeChild). Throws the job's error. */
  private async inChild(job: AcquireJob): Promise<Exclude<DownloadMessage, { kind: 'error' }>> {
    const remainingMs = Math.floor(this.opts.fetchTimeoutMs - (performance.now() - this.startedAt));
    const progress = job.kind === 'http' && job.progress;
    const child = startChild(childEntry('download-child.js'), {
      heapLimitMb: job.staysForCheck ? this.opts.checkProcess!.heapLimitMb : 256,
      inheritStderr: progress,
      v8Flags: DOWNLOAD_V8_FLAGS,
    });
    const m = await child.run<DownloadMessage, DownloadMessage>(job, {
      // The deadline is the child's to enforce (--fetch-timeout; an AXFR's totalTimeoutMs is the same); this only catches a child that hangs past it.
      timeLimitMs: Math.max(1, remainingMs) + 10_000,
      what: job.kind === 'http' ? 'the download' : 'the transfer',
      isResult: (_m): _m is DownloadMessage => true,
    });
    if (job.staysForCheck && m.kind === 'file') this.child = child;
    if (m.kind === 'error') throw errorFrom(m.error);
    return m;
  }

  /** The download child, to run the check of the downloaded copy in (once); undefined if there is none. */
  takeChild(): ChildProcess | undefined {
    const c = this.child;
    this.child = undefined;
    return c;
  }

  /** Let a download child that was not taken for a check exit. */
  close(): void {
    this.takeChild()?.close();
  }

  /** AXFR options with the source's TSIG key, when it names one. */
  private axfrOptions(): AxfrOptions {
    const name = this.source.tsigKey;
    if (name === undefined) return this.opts.axfr ?? {};
    const key = this.opts.tsigKeys?.get(name);
    // Checked at start-up (readTsigKeyFiles); failing closed here keeps a library caller from transferring unsigned.
    if (key === undefined) throw new ConfigError(`--source ${this.source.display}: tsig=${name.toString()}: no such key loaded; add it with --tsig-key FILE`);
    return { ...this.opts.axfr, tsig: key };
  }

  /** The detached signature beside the zone's final URL; a failure is a reason, PGP being required (fail closed). */
  async signature(zoneUrl: string): Promise<SignatureResult> {
    const sigUrl = signatureUrl(zoneUrl);
    const failed = (err: Error): SignatureResult => ({ ok: false, reason: `no signature from ${sigUrl} (${err.message}); PGP is required (fail closed) unless removed with --verify`, error: err });
    const pre = this.prefetched;
    if (pre !== undefined) return pre.ok ? { ok: true, signature: pre.bytes } : failed(errorFrom(pre.error));
    try {
      return { ok: true, signature: await fetchSmall(sigUrl, this.http) };
    } catch (err) {
      return failed(err as Error);
    }
  }
}
