// The ZonePipeline the daemon uses: each check runs in its own short-lived
// process (refresh-worker.ts), so the thread that answers queries does none
// of it — no signature check, no parse, no DNSSEC, no build — and receives
// only the finished zone image, which it opens (zone/image.ts, well under a
// millisecond for the root) and swaps in.
//
// A process, not a worker_threads worker: measured with the signed root zone,
// a worker thread's memory is not given back when it ends (RSS went 53 → 218
// MB after one check and 340–380 MB after five, with the main heap at 6 MB,
// whether glibc's malloc was tuned or jemalloc preloaded), which would make
// the daemon five times what it serves. A process's memory goes back when it
// exits; forking one costs about 0.1–0.2 s of a check that runs every 30 min.
//
// A check that throws, runs out of its heap limit, exits, or is still working
// after `timeLimitMs` is a failed check (a CheckError, as a refused copy is):
// the held zone keeps being served and the daemon lives on.

import { fileBytes } from '../bytes.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { childEntry, runInChild, type ChildProcess } from './child-process.js';
import { join } from 'node:path';
import type { Name } from '../dns/name.js';
import { CheckError, type CheckedZone, type StepTimings } from '../verify/candidate.js';
import type { VerifierFiles } from '../verify/layer-verifiers.js';
import { imageOf, ZoneImage } from '../zone/image.js';
import { decodeRecords } from '../zone/record-wire.js';
import { attachChange } from '../zone/zone-change.js';
import { zoneFromImage } from '../zone/image-zone.js';
import type { DnssecMode, Zone } from '../zone/zone.js';
import type { RefreshJob, RefreshMessage } from './check-job.js';
import type { PipelineCandidate, ZonePipeline } from './zone-pipeline.js';

export interface WorkerPipelineOptions {
  /** The layers and the key and trust-anchor files they read (read again by each worker). */
  readonly files: VerifierFiles;
  readonly allSignatures?: boolean;
  readonly dnssec: DnssecMode;
  /** Default: the zone's own SOA owner. */
  readonly origin?: Name;
  readonly maxRecords?: number;
  readonly onWarning?: (warning: string) => void;
  /** A worker's old-generation heap limit (MiB): past it the check fails, the daemon does not. */
  readonly heapLimitMb?: number;
  /** A check still running after this is stopped and failed. */
  readonly timeLimitMs?: number;
  /**
   * Where each check gets its scratch directory (`.tmp-check-*`: the candidate,
   * the served zone's image and the new one go by file, not over the IPC
   * channel, whose serialization cost the serving thread ~100 ms a refresh).
   * The daemon uses its data dir, which clears `.tmp-*` leftovers at start.
   */
  readonly scratchDir?: string;
}


export function createWorkerZonePipeline(opts: WorkerPipelineOptions): ZonePipeline & { readonly lastTimings: StepTimings } {
  let lastTimings: StepTimings = {};
  const heapLimitMb = opts.heapLimitMb ?? 2048;
  return {
    layers: opts.files.layers,
    process: { heapLimitMb },
    get lastTimings() {
      return lastTimings;
    },
    async check(c: PipelineCandidate, at: number, previous?: Zone, via?: ChildProcess): Promise<CheckedZone> {
      const scratch = opts.scratchDir ?? tmpdir();
      let dir: string;
      try {
        dir = await mkdtemp(join(scratch, '.tmp-check-'));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new CheckError(`cannot make a scratch directory for the check in ${scratch} (${code}); make it writable, or set TMPDIR to a writable directory`, {}, { cause: err });
      }
      try {
        // A download is read where it lies; bytes in memory go by file, not over the IPC channel.
        const bytesPath = c.path ?? join(dir, 'candidate');
        const imagePath = join(dir, 'image');
        if (c.bytes !== undefined) await writeFile(bytesPath, c.bytes);
        let previousImagePath: string | undefined;
        if (previous !== undefined) {
          previousImagePath = join(dir, 'previous.image');
          await writeFile(previousImagePath, imageOf(previous).bytes);
        }
        const job: RefreshJob = {
          files: { layers: [...opts.files.layers], pgpKeys: [...opts.files.pgpKeys], trustAnchors: [...opts.files.trustAnchors] },
          allSignatures: opts.allSignatures ?? false,
          dnssec: opts.dnssec,
          origin: opts.origin?.toString(),
          maxRecords: opts.maxRecords,
          candidate: { signature: c.signature, source: c.source, pgpApplies: c.pgpApplies, ...(c.noSignature !== undefined ? { noSignature: c.noSignature } : {}) },
          bytesPath,
          at,
          previousImagePath,
          imagePath,
        };
        const m = await runWorker(job, opts, heapLimitMb, via?.usable === true && via.heapLimitMb === heapLimitMb ? via : undefined);
        lastTimings = m.timings;
        if (m.kind === 'failed') {
          if (m.operator) throw new CheckError(m.message, m.layers);
          throw new Error(`refresh worker: internal error: ${m.message}`);
        }
        return opened(m, fileBytes(await readFile(imagePath)));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The zone the worker built, opened from its image, with what changed attached. */
function opened(m: Extract<RefreshMessage, { kind: 'built' }>, image: Uint8Array): CheckedZone {
  const zone = zoneFromImage(new ZoneImage(image));
  if (m.change !== undefined) {
    const { fromSerial, deleted, added, report } = m.change;
    attachChange(zone, { fromSerial, diff: { deleted: decodeRecords(deleted), added: decodeRecords(added) }, report });
  }
  return { zone, serial: m.serial, layers: m.layers, signaturesExpireAt: m.signaturesExpireAt, image, imageSha256: m.imageSha256 };
}

type Result = Exclude<RefreshMessage, { kind: 'warning' }>;

function runWorker(job: RefreshJob, opts: WorkerPipelineOptions, heapLimitMb: number, via: ChildProcess | undefined): Promise<Result> {
  const o = {
    timeLimitMs: opts.timeLimitMs ?? 600_000,
    what: 'the check',
    isResult: (m: RefreshMessage): m is Result => m.kind !== 'warning',
    onOther: (m: RefreshMessage) => {
      if (m.kind === 'warning') opts.onWarning?.(m.text);
    },
  };
  return via !== undefined ? via.run<RefreshMessage, Result>(job, o) : runInChild<RefreshMessage, Result>(childEntry('refresh-worker.js'), job, { ...o, heapLimitMb });
}
