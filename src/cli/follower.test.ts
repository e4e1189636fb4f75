// The follower's rule, without processes: it serves the leader's stored
// image of the announced serial and nothing else. The primary's messages are
// emitted on `process` as node:cluster delivers them (outside a worker,
// process.send is absent, so the hello goes nowhere and the wait times out).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLog } from '../log.js';
import { DataDir, IMAGE_FILE } from '../refresh/data-dir.js';
import { imageMeta, writeImageFile } from '../refresh/image-file.js';
import { buildZone } from '../zone/build.js';
import { imageOf } from '../zone/image.js';
import { ZoneStore } from '../zone/store.js';
import { FixtureServer, makeKey, seedDataDir, sign, tinyParse, zoneText } from '../../test/refresh-kit.js';
import { followLeader, type Follower } from './follower.js';
import type { ZoneNews } from './worker-messages.js';

const N = 2026120400;
let tmp: string;
let dir: string;
const followers: Follower[] = [];

/** A data dir whose current copy is serial N, with its zone image stored as the refresher stores it. */
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rootmirror-follower-'));
  dir = join(tmp, 'data');
  const key = await makeKey('follower test');
  const src = await new FixtureServer().start();
  try {
    const bytes = zoneText(N);
    src.file('/root.zone', bytes);
    src.file('/root.zone.sig', await sign(key, bytes));
    await seedDataDir(dir, `${src.base}/root.zone`, key);
  } finally {
    await src.stop();
  }
  const dd = new DataDir(dir);
  const { meta } = await dd.read('current');
  const image = imageOf(buildZone(tinyParse(zoneText(N)), { dnssec: 'keep' })).bytes;
  await writeImageFile(dd.slotDir('current'), image);
  await dd.updateMeta('current', { ...meta, image: imageMeta(image, 'keep') });
}, 30_000);
afterEach(() => {
  for (const f of followers.splice(0)) f.stop();
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function follower(): Promise<{ store: ZoneStore; log: MemoryLog }> {
  const store = new ZoneStore('servfail');
  const log = new MemoryLog();
  followers.push(await followLeader({ store, dataDir: dir, dnssec: 'keep', log, helloTimeoutMs: 10 }));
  return { store, log };
}

const announce = (news: ZoneNews): boolean => process.emit('message', { type: 'rootmirror:zone', news }, undefined);

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('followLeader', () => {
  it('serves the announced serial from the stored image; follows "unavailable" and back without a read', async () => {
    const { store, log } = await follower();
    expect(store.state.kind).toBe('unavailable');
    announce({ kind: 'serving', serial: N });
    await until(() => store.zone?.serial === N, 'serving N');
    const served = store.zone;
    announce({ kind: 'unavailable', reason: 'zone expired: test' });
    await until(() => store.state.kind === 'unavailable', 'unavailable');
    expect(store.state.kind === 'unavailable' && store.state.reason).toBe('zone expired: test');
    announce({ kind: 'serving', serial: N });
    await until(() => store.state.kind === 'serving', 'serving again');
    expect(store.zone).toBe(served);
    expect(log.text()).toMatch(/follower: serving serial 2026120400/);
  });

  it('the same serial with another image (the leader replaced it after re-verifying): serves the new one; the same image again: no read', async () => {
    const dd = new DataDir(dir);
    const path = join(dd.slotDir('current'), IMAGE_FILE);
    const { meta } = await dd.read('current');
    const good = await readFile(path);
    try {
      const { store } = await follower();
      announce({ kind: 'serving', serial: N });
      await until(() => store.zone?.serial === N, 'serving N');
      const first = store.zone;
      announce({ kind: 'serving', serial: N });
      await new Promise((r) => setTimeout(r, 50));
      expect(store.zone).toBe(first);
      // The leader stores another image of serial N, then announces N again.
      const other = imageOf(buildZone(tinyParse(zoneText(N, { extra: 'extra.\t172800\tIN\tNS\ta.root-servers.net.' })), { dnssec: 'keep' })).bytes;
      await writeImageFile(dd.slotDir('current'), other);
      await dd.updateMeta('current', { ...meta, image: imageMeta(other, 'keep') });
      announce({ kind: 'serving', serial: N });
      await until(() => store.zone !== first, 'the new image served');
      expect(store.zone?.serial).toBe(N);
      expect(Buffer.compare(imageOf(store.zone!).bytes, other)).toBe(0);
    } finally {
      await writeImageFile(dd.slotDir('current'), good);
      await dd.updateMeta('current', meta);
    }
  });

  it('a serial the data dir does not hold: keeps what it serves, logs why', async () => {
    const { store, log } = await follower();
    announce({ kind: 'serving', serial: N });
    await until(() => store.zone?.serial === N, 'serving N');
    announce({ kind: 'serving', serial: N + 1 });
    await until(() => /cannot be opened/.test(log.text()), 'the error logged');
    expect(store.zone?.serial).toBe(N);
    expect(log.text()).toMatch(/the leader serves serial 2026120401 but its stored image cannot be opened; still holding serial 2026120400/);
  });

  it('a corrupt image (sha256 differs from meta.json): serves nothing rather than it', async () => {
    const path = join(new DataDir(dir).slotDir('current'), IMAGE_FILE);
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0xff;
    await writeFile(path, bad);
    try {
      const { store, log } = await follower();
      announce({ kind: 'serving', serial: N });
      await until(() => /cannot be opened/.test(log.text()), 'the error logged');
      expect(store.state.kind).toBe('unavailable');
      expect(log.text()).toMatch(/is corrupt: sha256/);
    } finally {
      await writeFile(path, good);
    }
  });
});
