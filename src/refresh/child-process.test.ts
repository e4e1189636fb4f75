import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, runInChild } from './child-process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-child-env-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('the environment of a child process', () => {
  it('is the daemon\'s without MALLOC_MMAP_THRESHOLD_ (a long-lived process\'s setting, a cost for a short-lived one)', () => {
    expect(childEnv({ PATH: '/bin', MALLOC_MMAP_THRESHOLD_: '131072', ROOTMIRROR_DNSSEC: 'keep' })).toEqual({ PATH: '/bin', ROOTMIRROR_DNSSEC: 'keep' });
  });

  it('a real child sees it so', async () => {
    const entry = join(dir, 'env-child.mjs');
    await writeFile(entry, "process.once('message', () => process.send({ malloc: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, path: process.env.PATH ?? null }, () => process.exit(0)));\n");
    const before = process.env.MALLOC_MMAP_THRESHOLD_;
    process.env.MALLOC_MMAP_THRESHOLD_ = '131072';
    try {
      const m = await runInChild<{ malloc: string | null; path: string | null }, { malloc: string | null; path: string | null }>(pathToFileURL(entry), {}, {
        heapLimitMb: 64,
        timeLimitMs: 10_000,
        what: 'the env probe',
        isResult: (_m): _m is { malloc: string | null; path: string | null } => true,
      });
      expect(m).toEqual({ malloc: null, path: process.env.PATH ?? null });
    } finally {
      if (before === undefined) delete process.env.MALLOC_MMAP_THRESHOLD_;
      else process.env.MALLOC_MMAP_THRESHOLD_ = before;
    }
  });
});
