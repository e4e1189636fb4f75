// The daemon side of `rootmirror serve` without --zone-file: load the newest
// stored copy that re-verifies and serve it at once, then keep it fresh on
// schedule. With no usable copy the store stays unavailable (fallback or
// SERVFAIL per --on-expired) until the first verified download.
//
// Two steps, so `serve` can be all or nothing: prepareMirror checks the
// configuration and builds everything without touching the network or the
// store; start() loads and schedules. The caller opens (locks) the data dir and
// binds its sockets in between, and gives up cleanly if any of that fails.

import type { Writable } from 'node:stream';
import { systemClock, type Clock } from '../clock.js';
import type { TsigKeyring } from '../dns/tsig-keys.js';
import type { HttpOptions } from '../fetch/http-request.js';
import type { ZoneStore } from '../zone/store.js';
import type { DnssecMode } from '../zone/zone.js';
import { axfrOptions, validateMirrorConfig, type MirrorConfig } from './config.js';
import { DataDir } from './data-dir.js';
import { createLogger, type Logger } from '../log.js';
import type { LoadEvent, RefreshEvent } from './events.js';
import { Refresher } from './refresher.js';
import { RefreshScheduler, cronTicker, type Ticker } from './scheduler.js';
import { createWorkerZonePipeline } from './worker-pipeline.js';
import type { ZonePipeline } from './zone-pipeline.js';

export interface MirrorOptions {
  readonly config: MirrorConfig;
  /** The server's store: swapped on every verified new copy, marked unavailable on expiry. */
  readonly store: ZoneStore;
  /** How the served zone is built (the server's --dnssec). */
  readonly dnssec: DnssecMode;
  /** --verify-all-signatures: the DNSSEC layer checks every RRSIG, not only the apex chain. */
  readonly allSignatures?: boolean;
  /** Replace the whole verify+parse+build step (tests, bench); default: each check in a worker thread (worker-pipeline.ts). */
  readonly pipeline?: ZonePipeline;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** What drives the scheduler; default node-cron every 10 s. */
  readonly ticker?: Ticker;
  readonly random?: () => number;
  readonly http?: Omit<HttpOptions, 'maxBytes'>;
  readonly progress?: Writable & { isTTY?: boolean };
  /** The data dir, already opened (locked) by the caller; default: config.dataDir, opened by start(). */
  readonly dataDir?: DataDir;
  /** The keys of config.tsigKeyFiles, read by the caller before the data dir is opened (readTsigKeyFiles). */
  readonly tsigKeys?: TsigKeyring;
}

export interface Mirror {
  readonly refresher: Refresher;
  readonly scheduler: RefreshScheduler;
  /** What was found in the data dir at start. */
  readonly loaded: LoadEvent;
  /** The first scheduling step (a refresh when no fresh copy was held); resolves when it is done. */
  readonly firstTick: Promise<RefreshEvent | undefined>;
  stop(): void;
}

/** Built, not started: no file read, no socket, no timer. */
export interface PreparedMirror {
  readonly refresher: Refresher;
  /** Load the stored copy (serve it at once if it re-verifies), run the first scheduling step, schedule the rest. */
  start(): Promise<Mirror>;
  /** Give up without starting: release the data dir if it was opened. */
  close(): Promise<void>;
}

/** Check the configuration and build the refresher and scheduler. Throws RangeError on a bad configuration. */
export function prepareMirror(opts: MirrorOptions): PreparedMirror {
  const config = validateMirrorConfig(opts.config);
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger();
  const pipeline =
    opts.pipeline ??
    createWorkerZonePipeline({
      files: { layers: config.layers, pgpKeys: config.pgpKeys, trustAnchors: config.trustAnchors },
      allSignatures: opts.allSignatures ?? false,
      dnssec: opts.dnssec,
      maxRecords: config.maxRecords,
      onWarning: (w) => log.warn(w),
      scratchDir: config.dataDir,
    });
  const refresher = new Refresher({
    dataDir: opts.dataDir ?? new DataDir(config.dataDir),
    store: opts.store,
    pipeline,
    // Stored images are written by the worker pipeline; an injected one (tests) may write none.
    // Downloads run in child processes too (download-child.ts), as the checks do.
    ...(opts.pipeline === undefined ? { dnssec: opts.dnssec, downloadInChild: true } : {}),
    sources: config.sources,
    clock,
    log,
    http: { ...opts.http, maxBytes: config.maxBytes },
    fetchTimeoutMs: config.fetchTimeoutMs,
    axfr: axfrOptions(config),
    ...(opts.tsigKeys !== undefined ? { tsigKeys: opts.tsigKeys } : {}),
    ...(opts.progress !== undefined ? { progress: opts.progress } : {}),
  });
  const random = opts.random ?? Math.random;
  const scheduler = new RefreshScheduler(refresher, { refreshMs: config.refreshMs, retryMs: config.retryMs, jitterMs: config.jitterMs, random, log });
  return {
    refresher,
    close: () => refresher.close(),
    async start() {
      if (config.layers.length === 0) log.warn('--verify none: copies are served without any verification');
      const loaded = await refresher.load();
      const held = refresher.held;
      if (held !== undefined) {
        // A copy confirmed recently waits for its next interval; an older one refreshes now.
        const next = Date.parse(held.meta.confirmedAt) + config.refreshMs + Math.floor(random() * config.jitterMs);
        scheduler.setDueAt(Math.max(clock.now(), next));
      }
      const firstTick = scheduler.tick();
      // Callers may not await it; a bug in the cycle must still be logged, not crash the process.
      firstTick.catch((err: unknown) => log.error('first refresh failed unexpectedly', { error: err }));
      scheduler.start(opts.ticker ?? cronTicker());
      return {
        refresher,
        scheduler,
        loaded,
        firstTick,
        stop: () => {
          scheduler.stop();
          void refresher.close();
        },
      };
    },
  };
}

/** Start the mirror: load, serve at once, schedule refreshes. Throws RangeError on a bad configuration. */
export async function startMirror(opts: MirrorOptions): Promise<Mirror> {
  return prepareMirror(opts).start();
}
