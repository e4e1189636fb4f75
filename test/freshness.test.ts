// Fresh within seconds (issue 15), through the real thing: a spawned
// `rootmirror serve` (dist/) with a local HTTP source (PGP-signed zones from
// test/refresh-kit.ts) on a one-day schedule, so only NOTIFY or the monitor
// can explain a new serial arriving in seconds.
//   - NOTIFY in from ldns-notify: served in < 2 s; a sender outside
//     --notify-from is refused and starts nothing.
//   - NOTIFY in with --tsig-key: kdig with the key is accepted (< 2 s);
//     unsigned, wrong secret and signed 10 minutes ago are refused (REFUSED,
//     BADSIG, BADTIME) and start nothing.
//   - SOA trigger: 7 of 13 fake roots move to the new serial; served within
//     one monitor interval + its jitter + --refresh-jitter; /status says why.
//   - NOTIFY out: NSD as our secondary (request-xfr from us, allow-notify us)
//     has the new serial seconds after our swap; the NOTIFY sent at start,
//     before NSD listened, is retried until NSD answers; counted per target.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import packet from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/clock.js';
import { signRequest } from '../src/dns/tsig.js';
import { parseTsigKeys } from '../src/dns/tsig-keys.js';
import { locateTsig, tsigErrorName } from '../src/dns/tsig-record.js';
import { notifyMessage } from '../src/server/notify-out.js';
import { buildZone } from '../src/zone/build.js';
import { encodeQuery, udpExchange } from './helpers/dns-client.js';
import { startFakeRoots } from './helpers/fake-root.js';
import { startNsd } from './helpers/nsd.js';
import { assertBuilt, dig, findProgram, freePort, metric, startRootmirror, type Daemon, type RootmirrorProcess } from './helpers/processes.js';
import { FixtureServer, makeKey, seedDataDir, sign, tinyParse, zoneText, type TestKey } from './refresh-kit.js';

const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const LDNS_NOTIFY = findProgram('ldns-notify');
const KDIG = findProgram('kdig');
const NSD = findProgram('nsd');
const N = 2026120400;
const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==';
const KEYFILE_TEXT = `key "notify-key" {\n  algorithm hmac-sha256;\n  secret "${SECRET}";\n};\n`;

let key: TestKey;
let tmp: string;
let src: FixtureServer;
let roots: Awaited<ReturnType<typeof startFakeRoots>>;
let pgpFile: string;
const running: { stop(): Promise<unknown> }[] = [];

beforeAll(async () => {
  assertBuilt();
  key = await makeKey('freshness test registry');
  tmp = await mkdtemp(join(tmpdir(), 'rootmirror-fresh-'));
  src = await new FixtureServer().start();
  roots = await startFakeRoots(Array.from({ length: 13 }, () => ({ serial: N })));
  pgpFile = join(tmp, 'key.asc');
  await writeFile(pgpFile, key.publicKey.armor());
}, 30_000);
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});
afterAll(async () => {
  await roots?.close();
  await src?.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function publish(serial: number): Promise<void> {
  const b = zoneText(serial, { filler: 20 });
  src.file('/root.zone', b);
  src.file('/root.zone.sig', await sign(key, b));
}

let dirs = 0;
/** A daemon on a one-day schedule holding serial N, confirmed just now: no cycle runs unless NOTIFY or the monitor starts one. */
async function serve(extra: readonly string[]): Promise<{ d: RootmirrorProcess; port: number; ops: string }> {
  const dir = join(tmp, `data-${dirs++}`);
  await publish(N);
  src.file('/seed/root.zone', zoneText(N, { filler: 20 }));
  src.file('/seed/root.zone.sig', await sign(key, zoneText(N, { filler: 20 })));
  await seedDataDir(dir, `${src.base}/seed/root.zone`, key);
  const metaPath = join(dir, 'current', 'meta.json');
  await writeFile(metaPath, JSON.stringify({ ...(JSON.parse(await readFile(metaPath, 'utf8')) as object), confirmedAt: new Date().toISOString() }));
  const d = await startRootmirror([
    'serve', '--data-dir', dir, '--verify', 'pgp', '--pgp-key', pgpFile, '--source', `${src.base}/root.zone`,
    '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--dnssec', 'keep', '--on-expired', 'servfail',
    '--refresh', '1d', '--refresh-jitter', '0', '--root-hints', HINTS, '--root-port', String(roots.port), '--monitor-interval', '0',
    ...extra,
  ]);
  running.push(d);
  expect(d.ready.serial).toBe(N);
  return { d, port: Number(d.ready.listen[0]!.split(':').pop()), ops: `http://${d.ready.http}` };
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function servedSerial(port: number, host = '127.0.0.1'): Promise<number | undefined> {
  const p = packet.decode(await udpExchange(host, port, encodeQuery('.', 'SOA')));
  return (p.answers?.find((a) => a.type === 'SOA') as { data: { serial: number } } | undefined)?.data.serial;
}

/** ms from now until `port` serves `serial` (polled every 20 ms), failing after `ms`. */
async function timeUntilServed(port: number, serial: number, ms: number): Promise<number> {
  const t0 = performance.now();
  await waitFor(async () => (await servedSerial(port)) === serial, ms, `serial ${serial} served`);
  return performance.now() - t0;
}

function run(cmd: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
  });
}

const metrics = async (ops: string) => (await fetch(`${ops}/metrics`)).text();
const zoneOf = (serial: number) => buildZone(tinyParse(zoneText(serial)), { dnssec: 'keep' });
const tsigError = (m: Uint8Array): string => {
  const f = locateTsig(m);
  return f.kind === 'found' ? tsigErrorName(f.record.error) : f.kind;
};

describe.skipIf(LDNS_NOTIFY === undefined)('NOTIFY in (ldns-notify)', () => {
  it('from --notify-from: the new serial is served in < 2 s; from elsewhere: REFUSED, nothing refreshed', async () => {
    const { d, port, ops } = await serve(['--notify-from', '127.0.0.2/32']);
    await publish(N + 1);

    const stranger = await run(LDNS_NOTIFY!, ['-I', '127.0.0.3', '-z', '.', '-s', String(N + 1), '-r', '1', '-p', String(port), '127.0.0.1']);
    expect(stranger.out).toMatch(/REFUSED/);
    expect(metric(await metrics(ops), 'rootmirror_notify_received_total', { outcome: 'refused' })).toBe(1);
    expect(await servedSerial(port)).toBe(N);

    const t0 = performance.now();
    const sent = await run(LDNS_NOTIFY!, ['-I', '127.0.0.2', '-z', '.', '-s', String(N + 1), '-r', '1', '-p', String(port), '127.0.0.1']);
    expect(sent.code, sent.out).toBe(0);
    const ms = await timeUntilServed(port, N + 1, 5_000);
    const total = performance.now() - t0;
    expect(total, `NOTIFY → served took ${total.toFixed(0)} ms`).toBeLessThan(2_000);
    expect(ms).toBeLessThan(2_000);
    expect(d.log()).toMatch(/refreshing because NOTIFY from 127\.0\.0\.2 announced serial 2026120401 \(we hold 2026120400\)/);

    // The same serial again: answered, nothing to do (RFC 1996 §4.7).
    await run(LDNS_NOTIFY!, ['-I', '127.0.0.2', '-z', '.', '-s', String(N + 1), '-r', '1', '-p', String(port), '127.0.0.1']);
    await waitFor(() => /NOTIFY from 127\.0\.0\.2 for serial 2026120401: already held/.test(d.log()), 3_000, 'the held-serial NOTIFY logged');
    const m = await metrics(ops);
    expect(metric(m, 'rootmirror_notify_received_total', { outcome: 'accepted' })).toBe(2);
    const status = (await (await fetch(`${ops}/status`)).json()) as { refreshTrigger: { reason: string; outcome: string; serial: number } };
    expect(status.refreshTrigger).toMatchObject({ reason: 'notify', outcome: 'updated', serial: N + 1 });
  }, 60_000);
});

describe.skipIf(KDIG === undefined)('NOTIFY in with --tsig-key', () => {
  it('kdig signing with the key: served in < 2 s; unsigned, wrong secret, signed 10 min ago: refused, nothing refreshed', async () => {
    const keyFile = join(tmp, 'notify.key');
    await writeFile(keyFile, KEYFILE_TEXT);
    const { d, port, ops } = await serve(['--notify-from', '127.0.0.0/8', '--tsig-key', keyFile]);
    await publish(N + 1);
    const keyOf = (text: string) => parseTsigKeys(text, 'test').keys()[0]!;
    const good = keyOf(KEYFILE_TEXT);
    const wrong = keyOf(KEYFILE_TEXT.replace(SECRET, 'b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI='));

    const unsigned = await udpExchange('127.0.0.1', port, notifyMessage(1, zoneOf(N + 1)));
    expect(unsigned[3]! & 0x0f).toBe(5); // REFUSED
    const badSig = await udpExchange('127.0.0.1', port, signRequest(notifyMessage(2, zoneOf(N + 1)), wrong, { clock: systemClock }).message);
    expect([badSig[3]! & 0x0f, tsigError(badSig)]).toEqual([9, 'BADSIG']);
    const stale = await udpExchange('127.0.0.1', port, signRequest(notifyMessage(3, zoneOf(N + 1)), good, { clock: new ManualClock(Date.now() - 600_000) }).message);
    expect([stale[3]! & 0x0f, tsigError(stale)]).toEqual([9, 'BADTIME']);
    expect(metric(await metrics(ops), 'rootmirror_notify_received_total', { outcome: 'bad_tsig' })).toBe(3);
    expect(d.log()).not.toMatch(/refreshing because NOTIFY/);
    expect(await servedSerial(port)).toBe(N);

    const t0 = performance.now();
    const r = await run(KDIG!, ['@127.0.0.1', '-p', String(port), '-y', `hmac-sha256:notify-key:${SECRET}`, '.', `NOTIFY=${N + 1}`]);
    expect(r.out).toMatch(/status: NOERROR/);
    expect(r.out).toMatch(/TSIG PSEUDOSECTION/);
    expect(r.out).not.toMatch(/TSIG.*(BADSIG|BADKEY|BADTIME)|failed/i);
    await timeUntilServed(port, N + 1, 5_000);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(metric(await metrics(ops), 'rootmirror_notify_received_total', { outcome: 'accepted' })).toBe(1);
  }, 60_000);
});

describe('SOA trigger', () => {
  it('7 of 13 roots serve a newer serial: refreshed within one monitor interval (+ jitters), /status says "refreshing because behind"', async () => {
    for (const r of roots.roots) r.config = { serial: N };
    const { d, port, ops } = await serve(['--monitor-interval', '2s', '--refresh-jitter', '1s']);
    await publish(N + 1);
    const t0 = performance.now();
    for (const r of roots.roots.slice(0, 7)) r.config = { serial: N + 1 };
    // Seen waiting or running at least once, when /status is polled fast enough; always "done" after.
    let sawRefreshing: string | null = null;
    await waitFor(async () => {
      const s = (await (await fetch(`${ops}/status`)).json()) as { monitor: { refreshing: string | null } | null };
      sawRefreshing ??= s.monitor?.refreshing ?? null;
      return (await servedSerial(port)) === N + 1;
    }, 10_000, `serial ${N + 1} served`);
    const ms = performance.now() - t0;
    // Monitor interval 2 s + its random delay (≤ 20 %, 0.4 s) + --refresh-jitter 1 s + the cycle and polling.
    expect(ms, `behind → served took ${ms.toFixed(0)} ms`).toBeLessThan(2_000 + 400 + 1_000 + 1_000);
    const status = (await (await fetch(`${ops}/status`)).json()) as { refreshTrigger: { reason: string; outcome: string; detail: string } };
    expect(status.refreshTrigger).toMatchObject({ reason: 'behind', outcome: 'updated', detail: `refreshing because behind: 7/13 roots serve ${N + 1}, we hold ${N}` });
    if (sawRefreshing !== null) expect(sawRefreshing).toMatch(/^refreshing because behind: 7\/13 roots serve/);
    expect(d.log()).toMatch(/refreshing because behind: 7\/13 roots serve 2026120401, we hold 2026120400; in \d+ ms/);
    for (const r of roots.roots) r.config = { serial: N };
  }, 60_000);
});

describe.skipIf(NSD === undefined || LDNS_NOTIFY === undefined)('NOTIFY out to NSD', () => {
  let nsd: Daemon | undefined;
  afterAll(async () => void (await nsd?.stop()));

  it('NSD (secondary of us) has the new serial seconds after our swap; counted ok for its target', async () => {
    const nsdDir = await mkdtemp(join(tmp, 'nsd-'));
    const nsdPort = await freePort('127.0.0.1');
    const target = `127.0.0.1:${nsdPort}`;
    const { d, port, ops } = await serve(['--notify-from', '127.0.0.2/32', '--notify', target]);
    nsd = await startNsd(NSD!, nsdDir, nsdPort, `zone:\n  name: "."\n  zonefile: "root.secondary"\n  request-xfr: AXFR 127.0.0.1@${port} NOKEY\n  allow-notify: 127.0.0.1 NOKEY\n`);
    // NSD transfers N on its own at start.
    await waitFor(async () => (await dig('127.0.0.1', '.', 'SOA', [], nsdPort)).answer.some((l) => l.includes(` ${N} `)), 15_000, 'NSD holding serial N');

    // The NOTIFY for N went out at start, before NSD listened: retried until NSD answered it.
    await waitFor(async () => metric(await metrics(ops), 'rootmirror_notify_sent_total', { target, outcome: 'ok' }) >= 1, 10_000, 'the start-up NOTIFY retried and acknowledged');

    await publish(N + 1);
    await run(LDNS_NOTIFY!, ['-I', '127.0.0.2', '-z', '.', '-s', String(N + 1), '-r', '1', '-p', String(port), '127.0.0.1']);
    await timeUntilServed(port, N + 1, 5_000);
    const t0 = performance.now();
    // NSD's SOA refresh is 1800 s: only our NOTIFY explains it having N+1 now.
    await waitFor(async () => (await dig('127.0.0.1', '.', 'SOA', [], nsdPort)).answer.some((l) => l.includes(` ${N + 1} `)), 10_000, 'NSD holding serial N+1');
    expect(performance.now() - t0).toBeLessThan(5_000);
    await waitFor(async () => metric(await metrics(ops), 'rootmirror_notify_sent_total', { target, outcome: 'ok' }) >= 2, 5_000, 'the NOTIFY for N+1 counted ok');
    const m = await metrics(ops);
    expect(metric(m, 'rootmirror_notify_sent_total', { target, outcome: 'retry' })).toBeGreaterThanOrEqual(1);
    expect(metric(m, 'rootmirror_notify_sent_total', { target, outcome: 'failed' })).toBe(0);
    expect(d.log()).toMatch(new RegExp(`NOTIFY to ${target} for serial ${N}: no answer in 1000 ms; retrying`));
    expect(d.log()).toMatch(new RegExp(`NOTIFY to ${target} for serial ${N + 1}: acknowledged`));
  }, 90_000);
});
