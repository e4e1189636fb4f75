import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDir, DataDirError, type CopyMeta } from './data-dir.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rootmirror-dd-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

function metaFor(serial: number, bytes: Uint8Array, sig = true): CopyMeta {
  return {
    version: 1,
    serial,
    source: 'https://example.test/root.zone',
    fetchedAt: '2026-11-01T00:00:00.000Z',
    confirmedAt: '2026-11-01T00:00:00.000Z',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    hasSignature: sig,
    layers: { pgp: { ok: true, detail: 'test', ms: 1 } },
  };
}

async function commit(dd: DataDir, serial: number, opts: { dropCurrent?: boolean } = {}): Promise<void> {
  const bytes = new TextEncoder().encode(`zone ${serial}\n`);
  const tmp = join(root, `.tmp-${serial}`);
  await writeFile(tmp, bytes);
  await dd.commit(tmp, new TextEncoder().encode(`sig ${serial}`), metaFor(serial, bytes), opts);
}

describe('DataDir', () => {
  it('commit: current and previous, nothing else left behind', async () => {
    const dd = new DataDir(root);
    await dd.prepare();
    await commit(dd, 1);
    expect((await dd.read('current')).meta.serial).toBe(1);
    await expect(dd.read('previous')).rejects.toThrow(DataDirError);
    await commit(dd, 2);
    await commit(dd, 3);
    expect((await dd.read('current')).meta.serial).toBe(3);
    expect((await dd.read('previous')).meta.serial).toBe(2);
    expect(new TextDecoder().decode((await dd.read('current')).signature)).toBe('sig 3');
    expect((await readdir(root)).sort()).toEqual(['current', 'lock', 'previous']);
    expect((await readdir(join(root, 'current'))).sort()).toEqual(['meta.json', 'root.zone', 'root.zone.sig']);
  });

  it('commit with dropCurrent discards the bad current and keeps previous', async () => {
    const dd = new DataDir(root);
    await dd.prepare();
    await commit(dd, 1);
    await commit(dd, 2);
    await commit(dd, 3, { dropCurrent: true });
    expect((await dd.read('current')).meta.serial).toBe(3);
    expect((await dd.read('previous')).meta.serial).toBe(1);
  });

  it('read detects corruption, truncation, bad meta, missing signature', async () => {
    const dd = new DataDir(root);
    await dd.prepare();
    await commit(dd, 1);
    const zf = join(root, 'current', 'root.zone');
    const good = await readFile(zf);
    await writeFile(zf, good.subarray(0, good.length - 1));
    await expect(dd.read('current')).rejects.toThrow(/corrupt: sha256/);
    await writeFile(zf, good);
    await rm(join(root, 'current', 'root.zone.sig'));
    await expect(dd.read('current')).rejects.toThrow(/root\.zone\.sig is missing/);
    await writeFile(join(root, 'current', 'meta.json'), JSON.stringify({ ...metaFor(1, good), serial: -1 }));
    await expect(dd.read('current')).rejects.toThrow(/malformed fields/);
    await writeFile(join(root, 'current', 'meta.json'), '{');
    await expect(dd.read('current')).rejects.toThrow(/not valid JSON/);
  });

  // Every state a crash inside commit() can leave, rebuilt by hand: the loader
  // still finds the newest complete copy.
  it('each intermediate state of a commit leaves a readable copy', async () => {
    const dd = new DataDir(root);
    await dd.prepare();
    await commit(dd, 1);
    await commit(dd, 2);
    // A staged copy 3 exists; then: previous → .old, current → previous, (crash) staging → current not done.
    const staging = join(root, '.staging-x');
    await mkdir(staging);
    await writeFile(join(staging, 'root.zone'), 'zone 3\n');
    await rename(join(root, 'previous'), join(root, '.old-x'));
    await rename(join(root, 'current'), join(root, 'previous'));
    await expect(dd.read('current')).rejects.toThrow(/no meta\.json \(ENOENT\)/);
    expect((await dd.read('previous')).meta.serial).toBe(2);
    // Start-up cleanup removes the half-done staging and the old copy; previous survives.
    expect((await dd.prepare()).sort()).toEqual(['.old-x', '.staging-x']);
    expect((await dd.read('previous')).meta.serial).toBe(2);
    // The next commit makes it current again... as previous, with the new one current.
    await commit(dd, 4);
    expect((await dd.read('current')).meta.serial).toBe(4);
    expect((await dd.read('previous')).meta.serial).toBe(2);
  });

  it('lock: a live owner keeps others out; a dead owner\'s lock is taken over', async () => {
    await mkdir(root, { recursive: true });
    // A live process (our parent) holds it.
    await writeFile(join(root, 'lock'), `${process.ppid}\n`);
    const err = await new DataDir(root).prepare().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirError);
    expect((err as DataDirError).kind).toBe('locked');
    expect((err as Error).message).toMatch(new RegExp(`in use by process ${process.ppid}`));
    // A process that has exited held it.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    await writeFile(join(root, 'lock'), `${child.pid}\n`);
    const dd = new DataDir(root);
    await dd.prepare();
    expect((await readFile(join(root, 'lock'), 'utf8')).trim()).toBe(String(process.pid));
    await dd.unlock();
    await expect(readFile(join(root, 'lock'))).rejects.toThrow(/ENOENT/);
  });

  it('updateMeta rewrites meta.json atomically', async () => {
    const dd = new DataDir(root);
    await dd.prepare();
    await commit(dd, 1);
    const c = await dd.read('current');
    await dd.updateMeta('current', { ...c.meta, confirmedAt: '2026-11-02T00:00:00.000Z' });
    expect((await dd.read('current')).meta.confirmedAt).toBe('2026-11-02T00:00:00.000Z');
    expect((await readdir(join(root, 'current'))).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
