// One refresh cycle, never two at once: for each source in order, acquire
// (acquire.ts) → verify, parse, build (the ZonePipeline) → policy (policy.ts:
// no rollback, no same-serial-other-content) → store durably (commit.ts, the
// data dir) → swap. A bad download never replaces the served zone; the first
// source that yields a verified new copy or confirms the held one ends the
// cycle. At start, load() serves the newest stored copy that re-verifies.

import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { systemClock, type Clock } from '../clock.js';
import { FetchError } from '../fetch/errors.js';
import { parseSource, type Source } from '../fetch/source.js';
import { createLogger, type Logger } from '../log.js';
import type { ZoneStore } from '../zone/store.js';
import { Acquisition, type AcquireOptions } from './acquire.js';
import { confirmedMeta, newCopyMeta } from './commit.js';
import type { DataDir } from './data-dir.js';
import type { AttemptTimings, LoadEvent, RefreshEvent, RefresherEvents, SourceAttempt } from './events.js';
import { ExpiryWatch } from './expiry.js';
import { decodeSoa } from '../dns/rdata/soa.js';
import { findStoredCopy, openStoredImage, storeImage, type HeldCopy } from './held-copy.js';
import { imageMeta } from './image-file.js';
import type { DnssecMode } from '../zone/zone.js';
import { judgeSerial } from './policy.js';
import type { ZonePipeline } from './zone-pipeline.js';
import type { CheckedZone } from '../verify/candidate.js';

/** What the refresher needs, and how each source is fetched (--fetch-timeout, caps; acquire.ts). */
export interface RefresherOptions extends Omit<AcquireOptions, 'dir'> {
  readonly dataDir: DataDir;
  readonly store: ZoneStore;
  readonly pipeline: ZonePipeline;
  readonly sources: readonly string[];
  readonly clock?: Clock;
  readonly log?: Logger;
  /**
   * The served --dnssec mode: with it, a stored copy whose zone image matches
   * is served at once at start and re-verified aside (image-file.ts); without
   * it (a pipeline that writes no images), every start verifies first.
   */
  readonly dnssec?: DnssecMode;
}

export class Refresher extends EventEmitter<RefresherEvents> {
  readonly clock: Clock;
  readonly expiry: ExpiryWatch;
  private readonly log: Logger;
  private heldCopy: HeldCopy | undefined;
  /** The `current/` slot failed verification at start: drop it, keep `previous/`. */
  private currentIsBad = false;
  private inFlight: Promise<RefreshEvent> | undefined;
  private readonly parsedSources: readonly Source[];
  /** The re-verification of a copy served from its image at start; resolves when it is done (withdrawn or not). */
  startupCheck: Promise<void> = Promise.resolve();

  constructor(private readonly opts: RefresherOptions) {
    super();
    if (opts.sources.length === 0) throw new RangeError('at least one --source is needed');
    this.parsedSources = opts.sources.map(parseSource);
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
    const quick = this.opts.dnssec !== undefined ? await openStoredImage(dd, this.opts.dnssec, this.log) : undefined;
    if (quick !== undefined) {
      const { meta } = quick;
      this.hold(quick);
      this.serveHeldIfValid();
      this.log.info(`data dir: serving current copy, serial ${meta.serial}, from its zone image; re-verifying the copy aside`, { source: meta.source });
      this.startupCheck = this.reverify(quick);
      const ev: LoadEvent = { slot: 'current', serial: meta.serial, problems: [], removedLeftovers };
      this.emit('load', ev);
      return ev;
    }
    const { found, problems, currentIsBad } = await findStoredCopy(dd, this.opts.pipeline, this.clock.now(), this.log);
    this.currentIsBad = currentIsBad;
    let ev: LoadEvent = { slot: undefined, serial: undefined, problems, removedLeftovers };
    if (found !== undefined) {
      const { meta, slot } = found.held;
      this.hold(found.image !== undefined ? { ...found.held, meta: await storeImage(dd, found.held, found.image, this.log, found.imageSha256) } : found.held);
      this.serveHeldIfValid();
      ev = { slot, serial: meta.serial, problems, removedLeftovers };
      this.log.info(`data dir: loaded ${slot} copy, serial ${meta.serial}`, { source: meta.source, layers: found.layers });
    }
    this.emit('load', ev);
    return ev;
  }

  /**
   * The full check of a copy served from its image at start: read (its
   * sha256 checked against meta.json), verified, built. If it fails, the
   * copy is withdrawn exactly as one that fails at start is: not served, the
   * previous copy tried (verified first), `current/` dropped at the next
   * commit, and a refresh started.
   */
  private async reverify(held: HeldCopy): Promise<void> {
    try {
      const copy = await this.opts.dataDir.read(held.slot);
      // A refresh that committed another copy meanwhile is let be in the catch; anything else is not the copy whose image is served.
      if (copy.meta.sha256 !== held.meta.sha256) throw new Error(`current/meta.json changed since its image was opened (sha256 ${held.meta.sha256} → ${copy.meta.sha256})`);
      const pgpApplies = parseSource(copy.meta.source).kind === 'http';
      const checked = await this.opts.pipeline.check({ path: copy.zonePath, signature: copy.signature, source: copy.meta.source, pgpApplies }, this.clock.now());
      if (checked.serial !== copy.meta.serial) throw new Error(`zone serial ${checked.serial} differs from meta.json serial ${copy.meta.serial}`);
      this.log.info(`data dir: current copy, serial ${copy.meta.serial}, re-verified`, { layers: checked.layers });
      if (checked.image !== undefined && checked.imageSha256 !== held.meta.image?.sha256) await this.replaceImage(held, checked);
    } catch (err) {
      // A refresh may have committed a newer copy meanwhile: that one stands.
      if (this.heldCopy !== held) return;
      this.log.error('data dir: current copy does not re-verify; withdrawn, not served', { error: err });
      this.heldCopy = undefined;
      this.currentIsBad = true;
      this.opts.store.markUnavailable(`the stored copy, serial ${held.meta.serial}, failed re-verification: ${(err as Error).message}`);
      const { found } = await findStoredCopy(this.opts.dataDir, this.opts.pipeline, this.clock.now(), this.log, ['previous']);
      if (found !== undefined && this.heldCopy === undefined) {
        this.hold(found.held);
        this.serveHeldIfValid();
        this.log.info(`data dir: serving previous copy, serial ${found.held.meta.serial}`, { source: found.held.meta.source });
      }
      this.refresh().catch((e: unknown) => this.log.error('refresh after withdrawing the stored copy failed unexpectedly', { error: e }));
    }
  }

  /**
   * The copy re-verified, but the image served since start is not the one it
   * builds (meta.json's sha256 matched a file that was replaced with both, or
   * another build wrote it): serve and store the image just built from the
   * verified copy, so what is answered is what was verified.
   */
  private async replaceImage(held: HeldCopy, checked: CheckedZone): Promise<void> {
    if (this.heldCopy !== held) return; // a refresh committed a newer copy meanwhile
    this.log.warn(`data dir: the stored zone image of serial ${held.meta.serial} is not the one its verified copy builds; serving the one just built`, {
      stored: held.meta.image?.sha256,
      built: checked.imageSha256,
    });
    const rebuilt: HeldCopy = { ...held, zone: checked.zone };
    const meta = await storeImage(this.opts.dataDir, rebuilt, checked.image!, this.log, checked.imageSha256);
    if (this.heldCopy !== held) return;
    this.hold({ ...rebuilt, meta });
    this.serveHeldIfValid();
  }

  /** Release the data dir (its lock) once no cycle runs. */
  async close(): Promise<void> {
    await this.startupCheck.catch(() => undefined);
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
    const sources = this.parsedSources;
    const attempts: SourceAttempt[] = [];
    for (let i = 0; i < sources.length; i++) {
      const parsed = sources[(startIndex + i) % sources.length]!;
      const source = parsed.url;
      const attempt = await this.trySource(parsed);
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
    const meta = confirmedMeta(h.meta, source, this.clock.now(), validators);
    await this.opts.dataDir.updateMeta(h.slot, meta);
    this.hold({ ...h, meta });
    this.serveHeldIfValid();
  }

  private async trySource(parsed: Source): Promise<SourceAttempt> {
    const source = parsed.url;
    const held = this.heldCopy;
    let tempPath: string | undefined;
    const timings: AttemptTimings = {};
    const checkProcess = this.opts.pipeline.process;
    const acquisition = new Acquisition(parsed, {
      ...this.opts,
      dir: this.opts.dataDir.root,
      wantSignature: parsed.kind === 'http' && this.opts.pipeline.layers.includes('pgp'),
      ...(checkProcess !== undefined ? { checkProcess } : {}),
    });
    try {
      let t = performance.now();
      const lap = (): number => {
        const now = performance.now();
        const d = now - t;
        t = now;
        return d;
      };
      const dl = await acquisition.zone(held?.meta);
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
      if (parsed.kind === 'http' && this.opts.pipeline.layers.includes('pgp')) {
        lap();
        const sig = await acquisition.signature(dl.url);
        if (!sig.ok) return { source, outcome: 'failed', reason: sig.reason, error: sig.error };
        signature = sig.signature;
        timings.signature = lap();
      }
      lap();
      const now = this.clock.now();
      let checked;
      try {
        checked = await this.opts.pipeline.check({ path: dl.path, signature, source, pgpApplies: parsed.kind === 'http' }, now, held?.zone, acquisition.takeChild());
        timings.check = lap();
      } catch (err) {
        timings.check = lap();
        const layers = (err as { layers?: SourceAttempt['layers'] }).layers;
        return { source, outcome: 'failed', reason: `rejected: ${(err as Error).message}`, error: err as Error, layers, timings };
      }
      if (held !== undefined) {
        const verdict = judgeSerial({ serial: checked.serial, zone: checked.zone, sha256: dl.sha256 }, { serial: held.meta.serial, zone: held.zone, sha256: held.meta.sha256 }, source);
        if (verdict.kind === 'same-records') {
          await this.confirm(source);
          return { source, outcome: 'unchanged', reason: `serial ${held.meta.serial}: same records as the held copy (file bytes differ)`, layers: checked.layers, timings };
        }
        if (verdict.kind === 'refused') {
          this.emit('alarm', { kind: verdict.alarm, source, serial: checked.serial, message: verdict.message });
          return { source, outcome: 'failed', reason: verdict.message, layers: checked.layers };
        }
      }
      const fresh = newCopyMeta(source, dl, signature, checked, now);
      const meta = checked.image !== undefined ? { ...fresh, image: imageMeta(checked.image, checked.zone.dnssec, checked.imageSha256) } : fresh;
      lap();
      await this.opts.dataDir.commit(dl.path, signature, meta, { dropCurrent: this.currentIsBad, ...(checked.image !== undefined ? { image: checked.image } : {}) });
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
      acquisition.close();
      if (tempPath !== undefined) await rm(tempPath, { force: true }).catch(() => undefined);
    }
  }
}
