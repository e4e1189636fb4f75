// Downloads in a child process (download-child.ts) give what the in-process
// download gives: the same file, the same signature, the same one-line errors
// (FetchError with its code), the same deadline message.

import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../test/helpers/processes.js';
import { FetchError } from '../fetch/errors.js';
import { parseSource } from '../fetch/source.js';
import { Acquisition } from './acquire.js';

const ZONE = '.\t86400\tIN\tSOA\ta. b. 1 2 3 4 5\n';
let srv: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-acquire-child-'));
  srv = createServer((req, res) => {
    if (req.url === '/root.zone') return res.end(ZONE);
    if (req.url === '/root.zone.sig') return res.end('SIG');
    if (req.url === '/nosig/root.zone') return res.end(ZONE);
    if (req.url === '/drip/root.zone') {
      res.write('.');
      return; // never ends
    }
    res.statusCode = 404;
    res.end('no');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const a = srv.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
});
afterAll(async () => {
  srv.closeAllConnections();
  await new Promise((r) => srv.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function both(path: string, fetchTimeoutMs = 5000): Promise<[unknown, unknown]> {
  const attempt = async (downloadInChild: boolean): Promise<unknown> => {
    const a = new Acquisition(parseSource(base + path), { dir, fetchTimeoutMs, downloadInChild, wantSignature: true });
    try {
      const z = await a.zone(undefined);
      if (z.kind !== 'file') return z;
      const sig = await a.signature(z.url);
      return { text: await readFile(z.path, 'utf8'), sha256: z.sha256, sig: sig.ok ? Buffer.from(sig.signature).toString() : sig.reason };
    } catch (e) {
      return { error: e instanceof FetchError ? `FetchError ${e.code}: ${e.message}` : String(e) };
    }
  };
  return [await attempt(false), await attempt(true)];
}

describe('a download in a child process', () => {
  it('gives the same file and signature', async () => {
    const [inProcess, child] = await both('/root.zone');
    expect(child).toEqual(inProcess);
    expect(child).toMatchObject({ text: ZONE, sig: 'SIG' });
  });

  it('the same signature failure (fail closed)', async () => {
    const [inProcess, child] = await both('/nosig/root.zone');
    expect(child).toEqual(inProcess);
    expect((child as { sig: string }).sig).toMatch(/no signature from .*404.*PGP is required/);
  });

  it('the same FetchError for a 404 and for a body that never ends (--fetch-timeout)', async () => {
    const [a, b] = await both('/missing/root.zone');
    expect(b).toEqual(a);
    expect((b as { error: string }).error).toMatch(/^FetchError /);
    const [c, d] = await both('/drip/root.zone', 1000);
    expect(d).toEqual(c);
    expect((d as { error: string }).error).toMatch(/did not finish within 1s \(--fetch-timeout\)/);
  });
});
