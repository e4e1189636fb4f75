// The copy the refresher holds (verified, stored in the data dir), and how it
// is found at start: the newest stored copy that re-verifies. Corrupt or
// unverifiable copies are reported and ignored, never served.

import type { Logger } from '../log.js';
import { parseSource } from '../fetch/source.js';
import type { Zone } from '../zone/zone.js';
import { DataDirError, SLOTS, type CopyMeta, type DataDir, type Slot } from './data-dir.js';
import { decodeSoa } from '../dns/rdata/soa.js';
import type { ZonePipeline } from './zone-pipeline.js';
import type { LayerVerdicts } from '../verify/verdict.js';

export interface HeldCopy {
  readonly slot: Slot;
  readonly meta: CopyMeta;
  readonly zone: Zone;
  readonly soaExpire: number;
}

export interface StoredCopies {
  /** The newest copy that re-verified, with its verdicts. */
  readonly found: { readonly held: HeldCopy; readonly layers: LayerVerdicts } | undefined;
  /** One line per ignored copy. */
  readonly problems: readonly string[];
  /** `current/` is there but unusable: the next commit drops it and keeps `previous/`. */
  readonly currentIsBad: boolean;
}

/** Re-verify the stored copies, newest first, as of `at`; stop at the first that passes. */
export async function findStoredCopy(dd: DataDir, pipeline: ZonePipeline, at: number, log: Logger): Promise<StoredCopies> {
  const problems: string[] = [];
  let currentIsBad = false;
  for (const slot of SLOTS) {
    let copy;
    try {
      copy = await dd.read(slot);
    } catch (err) {
      const missing = err instanceof DataDirError && err.kind === 'missing';
      if (!missing) {
        problems.push(`${slot}: ${(err as Error).message}`);
        log.error(`data dir: ${slot} copy ignored`, { error: err });
      }
      if (slot === 'current') currentIsBad = !missing;
      continue;
    }
    try {
      const pgpApplies = parseSource(copy.meta.source).kind === 'http';
      const checked = await pipeline.check({ bytes: copy.zone, signature: copy.signature, source: copy.meta.source, pgpApplies }, at);
      if (checked.serial !== copy.meta.serial) throw new Error(`zone serial ${checked.serial} differs from meta.json serial ${copy.meta.serial}`);
      const held = { slot, meta: copy.meta, zone: checked.zone, soaExpire: decodeSoa(checked.zone.soa.rdata).expire };
      return { found: { held, layers: checked.layers }, problems, currentIsBad };
    } catch (err) {
      problems.push(`${slot}: does not re-verify: ${(err as Error).message}`);
      log.error(`data dir: ${slot} copy does not re-verify; ignored, not served`, { error: err });
      if (slot === 'current') currentIsBad = true;
    }
  }
  return { found: undefined, problems, currentIsBad };
}
