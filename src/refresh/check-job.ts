// One check job, as the refresh's child process runs it (refresh-worker.ts, or
// the download child going on with what it downloaded, download-child.ts):
// load the verifiers from their files, verify, parse and build the candidate
// (verify/candidate.ts), write the zone image (zone/image-writer.ts) and what
// changed from the served zone's image (zone/image-change.ts). The image goes
// back by file; everything else the check allocated goes with the process.

import { fileBytes } from '../bytes.js';
import { readFile, writeFile } from 'node:fs/promises';
import { Name } from '../dns/name.js';
import { OperatorError } from '../errors.js';
import { CheckError, verifyCandidate, type Candidate, type StepTimings } from '../verify/candidate.js';
import { loadVerifiers, type VerifierFiles } from '../verify/layer-verifiers.js';
import { writeImage } from '../zone/image-writer.js';
import { imageDigest } from './image-file.js';
import type { DnssecMode } from '../zone/zone.js';
import type { ChangeReport } from '../zone/change-report.js';
import { ZoneImage } from '../zone/image.js';
import { encodeRecords } from '../zone/record-wire.js';
import { imageChange } from '../zone/image-change.js';

/** What the worker is started with (structured-cloned). */
export interface RefreshJob {
  readonly files: VerifierFiles;
  readonly allSignatures: boolean;
  readonly dnssec: DnssecMode;
  /** Presentation form; undefined: the zone's own SOA owner. */
  readonly origin: string | undefined;
  readonly maxRecords: number | undefined;
  /** The candidate, its bytes in the file `bytesPath` (big data goes by file, not over the IPC channel). */
  readonly candidate: Omit<Candidate, 'bytes'>;
  readonly bytesPath: string;
  readonly at: number;
  /** A file holding the image of the zone being served, to compute what changed (zone/zone-change.ts). */
  readonly previousImagePath: string | undefined;
  /** Where to write the new zone's image. */
  readonly imagePath: string;
}

/** A ZoneChange as it crosses threads: the difference's records in wire form (record-wire.ts). */
export interface ChangeMessage {
  readonly fromSerial: number;
  readonly deleted: Uint8Array;
  readonly added: Uint8Array;
  readonly report: ChangeReport;
}

/** What it posts back: warnings as they come, then one result. */
export type RefreshMessage =
  | { readonly kind: 'warning'; readonly text: string }
  | {
      readonly kind: 'built';
      /** The image was written to the job's imagePath; its sha256 (hex). */
      readonly imageSha256: string;
      readonly serial: number;
      readonly layers: CheckErrorLayers;
      readonly signaturesExpireAt: number | undefined;
      readonly timings: StepTimings;
      readonly change: ChangeMessage | undefined;
    }
  | { readonly kind: 'failed'; readonly message: string; readonly operator: boolean; readonly layers: CheckErrorLayers; readonly timings: StepTimings };

type CheckErrorLayers = CheckError['layers'];

/** Run one check job; never throws (a failure is a `failed` message). */
export async function runCheck(job: RefreshJob): Promise<RefreshMessage> {
  const timings: StepTimings = {};
  try {
    const verifiers = await loadVerifiers(job.files, { allSignatures: job.allSignatures });
    const candidate: Candidate = { ...job.candidate, bytes: fileBytes(await readFile(job.bytesPath)) };
    const checked = await verifyCandidate(candidate, job.at, {
      layers: job.files.layers,
      dnssec: job.dnssec,
      verifiers,
      timings,
      ...(job.origin !== undefined ? { origin: Name.fromText(job.origin) } : {}),
      ...(job.maxRecords !== undefined ? { maxRecords: job.maxRecords } : {}),
      onWarning: (text) => process.send?.({ kind: 'warning', text } satisfies RefreshMessage),
    });
    const t0 = performance.now();
    const image = writeImage(checked.zone);
    await writeFile(job.imagePath, image);
    const imageSha256 = imageDigest(image);
    timings.image = performance.now() - t0;
    const previous = job.previousImagePath === undefined ? undefined : fileBytes(await readFile(job.previousImagePath));
    return { kind: 'built', imageSha256, serial: checked.serial, layers: checked.layers, signaturesExpireAt: checked.signaturesExpireAt, timings, change: changeFrom(previous, image, timings) };
  } catch (err) {
    const operator = err instanceof OperatorError;
    const message = operator ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { kind: 'failed', message, operator, layers: err instanceof CheckError ? err.layers : {}, timings };
  }
}

/** What changed from the served zone, if one was given and its image opens (else the swap's readers compute it). */
function changeFrom(previousImage: Uint8Array | undefined, image: Uint8Array, timings: StepTimings): ChangeMessage | undefined {
  if (previousImage === undefined) return undefined;
  const t0 = performance.now();
  try {
    const c = imageChange(new ZoneImage(previousImage), new ZoneImage(image));
    return { fromSerial: c.fromSerial, deleted: encodeRecords(c.diff.deleted), added: encodeRecords(c.diff.added), report: c.report };
  } catch {
    return undefined;
  } finally {
    timings.change = performance.now() - t0;
  }
}

