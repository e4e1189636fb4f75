// A captive network (hotel Wi-Fi, a firewall redirecting port 53) answers for
// the roots itself: NXDOMAIN without AA, or an SOA of its own without AA. The
// monitor must not read that as "no answer": it says "answers from the roots
// look intercepted" in its state, /status, `rootmirror check` and the log,
// once per change. 13 fake roots on loopback (real UDP/TCP servers), time injected.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../src/clock.js';
import { runCheck } from '../src/cli/commands/check.js';
import { FakeRoot, startFakeRoots, type FakeRootMode } from './helpers/fake-root.js';
import { DriftMonitor } from '../src/monitor/monitor.js';
import { readRootHints, rootTargets } from '../src/monitor/root-hints.js';
import { startOpsServer, type OpsServer } from '../src/ops/http.js';
import { OpsState } from '../src/ops/status.js';

const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const T0 = Date.UTC(2026, 7, 22, 18, 0, 0);
const N = 2026082201;
const H = 3600_000;

describe('the monitor against roots whose answers look intercepted', () => {
  const clock = new ManualClock(T0);
  const state = new OpsState(clock);
  const logLines: string[] = [];
  let roots: Awaited<ReturnType<typeof startFakeRoots>>;
  let ours: FakeRoot;
  let ops: OpsServer;
  let monitor: DriftMonitor;

  const setMode = (mode: FakeRootMode) => roots.roots.forEach((r) => (r.config = { serial: N, mode }));
  const step = async () => {
    const r = await monitor.runOnce();
    state.monitor = r;
    return r;
  };
  const status = async () => (await (await fetch(`http://127.0.0.1:${ops.address.port}/status`)).json()) as { monitor: { state: string; reason: string; intercepted: unknown[] } };
  const check = () =>
    runCheck({ server: `127.0.4.1:${ours.port}`, rootHints: HINTS, rootPort: roots.port, family: 'both', warnBehindSec: 7200, critBehindSec: 43200, timeoutMs: 500, now: () => clock.now() });
  const interceptLines = () => logLines.filter((l) => /intercepted/.test(l));

  beforeAll(async () => {
    roots = await startFakeRoots(Array.from({ length: 13 }, () => ({ serial: N })));
    ours = await FakeRoot.start('127.0.4.1', 0, { serial: N, sigInception: T0 - 720_000 });
    state.serving = true;
    state.zone = { serial: N, source: 'https://www.internic.net/domain/root.zone', fetchedAt: T0 - 720_000, confirmedAt: T0 - 720_000, expiresAt: T0 + 7 * 24 * H, apexSigExpiresAt: T0 + 13 * 24 * H, layers: {} };
    monitor = new DriftMonitor({
      targets: rootTargets(await readRootHints(HINTS), roots.port),
      ours: () => ({ serial: state.zone?.serial, confirmedAt: state.zone?.confirmedAt, expiresAt: state.zone?.expiresAt }),
      clock,
      probe: { timeoutMs: 500, retryDelayMs: 50 },
      log: { debug() {}, info: (m) => logLines.push(`info ${m}`), warn: (m) => logLines.push(`warn ${m}`), error: (m) => logLines.push(`error ${m}`), child: () => { throw new Error('unused'); } },
    });
    ops = await startOpsServer('127.0.0.1:0', () => state.snapshot());
  });
  afterAll(async () => {
    await monitor?.stop();
    await roots?.close();
    await ours?.close();
    await ops?.close();
  });

  it('all current first: OK, nothing about interception', async () => {
    expect((await step()).state).toBe('OK');
    expect(interceptLines()).toEqual([]);
  });

  it('NXDOMAIN without AA from every root: UNKNOWN "answers from the roots look intercepted" in the state, /status, check and one log line', async () => {
    setMode('captive-nxdomain');
    const r = await step();
    expect(r.state).toBe('UNKNOWN');
    expect(r.reason).toMatch(/^answers from the roots look intercepted \(13\/13 roots: NXDOMAIN without AA/);
    const s = await status();
    expect(s.monitor.state).toBe('UNKNOWN');
    expect(s.monitor.reason).toBe(r.reason);
    expect(s.monitor.intercepted).toHaveLength(13);
    const c = await check();
    expect(c.exit).toBe(3);
    expect(c.line).toMatch(/^ROOTMIRROR UNKNOWN - answers from the roots look intercepted \(13\/13 roots/);
    expect(interceptLines()).toHaveLength(1);
    expect(interceptLines()[0]).toMatch(/^warn .*answers from the roots look intercepted/);
  });

  it('it lasts, then the portal answers with its own non-AA SOA: still intercepted, no new log line per interval', async () => {
    clock.advance(5 * 60_000);
    await step();
    setMode('captive-soa');
    clock.advance(5 * 60_000);
    const r = await step();
    expect(r).toMatchObject({ state: 'UNKNOWN', looksIntercepted: true });
    expect(r.intercepted[0]!.error).toMatch(/AA bit clear/);
    expect(interceptLines()).toHaveLength(1);
  });

  it('the real roots again: OK, one line that says so', async () => {
    setMode('answer');
    clock.advance(5 * 60_000);
    const r = await step();
    expect(r).toMatchObject({ state: 'OK', looksIntercepted: false, intercepted: [] });
    expect(logLines.at(-1)).toMatch(/^info monitor UNKNOWN -> OK/);
    expect(interceptLines()).toHaveLength(1);
  });
});
