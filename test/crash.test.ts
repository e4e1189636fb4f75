// Crash safety: SIGKILL a process that refreshes in a loop, at random points,
// many times; after every kill the data dir, exactly as the dead process left
// it, must hold a copy that verifies and is at least as new as the last copy
// the process reported committed. The next process must start from it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDir, SLOTS } from '../src/refresh/data-dir.js';
import { FixtureServer, makeKey, pgpPipeline, sign, zoneText, type TestKey } from './refresh-kit.js';

const KILLS = 60;
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1e9);
const BASE_SERIAL = 2026110100;

let key: TestKey;
let srv: FixtureServer;
let work: string;
let childJs: string;
let keyFile: string;

beforeAll(async () => {
  key = await makeKey();
  srv = await new FixtureServer().start();
  let serial = BASE_SERIAL;
  let latestSig = new Uint8Array();
  srv.routes.set('/root.zone', (_req, res) => {
    const bytes = zoneText(serial++, { filler: 100 });
    void sign(key, bytes).then((sig) => {
      latestSig = sig;
      res.writeHead(200, { 'content-length': bytes.length });
      res.end(bytes);
    });
  });
  srv.routes.set('/root.zone.sig', (_req, res) => res.end(latestSig));
  work = await mkdtemp(join(tmpdir(), 'rootmirror-crash-'));
  keyFile = join(work, 'key.asc');
  await writeFile(keyFile, key.publicKey.armor());
  // Bundle the child with rolldown so it runs on plain node; it must sit where
  // node_modules resolves.
  const cache = resolve('node_modules/.cache/rootmirror-crash');
  await mkdir(cache, { recursive: true });
  childJs = join(cache, `child-${process.pid}.mjs`);
  await build({
    input: resolve('test/crash-child.ts'),
    platform: 'node',
    external: [/^node:/, 'openpgp', 'undici', 'node-cron'],
    output: { file: childJs, format: 'esm' },
    logLevel: 'silent',
    // Contract stubs (`declare function`) have no runtime export until their owners land them.
    shimMissingExports: true,
  });
}, 60_000);

afterAll(async () => {
  await srv.stop();
  await rm(work, { recursive: true, force: true });
  await rm(childJs, { force: true });
});

/** xorshift32: reproducible kill points (CRASH_SEED=... to replay). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Read-only check of the dir as the dead process left it: newest slot that verifies. */
async function verifiableCopy(dir: string): Promise<{ slot: string; serial: number } | undefined> {
  const dd = new DataDir(dir);
  const pipeline = pgpPipeline([key]);
  for (const slot of SLOTS) {
    try {
      const c = await dd.read(slot);
      const checked = await pipeline.check({ path: c.zonePath, signature: c.signature, source: c.meta.source, pgpApplies: true }, Date.now());
      if (checked.serial !== c.meta.serial) continue;
      return { slot, serial: checked.serial };
    } catch {
      continue;
    }
  }
  return undefined;
}

interface Run {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

function startChild(dir: string): Run {
  const child = spawn(process.execPath, [childJs, dir, `${srv.base}/root.zone`, keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

async function nextLine(run: Run): Promise<string> {
  const r = await run.lines.next();
  if (r.done) throw new Error('child exited unexpectedly');
  return r.value;
}

describe('crash safety', () => {
  it(`after ${KILLS} SIGKILLs at random points the data dir always holds a verifiable copy (seed ${SEED})`, async () => {
    const random = rng(SEED);
    const dir = join(work, 'data');
    let lastCommitted = 0;
    let fellBackToPrevious = 0;
    let leftovers = 0;
    for (let i = 0; i < KILLS; i++) {
      const run = startChild(dir);
      const exited = new Promise<void>((done) => run.child.once('exit', () => done()));
      // The child's own start-up load must find the newest committed copy.
      const loaded = (await nextLine(run)).split(' ');
      expect(loaded[0]).toBe('loaded');
      if (lastCommitted > 0) expect(Number(loaded[2])).toBeGreaterThanOrEqual(lastCommitted);
      // Let it commit at least once, then kill it a random time later (inside
      // whatever step it is in: download, verify, fsync, rename...).
      let line = await nextLine(run);
      expect(line).toMatch(/^committed \d+$/);
      lastCommitted = Number(line.split(' ')[1]);
      const killAt = random() * 40;
      const killer = setTimeout(() => run.child.kill('SIGKILL'), killAt);
      try {
        for (;;) {
          line = await nextLine(run);
          if (line.startsWith('committed ')) lastCommitted = Number(line.split(' ')[1]);
          else throw new Error(`child: ${line}`);
        }
      } catch (err) {
        if (!/exited unexpectedly/.test((err as Error).message)) throw err;
      } finally {
        clearTimeout(killer);
      }
      await exited;
      expect(run.child.signalCode).toBe('SIGKILL');
      const entries = await readdir(dir);
      if (entries.some((e) => e.startsWith('.'))) leftovers++;
      const copy = await verifiableCopy(dir);
      expect(copy, `kill ${i}: no verifiable copy; dir holds ${entries.join(', ')}`).toBeDefined();
      expect(copy!.serial).toBeGreaterThanOrEqual(lastCommitted);
      if (copy!.slot === 'previous') fellBackToPrevious++;
    }
    // The kills did land inside refreshes, not only between them.
    expect(leftovers + fellBackToPrevious).toBeGreaterThan(0);
    process.stderr.write(
      `crash: ${KILLS} kills (seed ${SEED}): serial ${BASE_SERIAL} → ${lastCommitted}, kills leaving leftovers ${leftovers}, needing previous/ ${fellBackToPrevious}\n`,
    );
  }, 120_000);
});
