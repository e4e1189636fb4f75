// What the refresher needs from verification and zone building, as one
// injectable step: the production one calls verifyCandidate (src/verify/
// candidate.ts); tests inject their own (test/refresh-kit.ts pgpPipeline), so
// the refresher's policies (single flight, rollback, same-serial alarm,
// storage, swap) are testable on their own.

import { Name } from '../dns/name.js';
import { readFile } from 'node:fs/promises';
import { fileBytes } from '../bytes.js';
import { verifyCandidate, type Candidate, type CheckedZone, type StepTimings } from '../verify/candidate.js';
import type { LayerVerifiers } from '../verify/layer-verifiers.js';
import type { Layer } from '../verify/verdict.js';
import type { DnssecMode, Zone } from '../zone/zone.js';
import type { ChildProcess } from './child-process.js';

/**
 * A candidate as a pipeline takes it: its bytes, or the file that holds them
 * (a finished download in the data dir). A pipeline in another process reads
 * the file there, so the serving process never holds the copy.
 */
export type PipelineCandidate = Omit<Candidate, 'bytes'> & ({ readonly bytes: Uint8Array; readonly path?: undefined } | { readonly path: string; readonly bytes?: undefined });

/** The candidate's bytes, read from its file if that is how it came (a pipeline that checks in this process). */
export async function candidateBytes(c: PipelineCandidate): Promise<Candidate> {
  return c.bytes !== undefined ? (c as Candidate) : { ...c, bytes: fileBytes(await readFile(c.path)) };
}

export interface ZonePipeline {
  /** The layers this pipeline requires (from `--verify`). */
  readonly layers: readonly Layer[];
  /** Checks run in child processes started so (worker-pipeline.ts); a download child can be one (acquire.ts). */
  readonly process?: { readonly heapLimitMb: number };
  /**
   * Verify, parse and build `c` as of time `at` (ms). Throws CheckError (or
   * ParseError/ZoneCheckError). `previous`: the zone the result would replace,
   * so what changed can be computed aside (zone/zone-change.ts), if the
   * pipeline does that. `via`: a child process started as `process` asks,
   * waiting to run the check (the one that downloaded `c`), used if usable.
   */
  check(c: PipelineCandidate, at: number, previous?: Zone, via?: ChildProcess): Promise<CheckedZone>;
}

export interface ZonePipelineOptions {
  readonly layers: readonly Layer[];
  readonly dnssec: DnssecMode;
  readonly verifiers: LayerVerifiers;
  /** Default the root. */
  readonly origin?: Name;
  /** Refuse a zone with more records than this while parsing (--max-records). */
  readonly maxRecords?: number;
  /** What the parser accepted but the operator should hear about, one line each. */
  readonly onWarning?: (warning: string) => void;
}

export function createZonePipeline(opts: ZonePipelineOptions): ZonePipeline & { readonly lastTimings: StepTimings } {
  const origin = opts.origin ?? Name.root;
  let lastTimings: StepTimings = {};
  return {
    layers: opts.layers,
    /** Per-step wall time of the last check (ms), for logs and bench/refresh.mjs. */
    get lastTimings() {
      return lastTimings;
    },
    async check(c: PipelineCandidate, at: number): Promise<CheckedZone> {
      lastTimings = {};
      return verifyCandidate(await candidateBytes(c), at, { ...opts, origin, timings: lastTimings });
    },
  };
}
