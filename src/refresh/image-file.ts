// The zone image stored beside a verified copy (data-dir.ts IMAGE_FILE), so a
// restart answers at once: the image is opened (zone/image.ts) instead of
// parsing, verifying and building the copy before the first answer; the full
// re-verification of the copy follows aside (refresher.ts). The image is used
// only when everything about it matches what meta.json recorded when the
// copy was committed: its sha256 and size, the image format version, the
// --dnssec mode, the serial. Anything else — missing, corrupt, truncated, an
// older rootmirror's, another mode's — is not an error, only a slower start:
// the copy is verified and built as before and a new image is stored.

import { fileBytes } from '../bytes.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSION } from '../zone/image-format.js';
import { ZoneImage } from '../zone/image.js';
import type { DnssecMode } from '../zone/zone.js';
import { IMAGE_FILE, writeFileAtomic, type CopyMeta, type ImageMeta } from './data-dir.js';

/** `sha256`: the image's, when known already (the check's process computes it). */
export function imageMeta(image: Uint8Array, dnssec: DnssecMode, sha256?: string): ImageMeta {
  return { sha256: sha256 ?? imageDigest(image), bytes: image.length, version: VERSION, dnssec };
}

export function imageDigest(image: Uint8Array): string {
  return createHash('sha256').update(image).digest('hex');
}

export async function writeImageFile(slotDir: string, image: Uint8Array): Promise<void> {
  await writeFileAtomic(slotDir, IMAGE_FILE, image);
}

/** The stored image of the copy in `slotDir` whose meta.json is `meta`, opened; or why it cannot be used. */
export async function readImageFile(slotDir: string, meta: CopyMeta, dnssec: DnssecMode): Promise<{ image: ZoneImage } | { unusable: string }> {
  const m = meta.image;
  if (m === undefined) return { unusable: 'no image stored with this copy' };
  if (m.version !== VERSION) return { unusable: `image format version ${m.version}, this rootmirror reads ${VERSION}` };
  if (m.dnssec !== dnssec) return { unusable: `image built for --dnssec ${m.dnssec}, serving --dnssec ${dnssec}` };
  let bytes: Uint8Array;
  try {
    bytes = fileBytes(await readFile(join(slotDir, IMAGE_FILE)));
  } catch (err) {
    return { unusable: `cannot read ${IMAGE_FILE} (${(err as NodeJS.ErrnoException).code ?? err})` };
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== m.bytes || sha !== m.sha256) return { unusable: `${IMAGE_FILE} is corrupt: sha256 ${sha} (${bytes.length} octets), meta.json says ${m.sha256} (${m.bytes})` };
  let image: ZoneImage;
  try {
    image = new ZoneImage(bytes);
  } catch (err) {
    return { unusable: (err as Error).message };
  }
  if (image.serial !== meta.serial) return { unusable: `image holds serial ${image.serial}, the copy ${meta.serial}` };
  return { image };
}
