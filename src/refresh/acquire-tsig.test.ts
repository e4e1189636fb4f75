// The acquire step with `axfr://HOST?tsig=NAME` against real NSD on loopback,
// which gives the zone `locked.` only to requests signed with xfr-key: the
// key loaded by --tsig-key reaches both the SOA check and the transfer. NSD
// also answers queries for `locked.` (the SOA check) only when signed. Each
// case runs in this process and, as the daemon runs it, in a download child
// (download-child.ts): same file, same answers, same errors.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { parseSource } from '../fetch/source.js';
import { findProgram, freePort, type Daemon } from '../../test/helpers/processes.js';
import { Acquisition, type AcquireOptions } from './acquire.js';
import type { CopyMeta } from './data-dir.js';
import { readTsigKeyFiles } from './tsig-key-files.js';
import { nsdKeyConf, startNsd } from '../../test/helpers/nsd.js';

const NSD = findProgram('nsd');
const KEYGEN = findProgram('tsig-keygen');
const SERIAL = 2026010101;

describe.skipIf(!NSD || !KEYGEN)('acquire from an AXFR source that requires a TSIG key (NSD)', () => {
  let dir: string;
  let port: number;
  let nsd: Daemon | undefined;
  let keyFile: string;
  const locked = Name.fromText('locked.');
  const options = async (sourceText: string, inChild: boolean): Promise<AcquireOptions> => ({
    dir,
    ...(inChild ? { downloadInChild: true, checkProcess: { heapLimitMb: 256 } } : {}),
    fetchTimeoutMs: 10_000,
    // NSD drops unsigned queries (allow-query): an unsigned SOA check would wait this long, then fail.
    axfr: { zone: locked, idleTimeoutMs: 2000 },
    tsigKeys: await readTsigKeyFiles([keyFile], [parseSource(sourceText)]),
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rootmirror-acquire-tsig-'));
    keyFile = join(dir, 'xfr.key');
    // The file an operator would give --tsig-key: tsig-keygen's output, as is.
    writeFileSync(keyFile, execFileSync(KEYGEN!, ['-a', 'hmac-sha256', 'xfr-key.'], { encoding: 'utf8' }));
    const secret = /secret "([^"]+)"/.exec(readFileSync(keyFile, 'utf8'))![1]!;
    writeFileSync(
      join(dir, 'locked.zone'),
      ['$ORIGIN locked.', '$TTL 3600', `@ SOA ns.locked. hostmaster.locked. ${SERIAL} 3600 900 604800 300`, '@ NS ns.locked.', 'ns A 192.0.2.1', 'www A 192.0.2.80', ''].join('\n'),
    );
    port = await freePort('127.0.0.1');
    nsd = await startNsd(NSD!, dir, port, nsdKeyConf('xfr-key.', 'hmac-sha256', secret) +
      `zone:
  name: "locked."
  zonefile: "locked.zone"
  provide-xfr: 127.0.0.1 xfr-key.
  allow-query: 127.0.0.1 xfr-key.
`);
  }, 30_000);

  afterAll(async () => {
    await nsd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const inChild of [false, true]) {
    const where = inChild ? 'in a download child' : 'in this process';
    it(`${where}: ?tsig=xfr-key: the transfer is signed with the --tsig-key key and taken`, async () => {
      const url = `axfr://127.0.0.1:${port}?tsig=xfr-key`;
      const acquisition = new Acquisition(parseSource(url), await options(url, inChild));
      const got = await acquisition.zone(undefined);
      expect(got.kind).toBe('file');
      // In a child, that child stays for the check of the copy: the transfer was its.
      const child = acquisition.takeChild();
      expect(child !== undefined).toBe(inChild);
      child?.close();
      if (got.kind !== 'file') return;
      const text = readFileSync(got.path, 'utf8');
      expect(text).toMatch(/^www\.locked\.\s+3600\s+IN\s+A\s+192\.0\.2\.80$/m);
      expect(text).toContain(String(SERIAL));
    });

    it(`${where}: ?tsig=xfr-key with the held copy from the same source: the signed SOA check says it is current`, async () => {
      const url = `axfr://127.0.0.1:${port}?tsig=xfr-key`;
      const held = { source: url, serial: SERIAL } as CopyMeta;
      const got = await new Acquisition(parseSource(url), await options(url, inChild)).zone(held);
      expect(got).toEqual({ kind: 'not-modified', reason: `SOA serial ${SERIAL} unchanged at ${url}` });
    });

    it(`${where}: no ?tsig=: NSD refuses, and the error says to give a key`, async () => {
      const url = `axfr://127.0.0.1:${port}`;
      await expect(new Acquisition(parseSource(url), await options(url, inChild)).zone(undefined)).rejects.toThrow(/REFUSED.*not TSIG-signed: if the server requires a key, give one/);
    });
  }
});
