// Issue 12 §2, in process: every legal HTTP framing of the zone and its .sig,
// and every misbehaving source, each against a real local server
// (bench/http-sources.mjs, raw sockets) through the real Refresher, download
// and parser, REPS times per row. The same rows against a spawned daemon are
// test/http-sources-daemon.test.ts.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMINGS, MISBEHAVING, RawHttpServer } from '../bench/http-sources.mjs';
import { DataDir } from '../src/refresh/data-dir.js';
import { MemoryLog } from '../src/log.js';
import { Refresher } from '../src/refresh/refresher.js';
import { createZonePipeline } from '../src/refresh/zone-pipeline.js';
import { ZoneStore } from '../src/zone/store.js';
import { makeKey, pgpVerifiers, sign, zoneText, type TestKey } from './refresh-kit.js';

const REPS = 10;
/** The --fetch-timeout of the rows that drip (each such cycle waits for it once). */
const DEADLINE_MS = 200;
/** Everywhere else: far more than loopback needs, so a loaded machine does not fail a row. */
const GENEROUS_MS = 10_000;
let key: TestKey;
let srv: RawHttpServer;
let dir: string;
let serial = 2026010100;

beforeAll(async () => {
  key = await makeKey();
  srv = await new RawHttpServer().start();
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-http-matrix-'));
}, 30_000);
afterAll(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

function refresher(sources: string[], fetchTimeoutMs = GENEROUS_MS, log = new MemoryLog()): { r: Refresher; store: ZoneStore; log: MemoryLog } {
  const store = new ZoneStore('servfail');
  const pipeline = createZonePipeline({ layers: ['pgp'], dnssec: 'keep', verifiers: pgpVerifiers([key]), maxRecords: 1000 });
  const r = new Refresher({ dataDir: new DataDir(dir), store, pipeline, sources, log, fetchTimeoutMs });
  return { r, store, log };
}

/** A new serial, its bytes and their signature; `big` makes it ~1 MB (socket buffers fill: backpressure). */
async function nextCopy(big = false): Promise<{ serial: number; body: Uint8Array; sig: Uint8Array }> {
  serial++;
  const body = zoneText(serial, big ? { filler: 20_000 } : {});
  return { serial, body, sig: await sign(key, body) };
}

describe('every legal framing, for the zone and its .sig, through the refresher', () => {
  for (const [name, framing] of Object.entries(FRAMINGS)) {
    it(`${name}: ${REPS} small copies and one of ~1 MB, each verified and served`, async () => {
      const zonePath = name === 'gz-file' ? `/${name}/root.zone.gz` : `/${name}/root.zone`;
      const { r, store } = refresher([srv.base + zonePath]);
      for (let i = 0; i <= REPS; i++) {
        const c = await nextCopy(i === REPS);
        srv.routes.set(zonePath, framing(c.body));
        // A .gz zone's signature is at X.sig over the uncompressed bytes: served plainly.
        srv.routes.set(`/${name}/root.zone.sig`, (name === 'gz-file' ? FRAMINGS['close-with-length'] : framing)(c.sig));
        const ev = await r.refresh();
        expect(ev.attempts.map((a) => a.reason)).toEqual([expect.stringMatching(/stored and served|→/)]);
        expect(ev.outcome).toBe('updated');
        expect(store.zone?.serial).toBe(c.serial);
      }
      await r.close();
    }, 30_000);
  }
});

interface BadRow {
  readonly name: string;
  /** Set the routes under `/${name}/` for a copy the source pretends to serve. */
  readonly routes: (prefix: string, c: { body: Uint8Array; sig: Uint8Array }) => void;
  readonly reason: RegExp;
}

const BAD_ROWS: readonly BadRow[] = [
  {
    name: 'drip',
    routes: (p, c) => srv.routes.set(`${p}/root.zone`, MISBEHAVING.drip(c.body, 20)),
    reason: new RegExp(`did not finish within ${DEADLINE_MS}ms \\(--fetch-timeout\\)`),
  },
  {
    name: 'sig-drip',
    routes: (p, c) => {
      srv.routes.set(`${p}/root.zone`, FRAMINGS.chunked(c.body));
      srv.routes.set(`${p}/root.zone.sig`, MISBEHAVING.drip(c.sig, 20));
    },
    reason: new RegExp(`no signature from .*did not finish within ${DEADLINE_MS}ms \\(--fetch-timeout\\)`),
  },
  {
    name: 'not-modified',
    routes: (p) => srv.routes.set(`${p}/root.zone`, MISBEHAVING.notModified()),
    reason: /HTTP 304 Not Modified to a request without If-None-Match\/If-Modified-Since; the source is misbehaving/,
  },
  { name: 'html', routes: (p) => srv.routes.set(`${p}/root.zone`, MISBEHAVING.htmlPage()), reason: /got an HTML page \(Content-Type text\/html; charset=utf-8\), not a zone file/ },
  { name: 'html-sniffed', routes: (p) => srv.routes.set(`${p}/root.zone`, MISBEHAVING.htmlSniffed()), reason: /got an HTML page \(the body starts like an HTML document\)/ },
  {
    name: 'sig-html',
    routes: (p, c) => {
      srv.routes.set(`${p}/root.zone`, FRAMINGS['close-with-length'](c.body));
      srv.routes.set(`${p}/root.zone.sig`, MISBEHAVING.htmlPage());
    },
    reason: /no signature from .*got an HTML page/,
  },
  { name: 'reset', routes: (p, c) => srv.routes.set(`${p}/root.zone`, MISBEHAVING.resetMidBody(zoneText(1, { filler: 2000 }))), reason: /short body: the connection ended early/ },
  {
    name: 'loop',
    routes: (p) => {
      srv.routes.set(`${p}/root.zone`, MISBEHAVING.redirect(`${p}/again/root.zone`));
      srv.routes.set(`${p}/again/root.zone`, MISBEHAVING.redirect(`${p}/root.zone`));
    },
    reason: /redirect loop back to/,
  },
  { name: 'ftp', routes: (p) => srv.routes.set(`${p}/root.zone`, MISBEHAVING.redirect('ftp://127.0.0.1/root.zone')), reason: /the ftp: scheme is not supported \(only http: and https:\)/ },
];

describe('every misbehaving source: one-line error, the held copy kept, the next source tried', () => {
  for (const row of BAD_ROWS) {
    it(`${row.name}: ${REPS} cycles`, async () => {
      const prefix = `/bad-${row.name}`;
      const good = `/good-${row.name}/root.zone`;
      const { r, store } = refresher([srv.base + prefix + '/root.zone', srv.base + good], row.name.includes('drip') ? DEADLINE_MS : GENEROUS_MS);
      for (let i = 0; i < REPS; i++) {
        const bad = await nextCopy();
        row.routes(prefix, bad);
        const c = await nextCopy();
        srv.routes.set(good, FRAMINGS.chunked(c.body));
        srv.routes.set(`${good}.sig`, FRAMINGS.chunked(c.sig));
        const held = store.zone?.serial;
        const cycle = r.refresh();
        // While the bad source is tried, the held copy is what is served.
        expect(store.zone?.serial).toBe(held);
        const ev = await cycle;
        const [first, second] = ev.attempts;
        expect(first?.outcome).toBe('failed');
        expect(first?.reason).toMatch(row.reason);
        expect(first?.reason).not.toContain('\n');
        expect(second?.outcome).toBe('updated');
        expect(store.zone?.serial).toBe(c.serial);
      }
      await r.close();
      // Every socket freed (the dripping ones too: the deadline aborts the request).
      await srv.drained();
    }, 30_000);
  }
});

describe('304 Not Modified', () => {
  it('to an unconditional request confirms nothing: confirmedAt unchanged, the cycle fails', async () => {
    const only = `/nm-only/root.zone`;
    const c = await nextCopy();
    srv.routes.set(only, FRAMINGS['close-with-length'](c.body));
    srv.routes.set(`${only}.sig`, FRAMINGS['close-with-length'](c.sig));
    const { r } = refresher([srv.base + only]);
    expect((await r.refresh()).outcome).toBe('updated');
    const confirmedAt = r.held!.meta.confirmedAt;
    // No ETag, no Last-Modified were given: the next request is unconditional.
    srv.routes.set(only, MISBEHAVING.notModified());
    const hitsBefore = srv.hits.length;
    const ev = await r.refresh();
    expect(srv.hits.slice(hitsBefore)).toEqual([`GET ${only}`]);
    expect(ev.outcome).toBe('failed');
    expect(ev.attempts[0]?.reason).toMatch(/HTTP 304 Not Modified to a request without/);
    expect(r.held!.meta.confirmedAt).toBe(confirmedAt);
    const stored = JSON.parse(await readFile(join(dir, 'current', 'meta.json'), 'utf8')) as { confirmedAt: string };
    expect(stored.confirmedAt).toBe(confirmedAt);
    await r.close();
  });
});
