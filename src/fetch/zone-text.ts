// Records received by AXFR written as a master file (one RR per line, absolute
// names, InterNIC-like layout), so an AXFR copy is stored, hashed and
// re-verified at start exactly like a downloaded one.

import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceRecord } from '../dns/record.js';
import { rdataToText } from '../dns/rdata.js';
import { classToString, typeToString } from '../dns/types.js';

export function recordToText(rr: ResourceRecord): string {
  return `${rr.name.toString()}\t${rr.ttl}\t${classToString(rr.class)}\t${typeToString(rr.type)}\t${rdataToText(rr.type, rr.rdata)}`;
}

/** Write records to `.tmp-<random>` in `dir` (fsynced); returns path, size and sha256. */
export async function writeZoneText(records: Iterable<ResourceRecord>, dir: string): Promise<{ path: string; bytes: number; sha256: string }> {
  const path = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  const fh = await open(path, 'wx', 0o644);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    let chunk: string[] = [];
    const flush = async (): Promise<void> => {
      const b = Buffer.from(chunk.join(''), 'utf8');
      chunk = [];
      hash.update(b);
      bytes += b.length;
      await fh.write(b);
    };
    for (const rr of records) {
      chunk.push(recordToText(rr), '\n');
      if (chunk.length >= 8192) await flush();
    }
    await flush();
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { path, bytes, sha256: hash.digest('hex') };
}
