// The daemon entry point (startMirror): serve the stored copy at once, then
// refresh on schedule; with nothing stored, answer per --on-expired until the
// first verified download.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_RECORDS, type MirrorConfig } from '../src/refresh/config.js';
import { startMirror, type Mirror } from '../src/refresh/mirror.js';
import { MemoryLog } from '../src/log.js';
import type { Ticker } from '../src/refresh/scheduler.js';
import { ZoneStore } from '../src/zone/store.js';
import { FixtureServer, makeKey, pgpPipeline, sign, zoneText, type TestKey } from './refresh-kit.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;
let key: TestKey;
let srv: FixtureServer;
let dir: string;
let mirrors: Mirror[] = [];

beforeAll(async () => {
  key = await makeKey();
  srv = await new FixtureServer().start();
});
afterAll(async () => srv.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-daemon-'));
  srv.routes.clear();
  srv.hits.length = 0;
});
afterEach(async () => {
  for (const m of mirrors) m.stop();
  mirrors = [];
  await rm(dir, { recursive: true, force: true });
});

async function publish(serial: number): Promise<void> {
  const b = zoneText(serial);
  srv.file('/root.zone', b);
  srv.file('/root.zone.sig', await sign(key, b));
}

/** A ticker the test fires by hand; the production one is node-cron. */
class HandTicker implements Ticker {
  fn: (() => void) | undefined;
  start(fn: () => void): void {
    this.fn = fn;
  }
  stop(): void {
    this.fn = undefined;
  }
}

function config(): MirrorConfig {
  return {
    dataDir: dir,
    sources: [`${srv.base}/root.zone`],
    pgpKeys: ['unused-by-the-test-pipeline'],
    trustAnchors: [],
    layers: ['pgp'],
    onExpired: 'servfail',
    refreshMs: 30 * MIN,
    retryMs: 15 * MIN,
    jitterMs: 0,
    maxBytes: 1 << 20,
    fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
    maxRecords: DEFAULT_MAX_RECORDS,
  };
}

async function start(clock: ManualClock, store: ZoneStore, ticker = new HandTicker()): Promise<Mirror> {
  const m = await startMirror({ config: config(), store, dnssec: 'keep', pipeline: pgpPipeline([key]), clock, log: new MemoryLog(), ticker, random: () => 0 });
  mirrors.push(m);
  return m;
}

describe('startMirror', () => {
  it('with an empty data dir: unavailable until the first verified download, then serving', async () => {
    await publish(2026110100);
    const clock = new ManualClock(T0);
    const store = new ZoneStore('servfail');
    const m = await start(clock, store);
    expect(m.loaded.slot).toBeUndefined();
    expect(store.state.kind).toBe('unavailable');
    const ev = await m.firstTick;
    expect(ev?.outcome).toBe('updated');
    expect(store.zone?.serial).toBe(2026110100);
    expect(m.scheduler.nextDueAt).toBe(T0 + 30 * MIN);
  });

  it('restart: serves the stored copy at once without the network, refreshes when due', async () => {
    await publish(2026110100);
    const clock = new ManualClock(T0);
    await (await start(clock, new ZoneStore('servfail'))).firstTick;

    srv.routes.clear(); // the network is gone
    srv.hits.length = 0;
    clock.advance(10 * MIN);
    const store = new ZoneStore('servfail');
    const ticker = new HandTicker();
    const m = await start(clock, store, ticker);
    expect(m.loaded).toMatchObject({ slot: 'current', serial: 2026110100 });
    expect(store.zone?.serial).toBe(2026110100); // before any tick
    expect(await m.firstTick).toBeUndefined(); // confirmed 10 min ago: not due
    expect(srv.hits).toEqual([]);
    expect(m.scheduler.nextDueAt).toBe(T0 + 30 * MIN);

    await publish(2026110101);
    clock.advance(20 * MIN);
    ticker.fn!();
    // The ticker does not return the cycle's promise; join it through the refresher (single flight).
    const ev = await m.refresher.refresh();
    expect(ev.serial).toBe(2026110101);
    expect(store.zone?.serial).toBe(2026110101);
    expect(srv.hits.filter((h) => h === '/root.zone')).toHaveLength(1);
  });

  it('refuses an axfr:// source when --verify lacks zonemd or dnssec', async () => {
    await expect(
      startMirror({ config: { ...config(), sources: ['axfr://127.0.0.1:53'] }, store: new ZoneStore(), dnssec: 'keep', pipeline: pgpPipeline([key]), ticker: new HandTicker() }),
    ).rejects.toThrow(/must include both zonemd and dnssec/);
  });
});
