// The refresh worker: one worker_threads worker per check (worker-pipeline.ts
// starts it). It loads the verifiers from their files, verifies, parses and
// builds the candidate (verify/candidate.ts), writes the zone image
// (zone/image-writer.ts) and hands the image back by transfer, no copy. Then
// it ends, and its heap — the parsed records, the built zone, everything the
// check allocated — goes with it: the serving thread never holds any of it.

import { parentPort, workerData } from 'node:worker_threads';
import { Name } from '../dns/name.js';
import { OperatorError } from '../errors.js';
import { CheckError, verifyCandidate, type Candidate, type StepTimings } from '../verify/candidate.js';
import { loadVerifiers, type VerifierFiles } from '../verify/layer-verifiers.js';
import { writeImage } from '../zone/image-writer.js';
import type { DnssecMode } from '../zone/zone.js';

/** What the worker is started with (structured-cloned). */
export interface RefreshJob {
  readonly files: VerifierFiles;
  readonly allSignatures: boolean;
  readonly dnssec: DnssecMode;
  /** Presentation form; undefined: the zone's own SOA owner. */
  readonly origin: string | undefined;
  readonly maxRecords: number | undefined;
  readonly candidate: Candidate;
  readonly at: number;
}

/** What it posts back: warnings as they come, then one result. */
export type RefreshMessage =
  | { readonly kind: 'warning'; readonly text: string }
  | {
      readonly kind: 'built';
      readonly image: ArrayBuffer;
      readonly serial: number;
      readonly layers: CheckErrorLayers;
      readonly signaturesExpireAt: number | undefined;
      readonly timings: StepTimings;
    }
  | { readonly kind: 'failed'; readonly message: string; readonly operator: boolean; readonly layers: CheckErrorLayers; readonly timings: StepTimings };

type CheckErrorLayers = CheckError['layers'];

async function run(job: RefreshJob): Promise<RefreshMessage> {
  const timings: StepTimings = {};
  try {
    const verifiers = await loadVerifiers(job.files, { allSignatures: job.allSignatures });
    const checked = await verifyCandidate(job.candidate, job.at, {
      layers: job.files.layers,
      dnssec: job.dnssec,
      verifiers,
      timings,
      ...(job.origin !== undefined ? { origin: Name.fromText(job.origin) } : {}),
      ...(job.maxRecords !== undefined ? { maxRecords: job.maxRecords } : {}),
      onWarning: (text) => parentPort!.postMessage({ kind: 'warning', text } satisfies RefreshMessage),
    });
    const t0 = performance.now();
    const bytes = writeImage(checked.zone);
    timings.image = performance.now() - t0;
    const image = bytes.buffer.byteLength === bytes.length ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
    return { kind: 'built', image, serial: checked.serial, layers: checked.layers, signaturesExpireAt: checked.signaturesExpireAt, timings };
  } catch (err) {
    const operator = err instanceof OperatorError;
    const message = operator ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { kind: 'failed', message, operator, layers: err instanceof CheckError ? err.layers : {}, timings };
  }
}

if (parentPort !== null) {
  const result = await run(workerData as RefreshJob);
  parentPort.postMessage(result, result.kind === 'built' ? [result.image] : []);
}
