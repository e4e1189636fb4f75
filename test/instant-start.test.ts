// Issue 14: the refresh runs in a worker thread, and a restart answers at
// once from the zone image stored beside the verified copy, re-verifying the
// copy aside. Real worker threads (the build in dist/), a real data dir, a
// local HTTP source, PGP for real.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryLog } from '../src/log.js';
import { DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_RECORDS, type MirrorConfig } from '../src/refresh/config.js';
import { DataDir } from '../src/refresh/data-dir.js';
import { startMirror, type Mirror } from '../src/refresh/mirror.js';
import { Refresher } from '../src/refresh/refresher.js';
import type { Ticker } from '../src/refresh/scheduler.js';
import { createWorkerZonePipeline } from '../src/refresh/worker-pipeline.js';
import { CheckError } from '../src/verify/candidate.js';
import { ZoneStore } from '../src/zone/store.js';
import { ZoneImage } from '../src/zone/image.js';
import { changeBetween } from '../src/zone/zone-change.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';
import { writeImage } from '../src/zone/image-writer.js';
import { Name } from '../src/dns/name.js';
import { lookup } from '../src/zone/lookup.js';
import { assertBuilt } from './helpers/processes.js';
import { FixtureServer, makeKey, sign, zoneText, type TestKey } from './refresh-kit.js';

const MIN = 60_000;
let key: TestKey;
let keyFile: string;
let srv: FixtureServer;
let dir: string;
let mirrors: Mirror[] = [];

class IdleTicker implements Ticker {
  start(): void {}
  stop(): void {}
}

beforeAll(async () => {
  assertBuilt();
  key = await makeKey();
  srv = await new FixtureServer().start();
  keyFile = join(await mkdtemp(join(tmpdir(), 'rootmirror-key-')), 'key.asc');
  await writeFile(keyFile, key.publicKey.armor());
});
afterAll(async () => srv.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-instant-'));
  srv.routes.clear();
});
afterEach(async () => {
  for (const m of mirrors) {
    m.stop();
    await m.refresher.close();
  }
  mirrors = [];
  await rm(dir, { recursive: true, force: true });
});

/** A root-like zone with `n` delegations (real records: they cost the parser and the builder). */
function zoneWith(serial: number, n: number): Uint8Array {
  const extra: string[] = [];
  for (let i = 0; i < n; i++) extra.push(`t${i}.\t172800\tIN\tNS\ta.root-servers.net.`);
  return zoneText(serial, { extra: extra.join('\n') });
}

async function publish(serial: number, delegations = 0): Promise<void> {
  const b = zoneWith(serial, delegations);
  srv.file('/root.zone', b);
  srv.file('/root.zone.sig', await sign(key, b));
}

function config(): MirrorConfig {
  return {
    dataDir: dir,
    sources: [`${srv.base}/root.zone`],
    pgpKeys: [keyFile],
    trustAnchors: [],
    layers: ['pgp'],
    onExpired: 'servfail',
    refreshMs: 24 * 60 * MIN,
    retryMs: 15 * MIN,
    jitterMs: 0,
    maxBytes: 1 << 22,
    fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
    maxRecords: DEFAULT_MAX_RECORDS,
  };
}

/** The daemon's mirror, with the daemon's pipeline (each check in a worker thread). */
async function start(store = new ZoneStore('servfail'), log = new MemoryLog()): Promise<{ m: Mirror; store: ZoneStore; log: MemoryLog }> {
  const m = await startMirror({ config: config(), store, dnssec: 'keep', log, ticker: new IdleTicker(), random: () => 0 });
  mirrors.push(m);
  await m.firstTick;
  return { m, store, log };
}

async function stopAll(): Promise<void> {
  for (const m of mirrors) {
    m.stop();
    await m.refresher.close();
  }
  mirrors = [];
}

const metaPath = (): string => join(dir, 'current', 'meta.json');
const imagePath = (): string => join(dir, 'current', 'zone.image');
const text = (log: MemoryLog): string => log.lines.map((l) => l.msg + ' ' + JSON.stringify(l.fields ?? {})).join('\n');

describe('a restart answers from the stored zone image, and re-verifies the copy aside', () => {
  it('the first refresh stores the image beside the copy; the next start serves it before the copy is re-verified', async () => {
    await publish(2026120401, 200);
    const first = await start();
    expect(first.store.zone?.serial).toBe(2026120401);
    const meta = JSON.parse(await readFile(metaPath(), 'utf8')) as { image: { sha256: string; bytes: number } };
    const image = await readFile(imagePath());
    expect(meta.image.bytes).toBe(image.length);
    expect(meta.image.sha256).toBe(createHash('sha256').update(image).digest('hex'));
    await stopAll();

    const again = await start();
    // Served as soon as start() returned: the re-verification runs aside.
    expect(again.store.zone?.serial).toBe(2026120401);
    expect(text(again.log)).toMatch(/from its zone image; re-verifying the copy aside/);
    await again.m.refresher.startupCheck;
    expect(text(again.log)).toMatch(/re-verified/);
    expect(again.store.state.kind).toBe('serving');
  });

  const spoilers: [string, () => Promise<void>, RegExp][] = [
    [
      'a corrupt image (one octet flipped)',
      async () => {
        const b = await readFile(imagePath());
        b[b.length >> 1] ^= 0xff;
        await writeFile(imagePath(), b);
      },
      /corrupt: sha256/,
    ],
    ['a truncated image', async () => writeFile(imagePath(), (await readFile(imagePath())).subarray(0, 100)), /corrupt: sha256/],
    ['a missing image', async () => rm(imagePath()), /cannot read zone.image/],
    [
      "an older rootmirror's image format",
      async () => {
        const meta = JSON.parse(await readFile(metaPath(), 'utf8')) as { image: { version: number } };
        meta.image.version = 0;
        await writeFile(metaPath(), JSON.stringify(meta));
      },
      /image format version 0/,
    ],
  ];
  for (const [what, spoil, reason] of spoilers) {
    it(`${what}: refused; the copy is verified and built first, served, and a good image stored again`, async () => {
      await publish(2026120402);
      await start();
      await stopAll();
      await spoil();
      srv.routes.clear(); // nothing to fall back on but the stored copy
      const again = await start();
      expect(text(again.log)).toMatch(reason);
      expect(text(again.log)).not.toMatch(/from its zone image/);
      expect(again.store.zone?.serial).toBe(2026120402);
      const meta = JSON.parse(await readFile(metaPath(), 'utf8')) as { image: { sha256: string; version: number } };
      expect(meta.image.sha256).toBe(createHash('sha256').update(await readFile(imagePath())).digest('hex'));
      expect(meta.image.version).toBeGreaterThan(0);
    });
  }

  it('a copy whose bytes no longer match meta.json (a bit flipped on disk): its image is opened (only meta.json and the image are read before serving), then withdrawn as corrupt', async () => {
    await publish(2026120407);
    await start();
    await stopAll();
    const zonePath = join(dir, 'current', 'root.zone');
    const b = await readFile(zonePath);
    b[b.length >> 1] ^= 0x01;
    await writeFile(zonePath, b);
    srv.routes.clear();
    const again = await start();
    expect(text(again.log)).toMatch(/from its zone image; re-verifying the copy aside/);
    await again.m.refresher.startupCheck;
    expect(text(again.log)).toMatch(/does not re-verify; withdrawn, not served/);
    expect(again.store.state.kind === 'unavailable' && again.store.state.reason).toMatch(/failed re-verification: .*corrupt: sha256/);
  });

  it('a tampered copy (bytes and meta.json sha256 rewritten to match) is served from its image, then withdrawn when it fails re-verification', async () => {
    await publish(2026120403);
    await start();
    await stopAll();
    const zonePath = join(dir, 'current', 'root.zone');
    const tampered = Buffer.concat([await readFile(zonePath), Buffer.from('evil.\t172800\tIN\tNS\tns.evil.example.\n')]);
    await writeFile(zonePath, tampered);
    const meta = JSON.parse(await readFile(metaPath(), 'utf8')) as { sha256: string; bytes: number };
    meta.sha256 = createHash('sha256').update(tampered).digest('hex');
    meta.bytes = tampered.length;
    await writeFile(metaPath(), JSON.stringify(meta));
    srv.routes.clear(); // the refresh the withdrawal starts finds nothing
    const again = await start();
    expect(again.store.zone?.serial).toBe(2026120403);
    await again.m.refresher.startupCheck;
    expect(text(again.log)).toMatch(/does not re-verify; withdrawn, not served/);
    expect(again.store.state.kind).toBe('unavailable');
    expect(again.store.state.kind === 'unavailable' && again.store.state.reason).toMatch(/failed re-verification: pgp/);
  });
});

describe('the image served at start must be the one the verified copy builds', () => {
  it('an image of another zone with the same serial, its sha256 rewritten in meta.json: served at start, then replaced by the image built from the verified copy', async () => {
    await publish(2026120404, 3);
    await start();
    await stopAll();
    // Another zone with the same serial: it opens, and its sha256 matches what meta.json now says.
    const forged = writeImage(buildZone(parseZoneText(zoneWith(2026120404, 0)), { dnssec: 'keep' }));
    await writeFile(imagePath(), forged);
    const meta = JSON.parse(await readFile(metaPath(), 'utf8')) as { image: { sha256: string; bytes: number } };
    meta.image.sha256 = createHash('sha256').update(forged).digest('hex');
    meta.image.bytes = forged.length;
    await writeFile(metaPath(), JSON.stringify(meta));
    srv.routes.clear();
    const again = await start();
    const t2 = (): string => lookup(again.store.zone!, Name.fromText('t2.'), 2, { dnssecOk: false }).kind;
    expect(t2()).toBe('nxdomain'); // the forged image is what answers at first
    await again.m.refresher.startupCheck;
    expect(text(again.log)).toMatch(/re-verified/);
    expect(text(again.log)).toMatch(/stored zone image of serial 2026120404 is not the one its verified copy builds; serving the one just built/);
    expect(again.store.state.kind).toBe('serving');
    expect(t2()).toBe('referral');
    // ... and stored, so the next start serves the right one at once.
    const stored = await readFile(imagePath());
    const metaAfter = JSON.parse(await readFile(metaPath(), 'utf8')) as { image: { sha256: string } };
    expect(metaAfter.image.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
    expect(metaAfter.image.sha256).not.toBe(meta.image.sha256);
  });

  it('the same image it builds: nothing replaced', async () => {
    await publish(2026120405, 3);
    await start();
    await stopAll();
    const before = await readFile(imagePath());
    const again = await start();
    const served = again.store.zone;
    await again.m.refresher.startupCheck;
    expect(text(again.log)).not.toMatch(/is not the one its verified copy builds/);
    expect(again.store.zone).toBe(served);
    expect(Buffer.compare(await readFile(imagePath()), before)).toBe(0);
  });
});

describe('what changed is computed in the worker too', () => {
  it('the IXFR difference and the change report come with the new zone: the serving thread decodes no records at the swap', async () => {
    await publish(2026120406, 3);
    const { m, store } = await start();
    const before = store.zone!;
    await publish(2026120407, 4);
    const records = vi.spyOn(ZoneImage.prototype, 'records');
    const ev = await m.refresher.refresh();
    expect(ev.outcome).toBe('updated');
    const after = store.zone!;
    const change = changeBetween(before, after);
    expect(records).not.toHaveBeenCalled();
    records.mockRestore();
    expect(change.fromSerial).toBe(2026120406);
    expect(change.diff.added.map((r) => r.name.toString())).toEqual(['t3.']);
    expect(change.diff.deleted).toEqual([]);
    expect(change.report.tldsAdded).toEqual(['t3.']);
  });
});

describe('a check whose worker fails is a failed refresh; the held zone is still served', () => {
  const files = { layers: [] as const, pgpKeys: [], trustAnchors: [] };
  const candidate = (bytes: Uint8Array) => ({ bytes, signature: undefined, source: 'test', pgpApplies: false });

  it('builds in the worker and hands back an image the serving thread opens', async () => {
    const p = createWorkerZonePipeline({ files, dnssec: 'keep' });
    const checked = await p.check(candidate(zoneWith(7, 50)), Date.now());
    expect(checked.serial).toBe(7);
    expect(checked.image?.length).toBeGreaterThan(0);
    expect(checked.zone.records.length).toBeGreaterThan(50);
  });

  it('a zone that does not parse: CheckError with the parser\'s file:line:col message', async () => {
    const p = createWorkerZonePipeline({ files, dnssec: 'keep' });
    const err = await p.check(candidate(new TextEncoder().encode('. 86400 IN SOA broken\n')), Date.now()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as Error).message).toMatch(/test:1:/);
  });

  it('a worker stopped mid-check (time limit): CheckError; one out of its heap: CheckError', async () => {
    const big = zoneWith(8, 40_000);
    const slow = createWorkerZonePipeline({ files, dnssec: 'keep', timeLimitMs: 50 });
    await expect(slow.check(candidate(big), Date.now())).rejects.toThrow(/did not finish within/);
    const small = createWorkerZonePipeline({ files, dnssec: 'keep', heapLimitMb: 8 });
    await expect(small.check(candidate(big), Date.now())).rejects.toThrow(/ran out of its 8 MiB heap/);
    // The same zone, given room and time, is a good zone: the failures above were the worker's.
    expect((await createWorkerZonePipeline({ files, dnssec: 'keep' }).check(candidate(big), Date.now())).serial).toBe(8);
  });

  it('the refresher keeps serving the held serial when the worker of the next check is stopped', async () => {
    await publish(2026120404);
    const { store } = await start();
    await stopAll();
    await publish(2026120405, 40_000);
    const log = new MemoryLog();
    const r = new Refresher({
      dataDir: new DataDir(dir),
      store,
      pipeline: createWorkerZonePipeline({ files: { layers: ['pgp'], pgpKeys: [keyFile], trustAnchors: [] }, dnssec: 'keep', timeLimitMs: 50 }),
      sources: [`${srv.base}/root.zone`],
      log,
      fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
      http: { maxBytes: 1 << 26 },
    });
    await r.load();
    const ev = await r.refresh();
    await r.close();
    expect(ev.outcome).toBe('failed');
    expect(JSON.stringify(ev)).toMatch(/did not finish within/);
    expect(store.zone?.serial).toBe(2026120404);
    expect(store.state.kind).toBe('serving');
  });
});
