// startMonitoring wired to a real ZoneStore and a refresher-shaped emitter:
// swaps produce a change report, refresh events feed /metrics and /status, three
// verification failures in a row make the monitor CRITICAL, /readyz follows the store.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../src/clock.js';
import { parseZoneText } from '../src/zone/parser.js';
import { buildZone } from '../src/zone/build.js';
import { ZoneStore } from '../src/zone/store.js';
import type { Zone } from '../src/zone/zone.js';
import { startFakeRoots } from './helpers/fake-root.js';
import { startMonitoring, type Monitoring, type RefresherLike } from '../src/ops/monitoring.js';
import type { AlarmLike, RefreshOutcomeLike } from '../src/ops/status.js';

const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const T0 = Date.UTC(2026, 7, 22, 18, 0, 0);
const N = 2026082201;

/** A small real zone (parser + buildZone): SOA, apex NS + glue, a DNSKEY, TLD delegations. */
function smallZone(serial: number, tlds: string[], kskByte: number): Zone {
  const key = Buffer.concat([Buffer.from([3, 1, 0, 1]), Buffer.alloc(64, kskByte)]).toString('base64');
  const text = [
    `. 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. ${serial} 1800 900 604800 86400`,
    '. 518400 IN NS a.root-servers.net.',
    'a.root-servers.net. 518400 IN A 198.41.0.4',
    `. 172800 IN DNSKEY 257 3 8 ${key}`,
    ...tlds.flatMap((t) => [`${t}. 172800 IN NS ns.${t}.`, `ns.${t}. 172800 IN A 192.0.2.${tlds.indexOf(t) + 1}`]),
  ].join('\n');
  return buildZone(parseZoneText(text, { file: 'small' }), { dnssec: 'keep' });
}

class FakeRefresher extends EventEmitter<{ refresh: [RefreshOutcomeLike]; alarm: [AlarmLike] }> implements RefresherLike {
  held: RefresherLike['held'];
}

describe('startMonitoring', () => {
  const clock = new ManualClock(T0);
  const store = new ZoneStore('servfail');
  const refresher = new FakeRefresher();
  let roots: Awaited<ReturnType<typeof startFakeRoots>>;
  let mon: Monitoring;
  const logs: string[] = [];
  const log = {
    debug() {},
    info: (m: string) => void logs.push(`info ${m}`),
    warn: (m: string) => void logs.push(`warn ${m}`),
    error: (m: string) => void logs.push(`error ${m}`),
    child: () => log,
  };
  const get = async (p: string) => {
    const r = await fetch(`http://127.0.0.1:${mon.http.address.port}${p}`);
    return { status: r.status, text: await r.text() };
  };

  beforeAll(async () => {
    roots = await startFakeRoots(Array.from({ length: 13 }, () => ({ serial: N + 1 })));
    mon = await startMonitoring({
      store,
      refresher,
      http: '127.0.0.1:0',
      rootHints: HINTS,
      rootPort: roots.port,
      monitorIntervalMs: 60_000,
      probe: { timeoutMs: 1000, retryDelayMs: 50 },
      clock,
      log,
    });
  });
  afterAll(async () => {
    await mon?.stop();
    await roots?.close();
  });

  it('not ready before a zone is swapped in; monitor says CRITICAL (nothing served)', async () => {
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/healthz')).status).toBe(200);
    const r = await mon.monitor!.runOnce();
    expect(r).toMatchObject({ state: 'CRITICAL', reason: 'not serving a zone: no verified zone loaded yet' });
    expect(logs).toContain('error monitor start -> CRITICAL: not serving a zone: no verified zone loaded yet');
  });

  it('a stored copy that expired is not served: /readyz, /status and the monitor say why', async () => {
    const why = 'zone expired: not confirmed current since 2026-08-01T00:00:00.000Z (SOA expire 604800 s passed at 2026-08-08T00:00:00.000Z)';
    store.markUnavailable(why);
    expect(await get('/readyz')).toEqual({ status: 503, text: `not ready: ${why}\n` });
    expect(JSON.parse((await get('/status')).text)).toMatchObject({ ready: false, reason: why, serial: null });
    const r = await mon.monitor!.runOnce();
    expect(r).toMatchObject({ state: 'CRITICAL', reason: `not serving a zone: ${why}` });
  });

  it('a swap: ready, /status shows the held copy; the next swap yields a change report', async () => {
    refresher.held = {
      meta: {
        serial: N,
        source: 'https://example.test/root.zone',
        fetchedAt: new Date(T0 - 60_000).toISOString(),
        confirmedAt: new Date(T0 - 60_000).toISOString(),
        signaturesExpireAt: new Date(T0 + 10 * 86400_000).toISOString(),
        layers: { pgp: { ok: true, detail: 'ok', ms: 30 }, zonemd: { ok: true, detail: 'ok', ms: 800 } },
      },
    };
    store.swap(smallZone(N, ['com', 'net', 'org'], 1));
    refresher.emit('refresh', { outcome: 'updated', serial: N, source: 'https://example.test/root.zone', layers: refresher.held.meta.layers, durationMs: 1500, error: undefined });
    expect((await get('/readyz')).status).toBe(200);
    let s = JSON.parse((await get('/status')).text);
    expect(s).toMatchObject({ ready: true, serial: N, source: 'https://example.test/root.zone', fetchedAt: '2026-08-22T17:59:00.000Z', lastChange: null, lastRefresh: { outcome: 'updated', durationMs: 1500, layers: { zonemd: { ok: true, ms: 800 } } } });
    const m = (await get('/metrics')).text;
    expect(m).toContain('rootmirror_refresh_last_verification_duration_seconds{layer="pgp"} 0.03\n');
    expect(m).toContain('rootmirror_refresh_last_verification_duration_seconds{layer="zonemd"} 0.8\n');
    expect(m).toMatch(/^process_resident_memory_bytes \d+$/m); // the process collectors start with the endpoint

    refresher.held = { meta: { ...refresher.held.meta, serial: N + 1 } };
    const swapped = new Promise<void>((r) => store.once('swap', () => setImmediate(r)));
    store.swap(smallZone(N + 1, ['com', 'net', 'shop'], 2));
    await swapped;
    s = JSON.parse((await get('/status')).text);
    expect(s.lastChange).toMatchObject({ fromSerial: N, toSerial: N + 1, tldsAdded: ['shop.'], tldsRemoved: ['org.'] });
    expect(s.lastChange.dnskeyChanged.added).toHaveLength(1);
    expect(logs).toContain(`error ROOT DNSKEY SET CHANGED in ${N + 1} (KSK: check your trust anchor, RFC 5011)`); // flags 257: a KSK
    const r = await mon.monitor!.runOnce();
    expect(r).toMatchObject({ state: 'OK', ourSerial: N + 1, ageMs: 60_000 });
  });

  it('three refreshes failing verification in a row: CRITICAL; a good one clears it', async () => {
    const bad: RefreshOutcomeLike = { outcome: 'failed', serial: N + 1, source: undefined, layers: { zonemd: { ok: false, detail: 'digest mismatch', ms: 700 } }, durationMs: 900, error: new Error('ZONEMD digest mismatch') };
    for (let i = 0; i < 3; i++) refresher.emit('refresh', bad);
    // a download failure (no layer verdicts) does not count as a verification failure
    refresher.emit('refresh', { ...bad, layers: undefined, error: new Error('HTTP 503') });
    const r = await mon.monitor!.runOnce();
    expect(r).toMatchObject({ state: 'CRITICAL', reason: 'last 3 refreshes failed verification' });
    const m = (await get('/metrics')).text;
    expect(m).toContain('rootmirror_refreshes_total{outcome="failed"} 4\n');
    expect(m).toContain('rootmirror_refresh_last_result{outcome="failed"} 1\n');
    expect(m).toContain('rootmirror_refresh_failed_verification_streak 3\n');
    expect(JSON.parse((await get('/status')).text).lastError).toEqual({ at: '2026-08-22T18:00:00.000Z', message: 'HTTP 503' });
    refresher.emit('refresh', { outcome: 'unchanged', serial: N + 1, source: 'x', layers: undefined, durationMs: 10, error: undefined });
    expect((await mon.monitor!.runOnce()).state).toBe('OK');
  });

  it('expiry passed: /readyz 503 even while the store still serves', async () => {
    // The refresher's ExpiryWatch keeps the store's deadline; readiness reads it at every ask.
    store.setDeadline({ at: T0 - 1, reason: 'not confirmed current since 2026-08-15T17:59:59.999Z' });
    expect(await get('/readyz')).toEqual({ status: 503, text: `not ready: serial ${N + 1} is served but has expired: not confirmed current since 2026-08-15T17:59:59.999Z\n` });
    expect(JSON.parse((await get('/status')).text)).toMatchObject({ ready: false, expiresAt: '2026-08-22T17:59:59.999Z' });
    expect((await mon.monitor!.runOnce()).state).toBe('CRITICAL');
    store.setDeadline({ at: T0 + 86400_000, reason: 'later' });
    expect(await get('/readyz')).toEqual({ status: 200, text: `ready: serving serial ${N + 1}\n` });
  });

  it('same serial, different content: CRITICAL in the monitor and /status, a metric, until a new serial is stored', async () => {
    const message = `serial ${N + 1} from https://example.test/root.zone has different content (sha256 aa) than the held copy (sha256 bb); refused`;
    refresher.emit('alarm', { kind: 'same-serial-different-content', source: 'https://example.test/root.zone', serial: N + 1, message });
    const r = await mon.monitor!.runOnce();
    expect(r).toMatchObject({ state: 'CRITICAL', reason: `same serial, different content: ${message}` });
    expect(JSON.parse((await get('/status')).text).alarm).toMatchObject({ kind: 'same-serial-different-content', serial: N + 1, message });
    const m = (await get('/metrics')).text;
    expect(m).toContain('rootmirror_refresh_same_serial_conflict 1\n');
    expect(m).toContain('rootmirror_refresh_alarms_total{kind="same-serial-different-content"} 1\n');
    expect(logs.some((l) => l.startsWith('error refresh alarm: same serial, different content'))).toBe(true);
    refresher.emit('refresh', { outcome: 'updated', serial: N + 2, source: 'x', layers: undefined, durationMs: 10, error: undefined });
    expect((await get('/metrics')).text).toContain('rootmirror_refresh_same_serial_conflict 0\n');
    expect(JSON.parse((await get('/status')).text).alarm).toBeNull();
  });

  it('rejects other methods and unknown paths', async () => {
    const r = await fetch(`http://127.0.0.1:${mon.http.address.port}/metrics`, { method: 'POST', body: 'x' });
    expect(r.status).toBe(405);
    expect((await get('/nope')).status).toBe(404);
  });
});
