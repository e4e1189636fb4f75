// The download child stays for the check of what it downloaded (acquire.ts
// checkProcess, takeChild): one Node start and exit fewer per refresh. The
// check gives there what it gives in a child of its own, failures included;
// a child that is not taken, or not needed, does not linger.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../test/helpers/processes.js';
import { FixtureServer, zoneText } from '../../test/refresh-kit.js';
import { fileBytes } from '../bytes.js';
import { FetchError } from '../fetch/errors.js';
import { parseSource } from '../fetch/source.js';
import { Acquisition } from './acquire.js';
import type { ChildProcess } from './child-process.js';
import { createWorkerZonePipeline } from './worker-pipeline.js';

const GOOD = zoneText(7);
// No NS at the apex: parses, then fails the zone checks.
const BAD = new TextEncoder().encode('.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 8 1800 900 604800 86400\n');
let srv: FixtureServer;
let base: string;
let dir: string;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-check-in-download-'));
  srv = await new FixtureServer().start();
  srv.file('/good/root.zone', GOOD);
  srv.file('/bad/root.zone', BAD);
  base = srv.base;
});
afterAll(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

const pipeline = () => createWorkerZonePipeline({ files: { layers: [], pgpKeys: [], trustAnchors: [] }, dnssec: 'strip', scratchDir: dir });
const acquisition = (path: string, checkProcess: { heapLimitMb: number } | undefined) =>
  new Acquisition(parseSource(base + path), { dir, fetchTimeoutMs: 10_000, downloadInChild: true, ...(checkProcess !== undefined ? { checkProcess } : {}) });

/** Resolves when the child has exited; fails the test if it is still running after 10 s. */
function exitOf(c: ChildProcess): Promise<'exited'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), 10_000)));
  return Promise.race([c.exited.then(() => 'exited' as const), late]).finally(() => clearTimeout(timer)) as Promise<'exited'>;
}

async function downloaded(a: Acquisition): Promise<Uint8Array> {
  const z = await a.zone(undefined);
  if (z.kind !== 'file') throw new Error(`expected a file, got ${z.kind}`);
  const bytes = fileBytes(await readFile(z.path));
  await rm(z.path, { force: true });
  return bytes;
}

describe('the download child stays for the check', () => {
  it('runs the check of what it downloaded, once, then exits by itself', async () => {
    const p = pipeline();
    const a = acquisition('/good/root.zone', p.process);
    const bytes = await downloaded(a);
    const child = a.takeChild();
    expect(child?.usable).toBe(true);
    expect(a.takeChild()).toBeUndefined();
    const checked = await p.check({ bytes, signature: undefined, source: 'test', pgpApplies: false }, Date.now(), undefined, child);
    expect(checked.serial).toBe(7);
    expect(checked.image?.length).toBeGreaterThan(0);
    // Nobody closed it: it exited because it ran the check (a child left waiting would still be running).
    expect(await exitOf(child!)).toBe('exited');
  });

  it('a failed check there fails as in a child of its own', async () => {
    const p = pipeline();
    const own = await p.check({ bytes: BAD, signature: undefined, source: 'test', pgpApplies: false }, Date.now()).catch((e: Error) => `${e.name}: ${e.message}`);
    const a = acquisition('/bad/root.zone', p.process);
    const bytes = await downloaded(a);
    const child = a.takeChild();
    const there = await p.check({ bytes, signature: undefined, source: 'test', pgpApplies: false }, Date.now(), undefined, child).catch((e: Error) => `${e.name}: ${e.message}`);
    expect(own).toMatch(/^CheckError: zone \. refused: 1 problem/);
    expect(there).toBe(own);
    expect(await exitOf(child!)).toBe('exited');
  });

  it('a child not used for a check exits when let go', async () => {
    const a = acquisition('/good/root.zone', pipeline().process);
    await downloaded(a);
    const child = a.takeChild()!;
    child.close();
    expect(await exitOf(child)).toBe('exited');
    expect(child.usable).toBe(false);
  });

  it('no child stays after a failed download, nor without a check process to be', async () => {
    const failed = acquisition('/missing/root.zone', pipeline().process);
    await expect(failed.zone(undefined)).rejects.toBeInstanceOf(FetchError);
    expect(failed.takeChild()).toBeUndefined();
    const plain = acquisition('/good/root.zone', undefined);
    await downloaded(plain);
    expect(plain.takeChild()).toBeUndefined();
  });
});
