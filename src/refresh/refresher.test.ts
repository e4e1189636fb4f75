import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ZoneStore } from '../zone/store.js';
import { FixtureServer, makeKey, pgpPipeline, sign, zoneText, type TestKey } from '../../test/refresh-kit.js';
import { DataDir, type CopyMeta } from './data-dir.js';
import { MemoryLog } from '../log.js';
import type { AlarmEvent, RefreshEvent } from './events.js';
import { Refresher } from './refresher.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from './config.js';
import type { PipelineCandidate, ZonePipeline } from './zone-pipeline.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
let key: TestKey;
let otherKey: TestKey;
let srv: FixtureServer;
let dir: string;
let clock: ManualClock;
let store: ZoneStore;
let log: MemoryLog;

beforeAll(async () => {
  [key, otherKey] = await Promise.all([makeKey('test registry'), makeKey('someone else')]);
  srv = await new FixtureServer().start();
});
afterAll(async () => {
  await srv.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-refresh-'));
  clock = new ManualClock(T0);
  store = new ZoneStore('servfail');
  log = new MemoryLog();
  srv.routes.clear();
  srv.hits.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function refresher(sources = [`${srv.base}/root.zone`], maxBytes?: number): Refresher {
  return new Refresher({
    dataDir: new DataDir(dir),
    store,
    pipeline: pgpPipeline([key]),
    sources,
    clock,
    log,
    http: { timeouts: { bodyMs: 300 }, ...(maxBytes !== undefined ? { maxBytes } : {}) },
    fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
  });
}

async function publish(serial: number, opts: { extra?: string; etag?: string; path?: string } = {}): Promise<Uint8Array> {
  const bytes = zoneText(serial, { filler: 200, ...(opts.extra !== undefined ? { extra: opts.extra } : {}) });
  const path = opts.path ?? '/root.zone';
  srv.file(path, bytes, opts.etag);
  srv.file(`${path}.sig`, await sign(key, bytes));
  return bytes;
}

async function meta(slot = 'current'): Promise<CopyMeta> {
  return JSON.parse(await readFile(join(dir, slot, 'meta.json'), 'utf8')) as CopyMeta;
}

/** Snapshot of the data dir and the served zone, to show a rejection left both untouched. */
async function snapshot(): Promise<{ files: string; zone: unknown }> {
  const parts: string[] = [];
  for (const slot of ['current', 'previous']) {
    for (const f of (await readdir(join(dir, slot)).catch(() => [])).sort()) parts.push(`${slot}/${f}:${(await readFile(join(dir, slot, f))).toString('base64')}`);
  }
  const stray = (await readdir(dir)).filter((f) => f.startsWith('.'));
  parts.push(`stray:${stray.join(',')}`);
  return { files: parts.join('\n'), zone: store.zone };
}

describe('Refresher', () => {
  it('downloads, verifies, stores with meta, swaps into the store; a 304 confirms', async () => {
    const bytes = await publish(2026110100, { etag: '"v1"' });
    const r = refresher();
    const ev = await r.refresh();
    expect(ev.outcome).toBe('updated');
    expect(ev.serial).toBe(2026110100);
    expect(ev.layers?.pgp?.ok).toBe(true);
    expect(store.state.kind).toBe('serving');
    expect(store.zone?.serial).toBe(2026110100);
    expect(new Uint8Array(await readFile(join(dir, 'current', 'root.zone')))).toEqual(bytes);
    expect((await readFile(join(dir, 'current', 'root.zone.sig'))).length).toBeGreaterThan(0);
    const m = await meta();
    expect(m).toMatchObject({ serial: 2026110100, source: `${srv.base}/root.zone`, etag: '"v1"', fetchedAt: new Date(T0).toISOString(), hasSignature: true });

    clock.advance(30 * 60_000);
    const served = store.zone;
    const again = await r.refresh();
    expect(again.outcome).toBe('unchanged');
    expect(again.attempts[0]!.reason).toMatch(/HTTP 304/);
    expect(store.zone).toBe(served);
    expect((await meta()).confirmedAt).toBe(new Date(T0 + 30 * 60_000).toISOString());
    expect((await meta()).fetchedAt).toBe(new Date(T0).toISOString());
  });

  it('hands the pipeline the download\'s file, not its bytes: a check in another process reads it there, the serving process never holds the copy', async () => {
    const bytes = await publish(2026110100);
    const seen: PipelineCandidate[] = [];
    const real = pgpPipeline([key]);
    const pipeline: ZonePipeline = {
      layers: real.layers,
      async check(c, at, previous, via) {
        seen.push(c);
        // The file is there, whole, while the check runs.
        expect(new Uint8Array(await readFile(c.path!))).toEqual(bytes);
        return real.check(c, at, previous, via);
      },
    };
    const r = new Refresher({ dataDir: new DataDir(dir), store, pipeline, sources: [`${srv.base}/root.zone`], clock, log, fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
    expect((await r.refresh()).outcome).toBe('updated');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.bytes).toBeUndefined();
    expect(seen[0]!.path).toMatch(/\.tmp-/);
  });

  it('same bytes without validators is "unchanged" and skips verification', async () => {
    await publish(2026110100);
    const r = refresher();
    await r.refresh();
    const calls = (r as unknown as { opts: { pipeline: { calls: number } } }).opts.pipeline.calls;
    const ev = await r.refresh();
    expect(ev.outcome).toBe('unchanged');
    expect((r as unknown as { opts: { pipeline: { calls: number } } }).opts.pipeline.calls).toBe(calls);
  });

  it('a newer serial replaces current and keeps the old one as previous', async () => {
    await publish(2026110100);
    const r = refresher();
    await r.refresh();
    await publish(2026110101);
    const ev = await r.refresh();
    expect(ev.outcome).toBe('updated');
    expect(store.zone?.serial).toBe(2026110101);
    expect((await meta('current')).serial).toBe(2026110101);
    expect((await meta('previous')).serial).toBe(2026110100);
    await publish(2026110102);
    await r.refresh();
    expect((await meta('previous')).serial).toBe(2026110101);
    expect((await readdir(dir)).sort()).toEqual(['current', 'lock', 'previous']);
  });

  // Every rejection: clear message, stored and served zone untouched, logged.
  const rejections: { name: string; setup: () => Promise<void>; reason: RegExp; maxBytes?: number }[] = [
    {
      name: 'one flipped byte',
      setup: async () => {
        const good = zoneText(2026110105, { filler: 200 });
        const bad = Uint8Array.from(good);
        bad[bad.length - 10]! ^= 0x01;
        srv.file('/root.zone', bad);
        srv.file('/root.zone.sig', await sign(key, good));
      },
      reason: /pgp: .*(signature|verif|digest)/i,
    },
    {
      name: 'signature from another key',
      setup: async () => {
        const b = zoneText(2026110105, { filler: 200 });
        srv.file('/root.zone', b);
        srv.file('/root.zone.sig', await sign(otherKey, b));
      },
      reason: /pgp: /,
    },
    {
      name: 'signature of another file',
      setup: async () => {
        srv.file('/root.zone', zoneText(2026110105, { filler: 200 }));
        srv.file('/root.zone.sig', await sign(key, zoneText(2026110106, { filler: 200 })));
      },
      reason: /pgp: .*(signature|verif|digest)/i,
    },
    {
      name: 'missing signature (fail closed)',
      setup: async () => {
        srv.file('/root.zone', zoneText(2026110105, { filler: 200 }));
      },
      reason: /no signature from .*root\.zone\.sig .*HTTP 404.*fail closed/,
    },
    {
      name: 'truncated body',
      setup: async () => {
        const b = zoneText(2026110105, { filler: 200 });
        srv.routes.set('/root.zone', (_req, res) => {
          res.writeHead(200, { 'content-length': b.length });
          res.write(b.subarray(0, 3000), () => res.socket?.destroy());
        });
        srv.file('/root.zone.sig', await sign(key, b));
      },
      reason: /short body/,
    },
    {
      name: 'body over the cap',
      setup: async () => {
        const b = zoneText(2026110105, { filler: 2000 });
        srv.routes.set('/root.zone', (_req, res) => res.end(b));
        srv.file('/root.zone.sig', await sign(key, b));
      },
      reason: /exceeds the 20000-byte cap/,
      maxBytes: 20000,
    },
    {
      name: 'gzip bomb',
      setup: async () => {
        srv.routes.set('/root.zone', (_req, res) => {
          res.writeHead(200, { 'content-encoding': 'gzip' });
          res.end(gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)));
        });
      },
      reason: /gzip bomb/,
    },
    {
      name: 'HTTP 404',
      setup: async () => {
        srv.routes.delete('/root.zone');
      },
      reason: /HTTP 404/,
    },
    {
      name: 'HTTP 500',
      setup: async () => {
        srv.routes.set('/root.zone', (_req, res) => {
          res.writeHead(500);
          res.end();
        });
      },
      reason: /HTTP 500/,
    },
    {
      name: 'redirect loop',
      setup: async () => {
        srv.routes.set('/root.zone', (_req, res) => {
          res.writeHead(302, { location: '/elsewhere' });
          res.end();
        });
        srv.routes.set('/elsewhere', (_req, res) => {
          res.writeHead(302, { location: '/root.zone' });
          res.end();
        });
      },
      reason: /redirect loop/,
    },
    {
      name: 'stalled body',
      setup: async () => {
        srv.routes.set('/root.zone', (_req, res) => {
          res.writeHead(200, { 'content-length': 100000 });
          res.write('. 86400 IN SOA');
        });
      },
      reason: /body stalled/,
    },
    {
      name: 'unparseable content with a good signature',
      setup: async () => {
        const b = new TextEncoder().encode('this is not a zone\n');
        srv.file('/root.zone', b);
        srv.file('/root.zone.sig', await sign(key, b));
      },
      reason: /rejected: .*cannot parse/,
    },
    {
      name: 'lower serial than held',
      setup: async () => {
        await publish(2026110099);
      },
      reason: /serial 2026110099 is lower than the held serial 2026110100 \(RFC 1982\); refusing a rollback/,
    },
    {
      name: 'same serial, other content',
      setup: async () => {
        await publish(2026110100, { extra: 'b.root-servers.net.\t518400\tIN\tA\t170.247.170.2' });
      },
      reason: /serial 2026110100 from .* has different content .*; refused/,
    },
  ];

  it.each(rejections)('rejects $name, leaves stored and served zone untouched, logs it', async ({ setup, reason, maxBytes }) => {
    await publish(2026110100);
    const r = refresher(undefined, maxBytes);
    expect((await r.refresh()).outcome).toBe('updated');
    const served = store.zone;
    const before = await snapshot();
    const alarms: AlarmEvent[] = [];
    r.on('alarm', (a) => alarms.push(a));
    srv.routes.clear();
    await setup();
    const ev = await r.refresh();
    expect(ev.outcome).toBe('failed');
    expect(ev.attempts[0]!.reason).toMatch(reason);
    expect(ev.error?.message).toMatch(reason);
    expect(store.zone).toBe(served);
    expect(store.state.kind).toBe('serving');
    expect(await snapshot()).toEqual(before);
    expect(log.lines.some((l) => l.level === 'error' && reason.test(l.msg))).toBe(true);
    if (/serial/.test(reason.source)) expect(alarms).toHaveLength(1);
  });

  it('a .gz source is inflated and its signature fetched from X.sig (over the uncompressed file)', async () => {
    const bytes = zoneText(2026110100, { filler: 200 });
    srv.file('/root.zone.gz', gzipSync(bytes));
    srv.file('/root.zone.sig', await sign(key, bytes));
    const ev = await refresher([`${srv.base}/root.zone.gz`]).refresh();
    expect(ev.outcome).toBe('updated');
    expect(new Uint8Array(await readFile(join(dir, 'current', 'root.zone')))).toEqual(bytes);
    expect(srv.hits).toEqual(['/root.zone.gz', '/root.zone.sig']);
  });

  it('same serial, same records written differently (another source) is "unchanged", not an alarm', async () => {
    await publish(2026110100);
    const r = refresher([`${srv.base}/root.zone`, `${srv.base}/other/root.zone`]);
    await r.refresh();
    // The second source writes the same records with other spacing and comments.
    const text = new TextDecoder().decode(zoneText(2026110100, { filler: 3 })).replaceAll('\t', '   ') + '; written by another tool\n';
    const other = new TextEncoder().encode(text);
    srv.routes.delete('/root.zone');
    srv.file('/other/root.zone', other);
    srv.file('/other/root.zone.sig', await sign(key, other));
    const alarms: AlarmEvent[] = [];
    r.on('alarm', (a) => alarms.push(a));
    clock.advance(60_000);
    const ev = await r.refresh();
    expect(ev.outcome).toBe('unchanged');
    expect(ev.attempts[1]!.reason).toMatch(/same records as the held copy/);
    expect(alarms).toEqual([]);
    expect((await meta()).confirmedAt).toBe(new Date(T0 + 60_000).toISOString());
    // The stored file is still the first source's.
    expect(new Uint8Array(await readFile(join(dir, 'current', 'root.zone')))).toEqual(zoneText(2026110100, { filler: 200 }));
  });

  it('a password in the source URL is not written to the data dir; the same source still gets conditional requests, also after a restart', async () => {
    const bytes = zoneText(2026110100, { filler: 200 });
    const sig = await sign(key, bytes);
    const seen: Array<{ path: string; authorization: string | undefined; ifNoneMatch: string | undefined; ifModifiedSince: string | undefined }> = [];
    const lastModified = 'Sun, 01 Nov 2026 00:00:00 GMT';
    for (const [path, body] of [['/root.zone', bytes], ['/root.zone.sig', sig]] as const) {
      srv.routes.set(path, (req, res) => {
        seen.push({ path, authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'], ifModifiedSince: req.headers['if-modified-since'] });
        if (req.headers['if-none-match'] === '"v1"') {
          res.writeHead(304, { etag: '"v1"' });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-length': body.length, etag: '"v1"', 'last-modified': lastModified });
        res.end(body);
      });
    }
    const source = srv.base.replace('http://', 'http://user:secret@') + '/root.zone';
    expect((await refresher([source]).refresh()).outcome).toBe('updated');
    const written: string[] = [];
    for (const slot of ['current', 'previous']) {
      for (const f of await readdir(join(dir, slot)).catch(() => [])) written.push((await readFile(join(dir, slot, f))).toString('latin1'));
    }
    expect(written.length).toBeGreaterThan(0);
    for (const text of written) expect(text).not.toContain('secret');
    expect((await meta()).source).toBe(srv.base.replace('http://', 'http://user:***@') + '/root.zone');

    // A restarted daemon reads meta.json back: the configured source is still "the same source".
    store = new ZoneStore('servfail');
    const restarted = refresher([source]);
    await restarted.load();
    seen.length = 0;
    clock.advance(60_000);
    const ev = await restarted.refresh();
    expect(ev.outcome).toBe('unchanged');
    expect(ev.attempts[0]!.reason).toMatch(/HTTP 304/);
    expect(seen[0]).toMatchObject({ path: '/root.zone', ifNoneMatch: '"v1"', ifModifiedSince: lastModified });
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
    // Confirming rewrote meta.json: still no password.
    expect(await readFile(join(dir, 'current', 'meta.json'), 'utf8')).not.toContain('secret');

    // Another source gets no validators meant for this one.
    srv.routes.set('/elsewhere/root.zone', srv.routes.get('/root.zone')!);
    seen.length = 0;
    await refresher([`${srv.base}/elsewhere/root.zone`]).refresh();
    expect(seen[0]).toMatchObject({ ifNoneMatch: undefined, ifModifiedSince: undefined });
  });

  it('tries the next source when one fails', async () => {
    await publish(2026110100, { path: '/b/root.zone' });
    const r = refresher([`${srv.base}/a/root.zone`, `${srv.base}/b/root.zone`]);
    const ev = await r.refresh();
    expect(ev.outcome).toBe('updated');
    expect(ev.source).toBe(`${srv.base}/b/root.zone`);
    expect(ev.attempts.map((a) => a.outcome)).toEqual(['failed', 'updated']);
    expect(ev.attempts[0]!.reason).toMatch(/HTTP 404/);
  });

  it('is single-flight: concurrent calls share one cycle', async () => {
    await publish(2026110100);
    const r = refresher();
    const events: RefreshEvent[] = [];
    r.on('refresh', (e) => events.push(e));
    const [a, b] = [r.refresh(), r.refresh()];
    expect(a).toBe(b);
    await a;
    expect(events).toHaveLength(1);
    expect(srv.hits.filter((h) => h === '/root.zone')).toHaveLength(1);
  });

  it('emits a refresh event with outcome, serial, source, layers, durationMs', async () => {
    await publish(2026110100);
    const r = refresher();
    const events: RefreshEvent[] = [];
    r.on('refresh', (e) => events.push(e));
    await r.refresh();
    expect(events[0]).toMatchObject({ outcome: 'updated', serial: 2026110100, source: `${srv.base}/root.zone`, error: undefined });
    expect(events[0]!.durationMs).toBeGreaterThan(0);
  });
});

describe('Refresher.load (start from the data dir)', () => {
  async function seed(): Promise<void> {
    await publish(2026110100);
    const r = refresher();
    await r.refresh();
    await publish(2026110101);
    await r.refresh();
  }

  it('loads and serves the current copy after re-verifying it', async () => {
    await seed();
    store = new ZoneStore('servfail');
    const r = refresher();
    const ev = await r.load();
    expect(ev).toMatchObject({ slot: 'current', serial: 2026110101, problems: [] });
    expect(store.zone?.serial).toBe(2026110101);
  });

  it('a corrupt current copy is reported and ignored; previous is served; the next commit drops the bad one', async () => {
    await seed();
    const zf = join(dir, 'current', 'root.zone');
    const b = await readFile(zf);
    b[100]! ^= 0x20;
    await writeFile(zf, b);
    store = new ZoneStore('servfail');
    const r = refresher();
    const ev = await r.load();
    expect(ev.slot).toBe('previous');
    expect(ev.problems[0]).toMatch(/current: .*corrupt: sha256/);
    expect(store.zone?.serial).toBe(2026110100);
    expect(log.text()).toMatch(/current copy ignored/);
    await publish(2026110102);
    expect((await r.refresh()).outcome).toBe('updated');
    expect((await meta('current')).serial).toBe(2026110102);
    expect((await meta('previous')).serial).toBe(2026110100);
  });

  it('a copy whose bytes match meta.json but whose signature does not verify is not served', async () => {
    await seed();
    // Replace the signature with one from another key: sha256 still matches, PGP fails.
    await writeFile(join(dir, 'current', 'root.zone.sig'), await sign(otherKey, await readFile(join(dir, 'current', 'root.zone'))));
    store = new ZoneStore('servfail');
    const ev = await refresher().load();
    expect(ev.slot).toBe('previous');
    expect(ev.problems[0]).toMatch(/current: does not re-verify: pgp:/);
  });

  it('nothing usable: not served, store stays unavailable', async () => {
    await seed();
    await writeFile(join(dir, 'current', 'meta.json'), '{not json');
    await writeFile(join(dir, 'previous', 'root.zone'), 'garbage');
    store = new ZoneStore('servfail');
    const ev = await refresher().load();
    expect(ev.slot).toBeUndefined();
    expect(ev.problems).toHaveLength(2);
    expect(store.state.kind).toBe('unavailable');
  });

  it('an empty data dir is not a problem', async () => {
    const ev = await refresher().load();
    expect(ev).toEqual({ slot: undefined, serial: undefined, problems: [], removedLeftovers: [] });
  });

  it('removes leftovers of an interrupted refresh', async () => {
    await seed();
    await writeFile(join(dir, '.tmp-deadbeef'), 'partial');
    await writeFile(join(dir, 'current', '.meta.json.abc'), 'partial');
    const ev = await refresher().load();
    expect(ev.removedLeftovers.sort()).toEqual(['.tmp-deadbeef', 'current/.meta.json.abc']);
    expect(ev.slot).toBe('current');
  });
});

describe('expiry', () => {
  it('after SOA expire (7 days) unconfirmed the store is marked unavailable; a fresh copy serves again', async () => {
    await publish(2026110100);
    const r = refresher();
    await r.refresh();
    expect(store.state.kind).toBe('serving');
    srv.routes.clear(); // every refresh fails from now on
    clock.advance(7 * 86400_000 - 1000);
    expect((await r.refresh()).outcome).toBe('failed');
    expect(store.state.kind).toBe('serving');
    clock.advance(1000);
    expect((await r.refresh()).outcome).toBe('failed');
    const s = store.state;
    expect(s.kind).toBe('unavailable');
    if (s.kind === 'unavailable') expect(s.reason).toMatch(/not confirmed current since 2026-11-01T00:00:00.000Z \(SOA expire 604800 s/);
    await publish(2026110101);
    expect((await r.refresh()).outcome).toBe('updated');
    expect(store.state.kind).toBe('serving');
    expect(store.zone?.serial).toBe(2026110101);
  });

  it('a 304 after expiry confirms the held copy and serves it again', async () => {
    await publish(2026110100, { etag: '"e"' });
    const r = refresher();
    await r.refresh();
    clock.advance(8 * 86400_000);
    expect(r.expiry.check()).toMatch(/zone expired/);
    expect(store.state.kind).toBe('unavailable');
    const ev = await r.refresh();
    expect(ev.outcome).toBe('unchanged');
    expect(store.state.kind).toBe('serving');
  });

  it('a stored copy past its expiry is held but not served at start', async () => {
    await publish(2026110100);
    await refresher().refresh();
    clock.advance(7 * 86400_000);
    store = new ZoneStore('servfail');
    const ev = await refresher().load();
    expect(ev.slot).toBe('current');
    expect(store.state.kind).toBe('unavailable');
  });
});
