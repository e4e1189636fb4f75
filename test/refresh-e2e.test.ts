// End to end on the signed root-sized fixture: a loopback HTTP server serves
// test/fixtures/signed/root.zone.signed with a .sig made by a throw-away
// OpenPGP key; the refresher downloads, verifies, parses, builds, stores and
// swaps it; lookups answer from the store. Then tampered copies are refused,
// each leaving the stored and served zone untouched.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { Name } from '../src/dns/name.js';
import { RRType } from '../src/dns/types.js';
import { DataDir } from '../src/refresh/data-dir.js';
import { MemoryLog } from '../src/log.js';
import { Refresher } from '../src/refresh/refresher.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from '../src/refresh/config.js';
import { createZonePipeline } from '../src/refresh/zone-pipeline.js';
import { ZoneStore } from '../src/zone/store.js';
import { lookup } from '../src/zone/lookup.js';
import { FixtureServer, makeKey, pgpVerifiers, sign, type TestKey } from './refresh-kit.js';

const FIXTURE = resolve('test/fixtures/signed/root.zone.signed');
const NOW = Date.parse('2026-11-01T00:00:00Z'); // inside the fixture's RRSIG window (2026-01-01 .. 2036-01-01)

let key: TestKey;
let zone: Uint8Array;
let srv: FixtureServer;
let dir: string;
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
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-e2e-'));
  store = new ZoneStore('servfail');
  log = new MemoryLog();
  clock = new ManualClock(NOW);
  srv.routes.clear();
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function publish(bytes: Uint8Array, signWith: TestKey = key): Promise<void> {
  srv.file('/root.zone', bytes);
  srv.file('/root.zone.sig', await sign(signWith, bytes));
}

/** The fixture with the next SOA serial (different bytes, same size). */
function bumped(): Uint8Array {
  const text = Buffer.from(zone).toString('latin1');
  return new Uint8Array(Buffer.from(text.replace('nstld.verisign-grs.com. 2026082200 ', 'nstld.verisign-grs.com. 2026082201 '), 'latin1'));
}

function refresher(): Refresher {
  const pipeline = createZonePipeline({ layers: ['pgp'], dnssec: 'keep', verifiers: pgpVerifiers([key]) });
  return new Refresher({ dataDir: new DataDir(dir), store, pipeline, sources: [`${srv.base}/root.zone`], clock, log, fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
}

describe('refresh end to end (signed root-sized zone)', () => {
  it('fetches, verifies, stores and serves; lookups answer from the store', async () => {
    await publish(zone);
    const r = refresher();
    const ev = await r.refresh();
    expect(ev.error).toBeUndefined();
    expect(ev.outcome).toBe('updated');
    expect(ev.serial).toBe(2026082200);
    expect(ev.layers?.pgp?.ok).toBe(true);
    // Buffer.equals: toEqual walks 2 MB element by element (seconds).
    expect(Buffer.from(await readFile(join(dir, 'current', 'root.zone'))).equals(zone)).toBe(true);
    const z = store.zone!;
    expect(z.serial).toBe(2026082200);
    const com = lookup(z, Name.fromText('com.'), RRType.NS, { dnssecOk: true });
    expect(com.kind).toBe('referral');
    expect(com.authority.some((rr) => rr.type === RRType.DS)).toBe(true);
    const soa = lookup(z, Name.root, RRType.SOA, { dnssecOk: true });
    expect(soa.kind).toBe('answer');
    expect(soa.answer.map((rr) => rr.type).sort()).toEqual([RRType.SOA, RRType.RRSIG].sort());
    // The apex RRSIG expiry is recorded for the expiry policy.
    const meta = JSON.parse(await readFile(join(dir, 'current', 'meta.json'), 'utf8')) as { signaturesExpireAt: string };
    expect(meta.signaturesExpireAt).toBe('2036-01-01T00:00:00.000Z');
    // A restart loads, re-verifies and serves the stored copy.
    const store2 = new ZoneStore('servfail');
    const r2 = new Refresher({ dataDir: new DataDir(dir), store: store2, pipeline: createZonePipeline({ layers: ['pgp'], dnssec: 'keep', verifiers: pgpVerifiers([key]) }), sources: [`${srv.base}/root.zone`], clock, log, fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
    expect((await r2.load()).slot).toBe('current');
    expect(store2.zone?.serial).toBe(2026082200);
  }, 60_000);

  it('expires when the apex SOA/ZONEMD RRSIGs expire, even if confirmed current', async () => {
    await publish(zone);
    clock.set(Date.parse('2035-12-31T22:00:00Z'));
    const r = refresher();
    expect((await r.refresh()).outcome).toBe('updated');
    expect(store.state.kind).toBe('serving');
    clock.advance(60 * 60_000);
    expect((await r.refresh()).outcome).toBe('unchanged'); // confirmed current...
    expect(store.state.kind).toBe('serving');
    clock.advance(60 * 60_000); // ...but at 2036-01-01T00:00Z the signatures end
    expect(r.expiry.check()).toMatch(/RRSIGs over the apex SOA\/ZONEMD expired at 2036-01-01T00:00:00.000Z/);
    const st = store.state;
    expect(st.kind === 'unavailable' && st.reason).toMatch(/zone expired/);
    expect((await r.refresh()).outcome).toBe('unchanged'); // a confirmation does not revive expired signatures
    expect(store.state.kind).toBe('unavailable');
  }, 60_000);

  const tampered: { name: string; make: () => Promise<void>; reason: RegExp }[] = [
    {
      name: 'one flipped byte (in a DS digest)',
      make: async () => {
        const b = Uint8Array.from(zone);
        const at = Buffer.from(b).indexOf('IN\tDS\t') + 20;
        b[at] = b[at] === 0x30 ? 0x31 : 0x30;
        srv.file('/root.zone', b);
        srv.file('/root.zone.sig', await sign(key, zone));
      },
      reason: /pgp: /,
    },
    {
      name: 'signature from another key',
      make: async () => publish(bumped(), await makeKey('not the registry')),
      reason: /pgp: /,
    },
    {
      name: 'a signature of another file (the previous zone)',
      make: async () => {
        srv.file('/root.zone', bumped());
        srv.file('/root.zone.sig', await sign(key, zone));
      },
      reason: /pgp: /,
    },
    {
      name: 'a signed file that does not parse',
      make: async () => publish(new TextEncoder().encode('.\t86400\tIN\tSOA\tbroken\n')),
      reason: /rejected: .*(SOA|ParseError|expected)/i,
    },
  ];

  it.each(tampered)('refuses $name; stored and served zone untouched; logged', async ({ make, reason }) => {
    await publish(zone);
    const r = refresher();
    expect((await r.refresh()).outcome).toBe('updated');
    const served = store.zone;
    const storedMeta = await readFile(join(dir, 'current', 'meta.json'), 'utf8');
    srv.routes.clear();
    await make();
    const ev = await r.refresh();
    expect(ev.outcome).toBe('failed');
    expect(ev.error?.message).toMatch(reason);
    expect(store.zone).toBe(served);
    expect(await readFile(join(dir, 'current', 'meta.json'), 'utf8')).toBe(storedMeta);
    // Buffer.equals: toEqual walks 2 MB element by element (seconds).
    expect(Buffer.from(await readFile(join(dir, 'current', 'root.zone'))).equals(zone)).toBe(true);
    expect(log.lines.some((l) => l.level === 'error' && reason.test(l.msg))).toBe(true);
  }, 60_000);
});
