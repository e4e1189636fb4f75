import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ZoneStore } from '../zone/store.js';
import { FixtureServer, makeKey, pgpPipeline, sign, zoneText, type TestKey } from '../../test/refresh-kit.js';
import { DataDir } from './data-dir.js';
import { MemoryLog } from '../log.js';
import { Refresher } from './refresher.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from './config.js';
import { cronTicker, RefreshScheduler } from './scheduler.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;
let key: TestKey;
let srv: FixtureServer;
let dir: string;
let clock: ManualClock;
let store: ZoneStore;

beforeAll(async () => {
  key = await makeKey();
  srv = await new FixtureServer().start();
});
afterAll(async () => srv.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-sched-'));
  clock = new ManualClock(T0);
  store = new ZoneStore('servfail');
  srv.routes.clear();
  srv.hits.length = 0;
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function publish(path: string, serial: number): Promise<void> {
  const b = zoneText(serial);
  srv.file(path, b);
  srv.file(`${path}.sig`, await sign(key, b));
}

function setup(paths: string[]): { r: Refresher; s: RefreshScheduler } {
  const r = new Refresher({ dataDir: new DataDir(dir), store, pipeline: pgpPipeline([key]), sources: paths.map((p) => srv.base + p), clock, log: new MemoryLog(), fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
  const s = new RefreshScheduler(r, { refreshMs: 30 * MIN, retryMs: 15 * MIN, jitterMs: 5 * MIN, random: () => 0.5, log: new MemoryLog() });
  return { r, s };
}

const zoneHits = (): string[] => srv.hits.filter((h) => !h.endsWith('.sig'));

describe('RefreshScheduler', () => {
  it('runs at the first tick, then every refresh interval plus jitter', async () => {
    await publish('/a', 2026110100);
    const { s } = setup(['/a']);
    expect((await s.tick())?.outcome).toBe('updated');
    expect(s.nextDueAt).toBe(T0 + 30 * MIN + 2.5 * MIN);
    clock.advance(32 * MIN);
    expect(await s.tick()).toBeUndefined(); // not due yet
    clock.advance(30_000);
    expect((await s.tick())?.outcome).toBe('unchanged');
    expect(zoneHits()).toEqual(['/a', '/a']);
  });

  it('on failure retries after the retry interval, starting with the next source', async () => {
    const { s } = setup(['/a', '/b', '/c']);
    // Everything fails: one cycle tries a, b, c.
    expect((await s.tick())?.outcome).toBe('failed');
    expect(zoneHits()).toEqual(['/a', '/b', '/c']);
    expect(s.nextDueAt).toBe(T0 + 15 * MIN);
    expect(s.nextSourceIndex).toBe(1);
    expect(s.failures).toBe(1);
    srv.hits.length = 0;
    clock.advance(15 * MIN - 1);
    expect(await s.tick()).toBeUndefined();
    clock.advance(1);
    expect((await s.tick())?.outcome).toBe('failed');
    expect(zoneHits()).toEqual(['/b', '/c', '/a']);
    expect(s.nextSourceIndex).toBe(2);
    // c comes back: the next retry starts with it and succeeds at once.
    await publish('/c', 2026110100);
    srv.hits.length = 0;
    clock.advance(15 * MIN);
    const ev = await s.tick();
    expect(ev?.outcome).toBe('updated');
    expect(ev?.source).toBe(`${srv.base}/c`);
    expect(zoneHits()).toEqual(['/c']);
    expect(s.failures).toBe(0);
    expect(s.nextDueAt).toBe(clock.now() + 32.5 * MIN);
  });

  it('a tick during a running cycle does not start another', async () => {
    await publish('/a', 2026110100);
    const { r, s } = setup(['/a']);
    const first = s.tick();
    expect(r.running).toBe(true);
    expect(await s.tick()).toBeUndefined();
    await first;
    expect(zoneHits()).toEqual(['/a']);
  });

  it('checks expiry on every tick, even when no refresh is due', async () => {
    await publish('/a', 2026110100);
    const { s } = setup(['/a']);
    await s.tick();
    srv.routes.clear();
    clock.advance(7 * 24 * 60 * MIN);
    s.setDueAt(clock.now() + 60 * MIN);
    expect(await s.tick()).toBeUndefined();
    expect(store.state.kind).toBe('unavailable');
  });

  it('jitter stays within [0, jitter)', async () => {
    await publish('/a', 2026110100);
    const r = new Refresher({ dataDir: new DataDir(dir), store, pipeline: pgpPipeline([key]), sources: [srv.base + '/a'], clock, log: new MemoryLog(), fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
    for (const x of [0, 0.999999]) {
      const s = new RefreshScheduler(r, { refreshMs: 30 * MIN, retryMs: 15 * MIN, jitterMs: 5 * MIN, random: () => x });
      await s.tick();
      const d = s.nextDueAt - clock.now();
      expect(d).toBeGreaterThanOrEqual(30 * MIN);
      expect(d).toBeLessThan(35 * MIN);
    }
  });

  it('production path: node-cron drives tick()', async () => {
    const ticker = cronTicker('* * * * * *'); // every second, to keep the test short
    const fired = new Promise<void>((resolve) => ticker.start(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('node-cron did not fire within 3 s')), 3000);
    });
    try {
      await Promise.race([fired, timeout]);
    } finally {
      clearTimeout(timer);
      ticker.stop();
    }
  });
});
