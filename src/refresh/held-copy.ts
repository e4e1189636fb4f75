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
import type { DnssecMode } from '../zone/zone.js';
import { zoneFromImage } from '../zone/image-zone.js';
import { imageMeta, readImageFile, writeImageFile } from './image-file.js';

export interface HeldCopy {
  readonly slot: Slot;
  readonly meta: CopyMeta;
  readonly zone: Zone;
  readonly soaExpire: number;
}

export interface StoredCopies {
  /** The newest copy that re-verified, with its verdicts and the zone image the check wrote (if it wrote one). */
  readonly found: { readonly held: HeldCopy; readonly layers: LayerVerdicts; readonly image: Uint8Array | undefined; readonly imageSha256: string | undefined } | undefined;
  /** One line per ignored copy. */
  readonly problems: readonly string[];
  /** `current/` is there but unusable: the next commit drops it and keeps `previous/`. */
  readonly currentIsBad: boolean;
}

/** Re-verify the stored copies (of `slots`), newest first, as of `at`; stop at the first that passes. */
export async function findStoredCopy(dd: DataDir, pipeline: ZonePipeline, at: number, log: Logger, slots: readonly Slot[] = SLOTS): Promise<StoredCopies> {
  const problems: string[] = [];
  let currentIsBad = false;
  for (const slot of slots) {
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
      const checked = await pipeline.check({ path: copy.zonePath, signature: copy.signature, source: copy.meta.source, pgpApplies }, at);
      if (checked.serial !== copy.meta.serial) throw new Error(`zone serial ${checked.serial} differs from meta.json serial ${copy.meta.serial}`);
      const held = { slot, meta: copy.meta, zone: checked.zone, soaExpire: decodeSoa(checked.zone.soa.rdata).expire };
      return { found: { held, layers: checked.layers, image: checked.image, imageSha256: checked.imageSha256 }, problems, currentIsBad };
    } catch (err) {
      problems.push(`${slot}: does not re-verify: ${(err as Error).message}`);
      log.error(`data dir: ${slot} copy does not re-verify; ignored, not served`, { error: err });
      if (slot === 'current') currentIsBad = true;
    }
  }
  return { found: undefined, problems, currentIsBad };
}

/**
 * The current copy, opened from its stored image (image-file.ts) so it can
 * be served at once: only meta.json and the image are read (the image checked
 * against meta.json's sha256); the copy itself is read, checked against its
 * sha256 and re-verified by the caller next, after the image is served.
 * Undefined (with the reason logged) when there is no usable image: the
 * caller then verifies and builds the copy first, as findStoredCopy does.
 */
export async function openStoredImage(dd: DataDir, dnssec: DnssecMode, log: Logger): Promise<HeldCopy | undefined> {
  let meta: CopyMeta;
  try {
    meta = await dd.readMeta('current');
  } catch {
    return undefined; // findStoredCopy reads it again and says why
  }
  const opened = await readImageFile(dd.slotDir('current'), meta, dnssec);
  if ('unusable' in opened) {
    log.info('data dir: current copy has no usable zone image; verifying and building it before serving', { reason: opened.unusable });
    return undefined;
  }
  const zone = zoneFromImage(opened.image);
  return { slot: 'current', meta, zone, soaExpire: decodeSoa(zone.soa.rdata).expire };
}

/** Store the image a check wrote beside the copy it checked, for the next start. A failure costs only that start's speed. */
export async function storeImage(dd: DataDir, held: HeldCopy, image: Uint8Array, log: Logger, sha256?: string): Promise<CopyMeta> {
  const meta: CopyMeta = { ...held.meta, image: imageMeta(image, held.zone.dnssec, sha256) };
  try {
    await writeImageFile(dd.slotDir(held.slot), image);
    await dd.updateMeta(held.slot, meta);
    return meta;
  } catch (err) {
    log.warn(`data dir: could not store the zone image of the ${held.slot} copy; the next start verifies it before serving`, { error: err });
    return held.meta;
  }
}
