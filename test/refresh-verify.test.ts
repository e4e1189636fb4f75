// The refresh path with the real verification layers (src/verify through
// src/verify/layer-verifiers.ts): PGP, ZONEMD and DNSSEC on the signed root-sized
// fixture, and each crafted failure refused with the served and stored copy
// untouched.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { DataDir } from '../src/refresh/data-dir.js';
import type { Layer } from '../src/verify/verdict.js';
import { MemoryLog } from '../src/log.js';
import { Refresher } from '../src/refresh/refresher.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from '../src/refresh/config.js';
import { loadVerifiers } from '../src/verify/layer-verifiers.js';
import { createZonePipeline } from '../src/refresh/zone-pipeline.js';
import { ZoneStore } from '../src/zone/store.js';
import { FixtureServer, makeKey, sign, type TestKey } from './refresh-kit.js';

const FIXTURE = resolve('test/fixtures/signed/root.zone.signed');
const ANCHOR = resolve('test/fixtures/signed/trust-anchor.ds');
const REAL_ROOT_ANCHORS = resolve('keys/root.ds');
// The PGP signatures are made by openpgp at the real time, and a signature from
// the future is refused: the injected clock starts at the real time too.
const NOW = Date.now();
const ALL: Layer[] = ['pgp', 'zonemd', 'dnssec'];

let key: TestKey;
let zone: Uint8Array;
let srv: FixtureServer;
let dir: string;
let keyFile: string;
let store: ZoneStore;
let log: MemoryLog;
let clock: ManualClock;

beforeAll(async () => {
  key = await makeKey();
  zone = new Uint8Array(await readFile(FIXTURE));
  srv = await new FixtureServer().start();
}, 30_000);
afterAll(async () => srv.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-verify-'));
  keyFile = join(dir, 'test.key');
  await writeFile(keyFile, key.publicKey.write()); // binary, like keys/registry-admin.key
  store = new ZoneStore('servfail');
  log = new MemoryLog();
  clock = new ManualClock(NOW);
  srv.routes.clear();
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const bytes = (t: string): Uint8Array => new Uint8Array(Buffer.from(t, 'latin1'));

async function publish(b: Uint8Array): Promise<void> {
  srv.file('/root.zone', b);
  srv.file('/root.zone.sig', await sign(key, b));
}

async function refresher(anchors = ANCHOR): Promise<Refresher> {
  const verifiers = await loadVerifiers({ pgpKeys: [keyFile], trustAnchors: [anchors], layers: ALL });
  const pipeline = createZonePipeline({ layers: ALL, dnssec: 'keep', verifiers });
  return new Refresher({ dataDir: new DataDir(join(dir, 'data')), store, pipeline, sources: [`${srv.base}/root.zone`], clock, log, fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
}

describe('refresh with src/verify (pgp, zonemd, dnssec)', () => {
  it('the signed fixture passes every layer and is served', async () => {
    await publish(zone);
    const ev = await (await refresher()).refresh();
    expect(ev.error).toBeUndefined();
    expect(ev.outcome).toBe('updated');
    expect(ev.layers?.pgp?.ok).toBe(true);
    expect(ev.layers?.zonemd?.ok).toBe(true);
    expect(ev.layers?.dnssec?.ok).toBe(true);
    expect(store.zone?.serial).toBe(2026082200);
  }, 120_000);

  const cases: { name: string; make: () => Uint8Array; at?: number; anchors?: string; reason: RegExp }[] = [
    {
      // Glue is not signed: DNSSEC still passes, only the digest changes.
      name: 'ZONEMD mismatch (one glue address changed)',
      make: () => bytes(text(zone).replace('a.au.\t172800\tIN\tA\t58.65.254.1', 'a.au.\t172800\tIN\tA\t58.65.254.2')),
      reason: /zonemd: /,
    },
    {
      name: 'ZONEMD serial differs from the SOA serial',
      make: () => bytes(text(zone).replace(/(\tZONEMD\t)2026082200 /, '$12026082199 ')),
      reason: /zonemd: /,
    },
    {
      name: 'expired RRSIGs (verified in 2036, after the signatures end)',
      make: () => zone,
      at: Date.parse('2036-06-01T00:00:00Z'),
      reason: /dnssec: /,
    },
    {
      name: 'DNSKEY not matching the trust anchor (the real root anchors)',
      make: () => zone,
      anchors: REAL_ROOT_ANCHORS,
      reason: /dnssec: /,
    },
  ];

  it.each(cases)('refuses $name; stored and served copy untouched', async ({ make, at, anchors, reason }) => {
    // Serve a valid earlier state first where possible, so "untouched" means something.
    const r = await refresher(anchors);
    if (anchors === undefined && at === undefined) {
      await publish(zone);
      expect((await r.refresh()).outcome).toBe('updated');
    }
    const served = store.zone;
    if (at !== undefined) clock.set(at);
    await publish(make());
    const ev = await r.refresh();
    expect(ev.outcome).toBe('failed');
    expect(ev.error?.message).toMatch(reason);
    expect(store.zone).toBe(served);
    expect(log.lines.some((l) => l.level === 'error' && reason.test(l.msg))).toBe(true);
  }, 120_000);
});
