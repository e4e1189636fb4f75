// One refresh cycle, never two at once: for each source in order, download →
// verify → parse → build → policy (no rollback, no same-serial-other-content)
// → store durably → swap. A bad download never replaces the served zone; the
// first source that yields a verified new copy or confirms the held one ends
// the cycle.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { systemClock, type Clock } from '../clock.js';
import { serialCompare } from '../dns/serial.js';
import type { ZoneStore } from '../zone/store.js';
import type { Zone } from '../zone/zone.js';
import { FetchError } from '../fetch/errors.js';
import { axfr, parseAxfrUrl, querySoaSerial, type AxfrOptions } from '../fetch/axfr.js';
import { download, fetchSmall, signatureUrl, startDeadline, type HttpOptions } from '../fetch/http.js';
import { writeZoneText } from '../fetch/zone-text.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from './config.js';
import { DataDir, DataDirError, SLOTS, type CopyMeta, type LayerVerdicts, type Slot } from './data-dir.js';
import { ExpiryWatch } from './expiry.js';
import { createLogger, type Logger } from '../log.js';
import type { Transport, ZonePipeline } from './pipeline.js';
import { decodeSoa } from '../dns/rdata/soa.js';
import { sameSource } from './same-source.js';

export type RefreshOutcome = 'updated' | 'unchanged' | 'failed';

export interface SourceAttempt {
  readonly source: string;
  readonly outcome: RefreshOutcome;
  /** One line: why this source failed, or what it confirmed. */
  readonly reason: string;
  readonly error?: Error | undefined;
  readonly layers?: LayerVerdicts | undefined;
  /** Wall time of each step of this attempt (ms). */
  readonly timings?: AttemptTimings;
}

export interface AttemptTimings {
  download?: number;
  signature?: number;
  check?: number;
  store?: number;
  swap?: number;
}

/** The 'refresh' event (ops/monitor subscribe to it). */
export interface RefreshEvent {
  readonly outcome: RefreshOutcome;
  /** Serial held after the cycle (undefined when none). */
  readonly serial: number | undefined;
  /** The source that updated or confirmed, or undefined when all failed. */
  readonly source: string | undefined;
  readonly layers: LayerVerdicts | undefined;
  readonly durationMs: number;
  readonly error: Error | undefined;
  readonly attempts: readonly SourceAttempt[];
}

export type AlarmKind = 'same-serial-different-content' | 'serial-rollback';
export interface AlarmEvent {
  readonly kind: AlarmKind;
  readonly source: string;
  readonly serial: number;
  readonly message: string;
}

export interface LoadEvent {
  /** The slot served, or undefined when no stored copy verified. */
  readonly slot: Slot | undefined;
  readonly serial: number | undefined;
  /** One line per ignored copy (corrupt, unverifiable). */
  readonly problems: readonly string[];
  readonly removedLeftovers: readonly string[];
}

export interface RefresherEvents {
  refresh: [RefreshEvent];
  alarm: [AlarmEvent];
  load: [LoadEvent];
}

/** The copy we hold (verified, stored in the data dir). */
export interface HeldCopy {
  readonly slot: Slot;
  readonly meta: CopyMeta;
  readonly zone: Zone;
  readonly soaExpire: number;
}

export interface RefresherOptions {
  readonly dataDir: DataDir;
  readonly store: ZoneStore;
  readonly pipeline: ZonePipeline;
  readonly sources: readonly string[];
  readonly clock?: Clock;
  readonly http?: HttpOptions;
  /** Overall time for one source over HTTP, zone and .sig together (--fetch-timeout); then the next source is tried. */
  readonly fetchTimeoutMs?: number;
  readonly axfr?: AxfrOptions;
  readonly progress?: Writable & { isTTY?: boolean };
  readonly log?: Logger;
}

/** Same records (owner, type, class, TTL, RDATA, in the zone's canonical order)? */
export function sameRecords(a: Zone, b: Zone): boolean {
  if (a.records.length !== b.records.length) return false;
  const digest = (z: Zone): string => {
    const h = createHash('sha256');
    const fixed = Buffer.alloc(10);
    for (const r of z.records) {
      h.update(r.name.canonicalWire());
      fixed.writeUInt16BE(r.type, 0);
      fixed.writeUInt16BE(r.class, 2);
      fixed.writeUInt32BE(r.ttl, 4);
      fixed.writeUInt16BE(r.rdata.length, 8);
      h.update(fixed);
      h.update(r.rdata);
    }
    return h.digest('hex');
  };
  return digest(a) === digest(b);
}

function transportOf(source: string): Transport {
  return source.startsWith('axfr:') ? 'axfr' : 'http';
}

type Acquired =
  | { readonly kind: 'not-modified'; readonly reason: string }
  | {
      readonly kind: 'file';
      readonly url: string;
      readonly path: string;
      readonly sha256: string;
      readonly bytes: number;
      readonly etag: string | undefined;
      readonly lastModified: string | undefined;
      readonly transport: Transport;
    };

export class Refresher extends EventEmitter<RefresherEvents> {
  readonly clock: Clock;
  readonly expiry: ExpiryWatch;
  private readonly log: Logger;
  private heldCopy: HeldCopy | undefined;
  /** The `current/` slot failed verification at start: drop it, keep `previous/`. */
  private currentIsBad = false;
  private inFlight: Promise<RefreshEvent> | undefined;

  constructor(private readonly opts: RefresherOptions) {
    super();
    if (opts.sources.length === 0) throw new RangeError('at least one --source is needed');
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? createLogger();
    this.expiry = new ExpiryWatch(opts.store, this.clock);
  }

  get held(): HeldCopy | undefined {
    return this.heldCopy;
  }

  get sources(): readonly string[] {
    return this.opts.sources;
  }

  get running(): boolean {
    return this.inFlight !== undefined;
  }

  /**
   * At start: the newest stored copy that re-verifies is held and, unless
   * expired, served at once. Corrupt or unverifiable copies are reported and
   * ignored, never served.
   */
  async load(): Promise<LoadEvent> {
    const dd = this.opts.dataDir;
    const removedLeftovers = await dd.prepare();
    this.prepared = true;
    if (removedLeftovers.length > 0) this.log.info('data dir: removed leftovers of an interrupted refresh', { removed: removedLeftovers });
    const problems: string[] = [];
    this.currentIsBad = false;
    for (const slot of SLOTS) {
      let copy;
      try {
        copy = await dd.read(slot);
      } catch (err) {
        const missing = err instanceof DataDirError && err.kind === 'missing';
        if (!missing) {
          problems.push(`${slot}: ${(err as Error).message}`);
          this.log.error(`data dir: ${slot} copy ignored`, { error: err });
        }
        if (slot === 'current') this.currentIsBad = !missing;
        continue;
      }
      try {
        const checked = await this.opts.pipeline.check({ bytes: copy.zone, signature: copy.signature, source: copy.meta.source, transport: transportOf(copy.meta.source) }, this.clock.now());
        if (checked.serial !== copy.meta.serial) throw new Error(`zone serial ${checked.serial} differs from meta.json serial ${copy.meta.serial}`);
        this.hold({ slot, meta: copy.meta, zone: checked.zone, soaExpire: decodeSoa(checked.zone.soa.rdata).expire });
        this.serveHeldIfValid();
        const ev: LoadEvent = { slot, serial: copy.meta.serial, problems, removedLeftovers };
        this.log.info(`data dir: loaded ${slot} copy, serial ${copy.meta.serial}`, { source: copy.meta.source, layers: checked.layers });
        this.emit('load', ev);
        return ev;
      } catch (err) {
        problems.push(`${slot}: does not re-verify: ${(err as Error).message}`);
        this.log.error(`data dir: ${slot} copy does not re-verify; ignored, not served`, { error: err });
        if (slot === 'current') this.currentIsBad = true;
      }
    }
    const ev: LoadEvent = { slot: undefined, serial: undefined, problems, removedLeftovers };
    this.emit('load', ev);
    return ev;
  }

  /** Release the data dir (its lock) once no cycle runs. */
  async close(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    await this.opts.dataDir.unlock();
  }

  /** Run one cycle, or join the one in flight (single flight). */
  refresh(startIndex = 0): Promise<RefreshEvent> {
    if (this.inFlight !== undefined) return this.inFlight;
    const p = this.cycle(startIndex).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = p;
    return p;
  }

  private hold(h: HeldCopy): void {
    this.heldCopy = h;
    this.expiry.update({
      confirmedAt: Date.parse(h.meta.confirmedAt),
      soaExpire: h.soaExpire,
      signaturesExpireAt: h.meta.signaturesExpireAt === undefined ? undefined : Date.parse(h.meta.signaturesExpireAt),
    });
  }

  /** Serve the held copy unless it has expired (then mark the store unavailable). */
  private serveHeldIfValid(): void {
    const h = this.heldCopy;
    if (h === undefined) return;
    if (this.expiry.check() !== undefined) return;
    if (this.opts.store.zone !== h.zone) this.opts.store.swap(h.zone);
  }

  private prepared = false;

  private async cycle(startIndex: number): Promise<RefreshEvent> {
    const t0 = performance.now();
    if (!this.prepared) {
      // Not loaded first (fetch into a fresh dir): create it, lock it, clear leftovers.
      try {
        await this.opts.dataDir.prepare();
        this.prepared = true;
      } catch (err) {
        const error = err as Error;
        this.log.error(`refresh: data dir unusable: ${error.message}`);
        return this.finish({ outcome: 'failed', serial: this.heldCopy?.meta.serial, source: undefined, layers: undefined, durationMs: performance.now() - t0, error, attempts: [] });
      }
    }
    const sources = this.opts.sources;
    const attempts: SourceAttempt[] = [];
    for (let i = 0; i < sources.length; i++) {
      const source = sources[(startIndex + i) % sources.length]!;
      const attempt = await this.trySource(source);
      attempts.push(attempt);
      if (attempt.outcome === 'failed') {
        const next = i + 1 < sources.length ? '; trying the next source' : '';
        this.log.error(`refresh from ${source} failed: ${attempt.reason}${next}`, { source, layers: attempt.layers });
        continue;
      }
      this.log.info(`refresh from ${source}: ${attempt.outcome}: ${attempt.reason}`, { source, serial: this.heldCopy?.meta.serial, layers: attempt.layers, timings: attempt.timings });
      return this.finish({
        outcome: attempt.outcome,
        serial: this.heldCopy?.meta.serial,
        source,
        layers: attempt.layers,
        durationMs: performance.now() - t0,
        error: undefined,
        attempts,
      });
    }
    this.expiry.check();
    const last = attempts[attempts.length - 1]!;
    const error = new Error(`every source failed: ${attempts.map((a) => `${a.source}: ${a.reason}`).join('; ')}`, { cause: last.error });
    return this.finish({
      outcome: 'failed',
      serial: this.heldCopy?.meta.serial,
      source: undefined,
      layers: last.layers,
      durationMs: performance.now() - t0,
      error,
      attempts,
    });
  }

  private finish(ev: RefreshEvent): RefreshEvent {
    this.emit('refresh', ev);
    return ev;
  }

  /** A source confirmed the held copy: record it and serve it again if it had expired unconfirmed. */
  private async confirm(source: string, validators?: { etag: string | undefined; lastModified: string | undefined }): Promise<void> {
    const h = this.heldCopy!;
    const meta: CopyMeta = {
      ...h.meta,
      confirmedAt: new Date(this.clock.now()).toISOString(),
      ...(validators !== undefined && sameSource(h.meta.source, source) ? { etag: validators.etag ?? h.meta.etag, lastModified: validators.lastModified ?? h.meta.lastModified } : {}),
    };
    await this.opts.dataDir.updateMeta(h.slot, meta);
    this.hold({ ...h, meta });
    this.serveHeldIfValid();
  }

  /** Download (HTTP) or transfer (AXFR) into a temp file in the data dir. */
  private async acquire(source: string, url: URL, http: HttpOptions): Promise<Acquired> {
    const held = this.heldCopy;
    if (url.protocol === 'axfr:') {
      const target = parseAxfrUrl(source);
      if (held !== undefined && sameSource(held.meta.source, source)) {
        // A secondary's refresh check: same serial from the same server, no transfer.
        const serial = await querySoaSerial(target, this.opts.axfr);
        if (serial === held.meta.serial) return { kind: 'not-modified', reason: `SOA serial ${serial} unchanged at ${source}` };
      }
      const r = await axfr(target, this.opts.axfr);
      const file = await writeZoneText(r.records, this.opts.dataDir.root);
      return { kind: 'file', url: source, path: file.path, sha256: file.sha256, bytes: file.bytes, etag: undefined, lastModified: undefined, transport: 'axfr' };
    }
    const conditional = held !== undefined && sameSource(held.meta.source, source) ? { etag: held.meta.etag, lastModified: held.meta.lastModified } : undefined;
    const dl = await download(source, {
      ...http,
      dir: this.opts.dataDir.root,
      ...(conditional !== undefined ? { conditional } : {}),
      ...(this.opts.progress !== undefined ? { progress: this.opts.progress } : {}),
    });
    if (dl.kind === 'not-modified') return { kind: 'not-modified', reason: `HTTP 304: serial ${held?.meta.serial} is current` };
    return { kind: 'file', url: dl.url, path: dl.path, sha256: dl.sha256, bytes: dl.bytes, etag: dl.etag, lastModified: dl.lastModified, transport: 'http' };
  }

  private async trySource(source: string): Promise<SourceAttempt> {
    let url: URL;
    try {
      url = new URL(source);
    } catch (err) {
      return { source, outcome: 'failed', reason: `not a URL: ${source}`, error: err as Error };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'axfr:') {
      return { source, outcome: 'failed', reason: `unsupported source scheme ${url.protocol} (use http(s):// or axfr://)` };
    }
    const held = this.heldCopy;
    let tempPath: string | undefined;
    const timings: AttemptTimings = {};
    // One deadline for everything fetched from this source (zone and .sig).
    const http: HttpOptions = { ...this.opts.http, deadline: startDeadline(this.opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS) };
    try {
      let t = performance.now();
      const lap = (): number => {
        const now = performance.now();
        const d = now - t;
        t = now;
        return d;
      };
      const dl = await this.acquire(source, url, http);
      timings.download = lap();
      if (dl.kind === 'not-modified') {
        if (held === undefined) return { source, outcome: 'failed', reason: 'HTTP 304 but no copy is held' };
        await this.confirm(source);
        return { source, outcome: 'unchanged', reason: dl.reason, timings };
      }
      tempPath = dl.path;
      if (held !== undefined && dl.sha256 === held.meta.sha256) {
        await this.confirm(source, { etag: dl.etag, lastModified: dl.lastModified });
        return { source, outcome: 'unchanged', reason: `same bytes as the held serial ${held.meta.serial}` };
      }
      let signature: Uint8Array | undefined;
      if (dl.transport === 'http' && this.opts.pipeline.layers.includes('pgp')) {
        const sigUrl = signatureUrl(dl.url);
        try {
          lap();
          signature = await fetchSmall(sigUrl, http);
          timings.signature = lap();
        } catch (err) {
          return {
            source,
            outcome: 'failed',
            reason: `no signature from ${sigUrl} (${(err as Error).message}); PGP is required (fail closed) unless removed with --verify`,
            error: err as Error,
          };
        }
      }
      const bytes = new Uint8Array(await readFile(dl.path));
      lap();
      const now = this.clock.now();
      let checked;
      try {
        checked = await this.opts.pipeline.check({ bytes, signature, source, transport: dl.transport }, now);
        timings.check = lap();
      } catch (err) {
        timings.check = lap();
        const layers = (err as { layers?: LayerVerdicts }).layers;
        return { source, outcome: 'failed', reason: `rejected: ${(err as Error).message}`, error: err as Error, layers, timings };
      }
      // Policy (RFC 1982 serial arithmetic).
      if (held !== undefined) {
        const cmp = serialCompare(checked.serial, held.meta.serial);
        if (cmp === 0) {
          // Other bytes may be the same zone written differently (an AXFR copy
          // against InterNIC's file): compare the records, not the files.
          if (sameRecords(checked.zone, held.zone)) {
            await this.confirm(source);
            return { source, outcome: 'unchanged', reason: `serial ${held.meta.serial}: same records as the held copy (file bytes differ)`, layers: checked.layers, timings };
          }
          const message = `serial ${checked.serial} from ${source} has different content (sha256 ${dl.sha256}) than the held copy (sha256 ${held.meta.sha256}); refused`;
          this.emit('alarm', { kind: 'same-serial-different-content', source, serial: checked.serial, message });
          return { source, outcome: 'failed', reason: message, layers: checked.layers };
        }
        if (cmp !== 1) {
          const message = `serial ${checked.serial} is ${cmp === -1 ? 'lower than' : 'not comparable with'} the held serial ${held.meta.serial} (RFC 1982); refusing a rollback`;
          this.emit('alarm', { kind: 'serial-rollback', source, serial: checked.serial, message });
          return { source, outcome: 'failed', reason: message, layers: checked.layers };
        }
      }
      const iso = new Date(now).toISOString();
      const meta: CopyMeta = {
        version: 1,
        serial: checked.serial,
        source,
        fetchedAt: iso,
        confirmedAt: iso,
        etag: dl.etag,
        lastModified: dl.lastModified,
        sha256: dl.sha256,
        bytes: dl.bytes,
        hasSignature: signature !== undefined,
        signaturesExpireAt: checked.signaturesExpireAt === undefined ? undefined : new Date(checked.signaturesExpireAt).toISOString(),
        layers: checked.layers,
      };
      lap();
      await this.opts.dataDir.commit(dl.path, signature, meta, { dropCurrent: this.currentIsBad });
      timings.store = lap();
      tempPath = undefined;
      this.currentIsBad = false;
      this.hold({ slot: 'current', meta, zone: checked.zone, soaExpire: decodeSoa(checked.zone.soa.rdata).expire });
      this.serveHeldIfValid();
      timings.swap = lap();
      return {
        timings,
        source,
        outcome: 'updated',
        reason: held === undefined ? `serial ${checked.serial} stored and served` : `serial ${held.meta.serial} → ${checked.serial}`,
        layers: checked.layers,
      };
    } catch (err) {
      const reason = err instanceof FetchError ? err.message : `${(err as Error).name}: ${(err as Error).message}`;
      return { source, outcome: 'failed', reason, error: err as Error, timings };
    } finally {
      if (tempPath !== undefined) await rm(tempPath, { force: true }).catch(() => undefined);
    }
  }
}
