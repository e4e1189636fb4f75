// `serve` refuses a bad --pgp-key or --trust-anchors file before it binds
// anything (exit 78). Reading an OpenPGP key takes openpgp.js: ~20 MB resident
// and ~100 ms at every start, in a process that never checks a signature
// itself (each check runs in a child process, which reads the keys again).
// So a passed key check is remembered in the data dir: the same key files,
// byte for byte (sha256), checked by the same rootmirror and openpgp.js
// versions, passed before and pass again. Anything else (another file, a
// changed byte, an upgrade, no record, an unreadable one) means the full
// check, with its errors. The trust anchors are read by our own parser
// (~5 ms) and always checked.
//
// The record is only a shortcut for this one check: a forged record lets a
// bad key file pass start-up, and the first check (the start-time
// re-verification) then fails closed as it would at the next refresh.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPgpKeys } from '../verify/pgp.js';
import { loadTrustAnchors } from '../verify/trust-anchors.js';
import type { VerifierFiles } from '../verify/layer-verifiers.js';
import { writeFileAtomic } from './data-dir.js';

export const KEY_CHECK_FILE = 'pgp-keys-checked.json';
/** Bump when what loadPgpKeys accepts changes. */
const RECORD_VERSION = 1;

async function packageVersion(url: URL): Promise<string> {
  return (JSON.parse(await readFile(url, 'utf8')) as { version?: string }).version ?? '?';
}

/** What a passed check is remembered by, or undefined when a key file cannot be read (the full check says why). */
async function recordFor(pgpKeys: readonly string[]): Promise<string | undefined> {
  try {
    const files = await Promise.all(
      pgpKeys.map(async (file) => ({ file, sha256: createHash('sha256').update(await readFile(file)).digest('hex') })),
    );
    return JSON.stringify({
      version: RECORD_VERSION,
      rootmirror: await packageVersion(new URL('../../package.json', import.meta.url)),
      openpgp: await packageVersion(new URL('../../package.json', import.meta.resolve('openpgp'))),
      files,
    });
  } catch {
    return undefined;
  }
}

/** The outcome of checkVerifierFiles. */
export interface VerifierFilesChecked {
  /** The PGP key files were unchanged since they last passed: openpgp.js was not needed. */
  readonly pgpKeysRemembered: boolean;
  /** Remember a PGP key check that passed now; call it once the data dir exists and is ours. Never throws. */
  remember(): Promise<void>;
}

/**
 * Check the files the --verify layers need, as loadVerifiers would, skipping
 * the PGP key parse when a record in `dataDir` says these very files passed.
 * Throws what loadPgpKeys and loadTrustAnchors throw.
 */
export async function checkVerifierFiles(files: VerifierFiles, dataDir: string): Promise<VerifierFilesChecked> {
  const pgp = files.layers.includes('pgp') ? await checkPgpKeyFiles(files.pgpKeys, dataDir) : { remembered: false, record: undefined };
  if (files.layers.includes('dnssec')) await loadTrustAnchors(files.trustAnchors);
  return {
    pgpKeysRemembered: pgp.remembered,
    // Best effort: without a record the next start checks in full, as now.
    remember: async () => {
      if (!pgp.remembered && pgp.record !== undefined) await writeFileAtomic(dataDir, KEY_CHECK_FILE, pgp.record).catch(() => undefined);
    },
  };
}

async function checkPgpKeyFiles(pgpKeys: readonly string[], dataDir: string): Promise<{ remembered: boolean; record: string | undefined }> {
  const record = pgpKeys.length > 0 ? await recordFor(pgpKeys) : undefined;
  if (record !== undefined && (await readFile(join(dataDir, KEY_CHECK_FILE), 'utf8').catch(() => undefined)) === record) return { remembered: true, record };
  await loadPgpKeys(pgpKeys);
  return { remembered: false, record };
}
