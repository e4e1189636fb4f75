// The same-serial alarm through the real thing: a spawned `rootmirror serve`
// (dist/) holding a verified copy of serial N refreshes at once from a local
// HTTP source that now serves other bytes under the same serial N, properly
// PGP-signed with the test key. The served copy stays, /status shows the
// alarm, the monitor (13 fake roots at N) is CRITICAL, the gauge
// rootmirror_refresh_same_serial_conflict is 1 and the --alert-webhook
// receiver gets the CRITICAL change. ops.test.ts checks the wiring with a
// stand-in refresher; this checks that the Refresher's event gets there.

import http from 'node:http';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRoots } from './helpers/fake-root.js';
import type { AlertPayload } from '../src/ops/webhook.js';
import { encodeQuery, udpExchange } from './helpers/dns-client.js';
import { assertBuilt, metric, startRootmirror, type RootmirrorProcess } from './helpers/processes.js';
import { FixtureServer, makeKey, sign, zoneText, type TestKey, seedDataDir } from './refresh-kit.js';

const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const N = 2026110100;
const HELD = zoneText(N, { filler: 200 });
// Same serial, one more delegation: what a compromised or broken source might publish.
const OTHER = zoneText(N, { filler: 200, extra: 'evil.\t172800\tIN\tNS\tns.evil.\nns.evil.\t172800\tIN\tA\t192.0.2.66' });

let key: TestKey;
let tmp: string;
let src: FixtureServer;
let roots: Awaited<ReturnType<typeof startFakeRoots>>;
let hook: http.Server;
let daemon: RootmirrorProcess | undefined;
const deliveries: AlertPayload[] = [];
let critical: Promise<AlertPayload>;

beforeAll(async () => {
  assertBuilt();
  key = await makeKey('same-serial test registry');
  tmp = await mkdtemp(join(tmpdir(), 'rootmirror-same-serial-'));
  src = await new FixtureServer().start();
  // Two silent roots: every monitor run lasts seconds (timeouts, one retry), so the
  // alarm arrives while the start-up run is still asking; that run reads our state
  // after the answers are in, so it must already say CRITICAL.
  roots = await startFakeRoots(Array.from({ length: 13 }, (_, i) => ({ serial: N, ...(i >= 11 ? { mode: 'silent' as const } : {}) })));
  hook = http.createServer();
  critical = new Promise((resolve) => {
    hook.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const p = JSON.parse(body) as AlertPayload;
        deliveries.push(p);
        res.writeHead(200).end();
        if (p.state === 'CRITICAL') resolve(p);
      });
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
}, 30_000);
afterAll(async () => {
  await daemon?.stop();
  await roots?.close();
  await src?.stop();
  hook?.closeAllConnections();
  await new Promise((r) => hook?.close(r));
  await rm(tmp, { recursive: true, force: true });
});

/** A data dir holding the verified copy HELD of serial N, confirmed a day ago (so serve refreshes at once). */
async function seededDataDir(): Promise<string> {
  const dir = join(tmp, 'data');
  src.file('/seed/root.zone', HELD);
  src.file('/seed/root.zone.sig', await sign(key, HELD));
  await seedDataDir(dir, `${src.base}/seed/root.zone`, key);
  return dir;
}

async function ask(port: number, qname: string, qtype: string): Promise<packet.Packet> {
  return packet.decode(await udpExchange('127.0.0.1', port, encodeQuery(qname, qtype)));
}

describe('serve: a source serving other bytes under the held serial', () => {
  it('keeps the held copy, raises the alarm in /status, /metrics and the monitor (CRITICAL), and the webhook hears it', async () => {
    const dir = await seededDataDir();
    src.file('/root.zone', OTHER);
    src.file('/root.zone.sig', await sign(key, OTHER));
    const keyFile = join(tmp, 'key.asc');
    await writeFile(keyFile, key.publicKey.armor());
    const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alert`;
    daemon = await startRootmirror([
      'serve', '--data-dir', dir, '--verify', 'pgp', '--pgp-key', keyFile, '--source', `${src.base}/root.zone`,
      '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--dnssec', 'keep', '--on-expired', 'servfail', '--refresh-jitter', '0',
      '--root-hints', HINTS, '--root-port', String(roots.port), '--monitor-interval', '1h', '--alert-webhook', hookUrl,
    ]);
    expect(daemon.ready.serial).toBe(N);
    const port = Number(daemon.ready.listen[0]!.split(':').pop());

    // The monitor run the alarm starts turns CRITICAL and the webhook says so (no waiting for the hourly run).
    const alert = await Promise.race([
      critical,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no CRITICAL webhook delivery within 20 s; deliveries ${JSON.stringify(deliveries)}; log:\n${daemon!.log()}`)), 20_000).unref()),
    ]);
    expect(alert).toMatchObject({ kind: 'change', state: 'CRITICAL', serial: N });
    expect(alert.reason).toMatch(new RegExp(`^same serial, different content: serial ${N} from http://127\\.0\\.0\\.1:\\d+/root\\.zone has different content`));

    const ops = `http://${daemon.ready.http}`;
    const status = (await (await fetch(`${ops}/status`)).json()) as { serial: number; alarm: { kind: string; serial: number } | null; monitor: { state: string; reason: string } };
    expect(status.alarm).toMatchObject({ kind: 'same-serial-different-content', serial: N });
    expect(status.monitor.state).toBe('CRITICAL');
    expect(status.monitor.reason).toBe(alert.reason);
    expect(status.serial).toBe(N);
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metric(metrics, 'rootmirror_refresh_same_serial_conflict')).toBe(1);
    expect(metric(metrics, 'rootmirror_refresh_alarms_total', { kind: 'same-serial-different-content' })).toBe(1);
    expect(metric(metrics, 'rootmirror_monitor_state_code')).toBe(2);

    // The held copy is what is served and stored: no `evil.` delegation.
    expect((await ask(port, 'evil.', 'NS')).rcode).toBe('NXDOMAIN');
    expect((await ask(port, '.', 'SOA')).answers?.find((a) => a.type === 'SOA')).toMatchObject({ data: { serial: N } });
    expect(new Uint8Array(await readFile(join(dir, 'current', 'root.zone')))).toEqual(HELD);
    expect(daemon.log()).toMatch(/"level":"error","msg":"refresh alarm: same serial, different content/);
    expect(deliveries.filter((d) => d.state === 'CRITICAL')).toHaveLength(1);
  }, 60_000);
});
