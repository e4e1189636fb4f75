// The TSIG keys of `--tsig-key FILE` (repeatable; each file BIND-style, one or
// more keys, as tsig-keygen writes it) and the check that every
// `axfr://HOST?tsig=NAME` source names one of them. Read at start-up step 2
// (src/cli/serve-process.ts), before the data dir or any socket: a key the
// transfer cannot use is a configuration error (exit 78), not a failed refresh
// found half an hour later.

import { readFile } from 'node:fs/promises';
import { TsigKeyFileError, TsigKeyring, parseTsigKeys, type TsigKey } from '../dns/tsig-keys.js';
import { ConfigError } from '../errors.js';
import type { Source } from '../fetch/source.js';

/** Read and parse every key file, then check the sources' `?tsig=` names against them. ConfigError (exit 78) on any problem. */
export async function readTsigKeyFiles(files: readonly string[], sources: readonly Source[]): Promise<TsigKeyring> {
  const keys: TsigKey[] = [];
  const fileOf = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new ConfigError(`--tsig-key ${file}: cannot read it (${code}); check the path and its permissions`, { cause: e });
    }
    let ring: TsigKeyring;
    try {
      ring = parseTsigKeys(text, file);
    } catch (e) {
      if (e instanceof TsigKeyFileError) throw new ConfigError(`--tsig-key ${e.message}`, { cause: e });
      throw e;
    }
    for (const key of ring.keys()) {
      const first = fileOf.get(key.name.key);
      // Two secrets for one name: which one a transfer uses must not depend on option order.
      if (first !== undefined) throw new ConfigError(`--tsig-key: key "${key.name.toString()}" is in both ${first} and ${file}; keep it in one file`);
      fileOf.set(key.name.key, file);
      keys.push(key);
    }
  }
  const ring = new TsigKeyring(keys);
  for (const source of sources) {
    if (source.tsigKey === undefined) continue;
    const name = source.tsigKey.toString();
    if (files.length === 0) throw new ConfigError(`--source ${source.display}: tsig=${name}: no --tsig-key file given; add --tsig-key FILE holding key "${name}"`);
    if (ring.get(source.tsigKey) === undefined) {
      const held = ring.keys().map((k) => k.name.toString()).join(', ');
      throw new ConfigError(`--source ${source.display}: tsig=${name}: no such key in --tsig-key ${files.join(', ')} (it holds ${held}); fix the name or add the key`);
    }
  }
  return ring;
}
