// Whole-feature test of issue 5 with fake live roots: 13 small DNS servers on
// 127.0.1.1 … 127.0.1.13 (one shared random port, as `--root-port` would
// reach them), "our" mirror on 127.0.2.1, time injected. Each case asserts the
// monitor state, /status, /metrics, `rootmirror check` and the webhook deliveries.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../src/clock.js';
import { FakeRoot, startFakeRoots, type FakeRootConfig } from './helpers/fake-root.js';
import { readRootHints, rootTargets } from '../src/monitor/root-hints.js';
import { DriftMonitor } from '../src/monitor/monitor.js';
import { startOpsServer, type OpsServer } from '../src/ops/http.js';
import { OpsState } from '../src/ops/status.js';
import { Rcode, RRType } from '../src/dns/types.js';
import { ServerCounters } from '../src/server/counters.js';
import { WebhookAlerter, type AlertPayload } from '../src/ops/webhook.js';
import { runCheck } from '../src/cli/commands/check.js';
import type { DriftReport } from '../src/monitor/drift.js';

const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const H = 3600_000;
const T0 = Date.UTC(2026, 7, 22, 18, 0, 0);
const N = 2026082201;
const probe = { timeoutMs: 500, retryDelayMs: 50 };

function promtoolAvailable(): boolean {
  return spawnSync('promtool', ['--version']).status === 0;
}

describe('drift monitor against fake roots', () => {
  const clock = new ManualClock(T0);
  let roots: { roots: FakeRoot[]; port: number; close(): Promise<void> };
  let ours: FakeRoot;
  let ops: OpsServer;
  let hook: http.Server;
  let hookUrl: string;
  const deliveries: { status: number; body: AlertPayload }[] = [];
  let failNext = 1;
  const state = new OpsState(clock);
  let monitor: DriftMonitor;
  let alerter: WebhookAlerter;
  const logLines: string[] = [];

  const setRoots = (cfgs: FakeRootConfig[]) => cfgs.forEach((c, i) => (roots.roots[i]!.config = c));
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${ops.address.port}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const check = () =>
    runCheck({ server: `127.0.2.1:${ours.port}`, rootHints: HINTS, rootPort: roots.port, family: 'both', warnBehindSec: 7200, critBehindSec: 43200, timeoutMs: 500, now: () => clock.now() });
  const step = async (): Promise<DriftReport> => {
    const r = await monitor.runOnce();
    state.monitor = r;
    await alerter.observe(r);
    return r;
  };

  beforeAll(async () => {
    roots = await startFakeRoots(Array.from({ length: 13 }, () => ({ serial: N })));
    ours = await FakeRoot.start('127.0.2.1', 0, { serial: N, sigInception: T0 - 720_000 });
    const servers = await readRootHints(HINTS);
    state.serving = true;
    state.zone = {
      serial: N,
      source: 'https://www.internic.net/domain/root.zone',
      fetchedAt: T0 - 720_000,
      confirmedAt: T0 - 720_000,
      expiresAt: T0 + 7 * 24 * H,
      apexSigExpiresAt: T0 + 13 * 24 * H,
      layers: { pgp: { ok: true, detail: 'good signature', ms: 40 }, zonemd: { ok: true, detail: 'digest matches', ms: 900 }, dnssec: { ok: true, detail: 'chain ok', ms: 2100 } },
    };
    state.onRefresh({ outcome: 'updated', serial: N, source: 'https://www.internic.net/domain/root.zone', layers: state.zone.layers, durationMs: 4200, error: undefined });
    const counters = new ServerCounters();
    for (let i = 0; i < 10; i++) counters.countQuery('udp', RRType.A, Rcode.NOERROR);
    for (let i = 0; i < 2; i++) counters.countQuery('tcp', RRType.SOA, Rcode.NXDOMAIN);
    counters.truncated = 1;
    counters.malformed = 3;
    counters.tcpOpened = 2;
    state.counters = counters;
    monitor = new DriftMonitor({
      targets: rootTargets(servers, roots.port),
      ours: () => ({ serial: state.zone?.serial, confirmedAt: state.zone?.confirmedAt, expiresAt: state.zone?.expiresAt, failedVerifications: state.failedVerificationStreak }),
      clock,
      probe,
      log: { debug() {}, info: (m) => logLines.push(`info ${m}`), warn: (m) => logLines.push(`warn ${m}`), error: (m) => logLines.push(`error ${m}`), child: () => { throw new Error('unused'); } },
    });
    ops = await startOpsServer('127.0.0.1:0', () => state.snapshot());
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const status = failNext > 0 ? (failNext--, 500) : 200;
        deliveries.push({ status, body: JSON.parse(body) as AlertPayload });
        res.writeHead(status).end();
      });
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alert`;
    alerter = new WebhookAlerter({ url: hookUrl, clock, host: 'mirror1', backoffMs: 10, tries: 3 });
    state.webhook = alerter;
  });

  afterAll(async () => {
    await monitor?.stop();
    await roots?.close();
    await ours?.close();
    await ops?.close();
    hook?.closeAllConnections();
    await new Promise((r) => hook?.close(r));
  });

  it('all current: OK 13/13, ready, check exit 0', async () => {
    const r = await step();
    expect(r).toMatchObject({ state: 'OK', liveSerial: N, rootsAnswered: 13, rootsMatching: 13, behind: false });
    const status = JSON.parse((await get('/status')).text);
    expect(status).toMatchObject({
      ready: true,
      serial: N,
      source: 'https://www.internic.net/domain/root.zone',
      fetchedAt: '2026-08-22T17:48:00.000Z',
      layers: { pgp: { ok: true }, zonemd: { ok: true }, dnssec: { ok: true } },
      monitor: { state: 'OK', reason: `serial ${N} matches 13/13 roots`, liveSerial: N, behindSeconds: 0, rootsAnswered: 13 },
      lastError: null,
      lastChange: null,
    });
    expect(status.monitor.roots).toHaveLength(13);
    expect(status.monitor.roots[0]).toEqual({ server: 'a.root-servers.net.', serial: N, addresses: [{ address: '127.0.1.1', serial: N }] });
    const m = (await get('/metrics')).text;
    expect(m).toContain(`rootmirror_zone_serial ${N}\n`);
    expect(m).toContain('rootmirror_zone_age_seconds 720\n');
    expect(m).toContain(`rootmirror_zone_expires_in_seconds ${7 * 24 * 3600}\n`);
    expect(m).toContain(`rootmirror_zone_signature_expires_in_seconds ${13 * 24 * 3600}\n`);
    expect(m).toContain('rootmirror_monitor_state{state="OK"} 1\n');
    expect(m).toContain('rootmirror_monitor_state_code 0\n');
    expect(m).toContain(`rootmirror_root_serial{server="m.root-servers.net.",address="127.0.1.13"} ${N}\n`);
    expect(m).toContain('rootmirror_behind_seconds 0\n');
    expect(m).toContain('rootmirror_verification_ok{layer="dnssec"} 1\n');
    expect(m).toContain('rootmirror_refresh_last_duration_seconds 4.2\n');
    expect(m).toContain('rootmirror_dns_queries_total{transport="tcp",qtype="SOA",rcode="NXDOMAIN"} 2\n');
    expect(m).toContain('rootmirror_dns_malformed_total 3\n');
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    const c = await check();
    expect(c.exit).toBe(0);
    expect(c.line).toBe(`ROOTMIRROR OK - serial ${N} matches 13/13 roots | behind=0s;7200;43200;0 age=720s roots_answered=13;;;0;13 roots_matching=13;;;0;13`);
    expect(deliveries).toEqual([]); // a first OK is not news
  });

  it('/metrics passes promtool check metrics', async (ctx) => {
    if (!promtoolAvailable()) ctx.skip();
    const m = (await get('/metrics')).text;
    const p = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
    expect(p.stdout + p.stderr).toBe('');
    expect(p.status).toBe(0);
  });

  it('some lagging: still OK, the lagging instances are named', async () => {
    setRoots(Array.from({ length: 13 }, (_, i) => ({ serial: i >= 10 ? N - 1 : N })));
    const r = await step();
    expect(r.state).toBe('OK');
    expect(r.disagreeing).toEqual([
      { server: 'k.root-servers.net.', address: '127.0.1.11', serial: N - 1 },
      { server: 'l.root-servers.net.', address: '127.0.1.12', serial: N - 1 },
      { server: 'm.root-servers.net.', address: '127.0.1.13', serial: N - 1 },
    ]);
    const status = JSON.parse((await get('/status')).text);
    expect(status.monitor.disagreeing).toHaveLength(3);
    expect((await get('/metrics')).text).toContain(`rootmirror_root_serial{server="k.root-servers.net.",address="127.0.1.11"} ${N - 1}\n`);
    const c = await check();
    expect(c.exit).toBe(0);
    expect(c.line).toMatch(
      new RegExp(`^ROOTMIRROR OK - serial ${N} matches 10/13 roots; 3 root instance\\(s\\) disagree \\(k\\.root-servers\\.net\\. ${N - 1}, l\\.root-servers\\.net\\. ${N - 1}, m\\.root-servers\\.net\\. ${N - 1}\\) \\| behind=0s`),
    );
    expect(logLines.filter((l) => l.startsWith('info root instance disagrees'))).toHaveLength(3);
  });

  it('a majority newer: behind, OK within 2h, WARNING after, webhook retried after a 500', async () => {
    const inception = T0 + 600_000;
    clock.set(T0 + 3600_000);
    setRoots(Array.from({ length: 13 }, (_, i) => (i < 8 ? { serial: N + 1, sigInception: inception } : { serial: N })));
    const r1 = await step();
    expect(r1).toMatchObject({ state: 'OK', behind: true, liveSerial: N + 1, behindSince: T0 + 3600_000, behindMs: 0 });
    // check has no history: it dates the lag from the live SOA's RRSIG inception (50 min ago).
    const c1 = await check();
    expect(c1.exit).toBe(0);
    expect(c1.line).toMatch(new RegExp(`^ROOTMIRROR OK - serial ${N} behind live ${N + 1} \\(8/13 roots\\) for 50m, within 2\\.0h; 5 root instance`));
    expect(c1.line).toContain('| behind=3000s;7200;43200;0 age=4320s');

    clock.advance(2 * H + 60_000);
    const r2 = await step();
    expect(r2).toMatchObject({ state: 'WARNING', behindSince: T0 + 3600_000, behindMs: 2 * H + 60_000 });
    expect(logLines).toContain(`warn monitor OK -> WARNING: ${r2.reason}`);
    const status = JSON.parse((await get('/status')).text);
    expect(status.monitor).toMatchObject({ state: 'WARNING', liveSerial: N + 1, behind: true, behindSeconds: 7260, behindSince: '2026-08-22T19:00:00.000Z' });
    const m = (await get('/metrics')).text;
    expect(m).toContain('rootmirror_monitor_state{state="WARNING"} 1\n');
    expect(m).toContain('rootmirror_monitor_state_code 1\n');
    expect(m).toContain('rootmirror_behind_seconds 7260\n');
    expect(m).toContain(`rootmirror_live_serial ${N + 1}\n`);
    const c2 = await check();
    expect(c2.exit).toBe(1);
    expect(c2.line).toMatch(/^ROOTMIRROR WARNING - serial 2026082201 behind live 2026082202 \(8\/13 roots\) for 2\.9h, over 2\.0h/);

    // first try got a 500, the retry a 200: the same document twice.
    expect(deliveries.map((d) => d.status)).toEqual([500, 200]);
    expect(deliveries[1]!.body).toEqual(deliveries[0]!.body);
    expect(deliveries[0]!.body).toEqual({
      kind: 'change',
      state: 'WARNING',
      previous: 'OK',
      reason: r2.reason,
      serial: N,
      liveSerial: N + 1,
      behindSeconds: 7260,
      at: new Date(T0 + 3 * H + 60_000).toISOString(),
      host: 'mirror1',
    });

    clock.advance(10 * H);
    const r3 = await step();
    expect(r3.state).toBe('CRITICAL');
    expect((await check()).exit).toBe(2);
    expect(deliveries.map((d) => [d.body.kind, d.body.state, d.body.previous])).toEqual([
      ['change', 'WARNING', 'OK'],
      ['change', 'WARNING', 'OK'],
      ['change', 'CRITICAL', 'WARNING'],
    ]);
  });

  it('some silent, and we caught up: recovery OK, silent roots listed', async () => {
    clock.advance(H);
    state.zone = { ...state.zone!, serial: N + 1, confirmedAt: clock.now() };
    ours.config = { serial: N + 1, sigInception: T0 + 600_000 };
    setRoots(Array.from({ length: 13 }, (_, i) => (i < 9 ? { serial: N + 1, sigInception: T0 + 600_000 } : { serial: N + 1, mode: 'silent' })));
    const r = await step();
    expect(r).toMatchObject({ state: 'OK', rootsAnswered: 9, rootsAsked: 13, behind: false, reason: `serial ${N + 1} matches 9/13 roots` });
    expect(r.silent.map((s) => s.address)).toEqual(['127.0.1.10', '127.0.1.11', '127.0.1.12', '127.0.1.13']);
    expect(r.silent[0]!.error).toBe('timeout after 500 ms (udp)');
    expect(deliveries.at(-1)!.body).toMatchObject({ kind: 'recovery', state: 'OK', previous: 'CRITICAL', serial: N + 1, behindSeconds: 0 });
    const m = (await get('/metrics')).text;
    expect(m).toContain('rootmirror_root_up{server="j.root-servers.net.",address="127.0.1.10"} 0\n');
    expect(m).not.toContain('rootmirror_root_serial{server="j.root-servers.net."');
    expect(m).toContain('rootmirror_roots_answered 9\n');
    const c = await check();
    expect(c.exit).toBe(0);
    expect(c.line).toMatch(new RegExp(`^ROOTMIRROR OK - serial ${N + 1} matches 9/13 roots; 4 root address\\(es\\) silent \\| behind=0s`));
  });

  it('all silent: UNKNOWN, check exit 3, one reminder a day while it lasts', async () => {
    setRoots(Array.from({ length: 13 }, () => ({ serial: N + 1, mode: 'silent' as const })));
    const r = await step();
    expect(r).toMatchObject({ state: 'UNKNOWN', reason: 'no root answered (0/13)', liveSerial: undefined });
    const status = JSON.parse((await get('/status')).text);
    expect(status.monitor).toMatchObject({ state: 'UNKNOWN', rootsAnswered: 0, liveSerial: null });
    expect((await get('/metrics')).text).toContain('rootmirror_monitor_state_code 3\n');
    const c = await check();
    expect(c).toMatchObject({ exit: 3 });
    expect(c.line).toBe('ROOTMIRROR UNKNOWN - no root answered (0/13) | behind=0s;7200;43200;0 age=49860s roots_answered=0;;;0;13 roots_matching=0;;;0;13');

    const before = deliveries.length;
    clock.advance(12 * H);
    await step(); // still UNKNOWN, half a day later: no reminder yet
    clock.advance(12 * H);
    await step(); // a day after the alert: one reminder
    clock.advance(H);
    await step();
    expect(deliveries.slice(before - 1).map((d) => [d.body.kind, d.body.state])).toEqual([
      ['change', 'UNKNOWN'],
      ['reminder', 'UNKNOWN'],
    ]);
    // everything the receiver saw, in order
    expect(deliveries.map((d) => `${d.status} ${d.body.kind} ${d.body.previous}->${d.body.state}`)).toEqual([
      '500 change OK->WARNING',
      '200 change OK->WARNING',
      '200 change WARNING->CRITICAL',
      '200 recovery CRITICAL->OK',
      '200 change OK->UNKNOWN',
      '200 reminder UNKNOWN->UNKNOWN',
    ]);
    expect(alerter.sent).toBe(5);
    expect(alerter.failures).toBe(0);
  });

  it('our server silent: check says CRITICAL; expired zone: /readyz 503', async () => {
    ours.config = { serial: N + 1, mode: 'silent' };
    const c = await check();
    expect(c.exit).toBe(2);
    expect(c.line).toMatch(/^ROOTMIRROR CRITICAL - our server 127\.0\.2\.1:\d+ did not answer: timeout after 500 ms \(udp\)$/);
    state.zone = { ...state.zone!, expiresAt: clock.now() - 1 };
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/metrics')).text).toContain('rootmirror_ready 0\n');
  });
});
