// What the data dir records about a copy (meta.json): for a new verified copy
// before it is committed (renamed into current/, the old one kept as
// previous/), and for a held copy a source confirmed current.

import type { CheckedZone } from '../verify/candidate.js';
import type { FetchedFile } from '../fetch/http.js';
import type { CopyMeta } from './data-dir.js';
import { sameSource } from './same-source.js';

/** meta.json of a new copy from `source`, verified at `now`. */
export function newCopyMeta(source: string, file: FetchedFile, signature: Uint8Array | undefined, checked: CheckedZone, now: number): CopyMeta {
  const iso = new Date(now).toISOString();
  return {
    version: 1,
    serial: checked.serial,
    source,
    fetchedAt: iso,
    confirmedAt: iso,
    etag: file.etag,
    lastModified: file.lastModified,
    sha256: file.sha256,
    bytes: file.bytes,
    hasSignature: signature !== undefined,
    signaturesExpireAt: checked.signaturesExpireAt === undefined ? undefined : new Date(checked.signaturesExpireAt).toISOString(),
    layers: checked.layers,
  };
}

/** The held copy's meta.json once `source` confirmed it at `now`; its HTTP validators are the newest when it came from that source. */
export function confirmedMeta(held: CopyMeta, source: string, now: number, validators?: { etag: string | undefined; lastModified: string | undefined }): CopyMeta {
  return {
    ...held,
    confirmedAt: new Date(now).toISOString(),
    ...(validators !== undefined && sameSource(held.source, source) ? { etag: validators.etag ?? held.etag, lastModified: validators.lastModified ?? held.lastModified } : {}),
  };
}
