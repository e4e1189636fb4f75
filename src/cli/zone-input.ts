// A zone file named on the command line (`verify FILE`, `serve --zone-file`)
// and its detached OpenPGP signature beside it.

import { fileBytes } from '../bytes.js';
import { readFile } from 'node:fs/promises';

/** FILE.sig; for X.gz, X.sig (InterNIC signs the uncompressed file). */
export function defaultSignaturePath(file: string): string {
  return file.endsWith('.gz') ? `${file.slice(0, -3)}.sig` : `${file}.sig`;
}

/** The signature file: one named explicitly must exist; the default one may be absent (undefined). */
export async function readSignature(path: string, explicit: boolean): Promise<Uint8Array | undefined> {
  try {
    return fileBytes(await readFile(path));
  } catch (err) {
    if (explicit || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
}
