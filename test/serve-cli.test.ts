// The daemon as an operator runs it: `bin/rootmirror serve --zone-file`, one
// ready line, answers on UDP and TCP, ops endpoint up, SIGTERM → exit 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../src/server/server.js';
import { ZoneStore } from '../src/zone/store.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';
import { decode, encodeQuery, tcpExchange, udpExchange } from './helpers/dns-client.js';
import { startRootmirror } from './helpers/processes.js';

const BIN = fileURLToPath(new URL('../bin/rootmirror', import.meta.url));
const ZONE = fileURLToPath(new URL('./fixtures/root-zone/root.zone.2026082201', import.meta.url));
const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

interface Ready {
  listen: string[];
  serial: number;
  http: string;
  dnssec: string;
}

/** Start `rootmirror serve` and resolve with its parsed "ready" log line. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Ready> {
  child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const c = child;
  return new Promise((resolve, reject) => {
    let err = '';
    const rl = createInterface({ input: c.stderr! });
    rl.on('line', (line) => {
      err += line + '\n';
      try {
        const j = JSON.parse(line) as { msg?: string } & Ready;
        if (j.msg === 'ready') resolve(j);
      } catch {
        /* not JSON */
      }
    });
    c.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

const hostPort = (s: string): [string, number] => {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), Number(s.slice(i + 1))];
};

describe('rootmirror serve --zone-file', () => {
  it('logs one ready line, answers on UDP and TCP, serves /metrics, stops cleanly on SIGTERM', async () => {
    const ready = await serve(
      ['--zone-file', ZONE, '--listen', '127.0.41.1:0', '--http', '127.0.41.1:0', '--root-hints', HINTS, '--monitor-interval', '0'],
      {},
    );
    expect(ready.serial).toBe(2026082201);
    expect(ready.dnssec).toBe('strip');
    const [host, port] = hostPort(ready.listen[0]!);
    const u = decode(await udpExchange(host, port, encodeQuery('www.example.com.', 'A')));
    expect(u.authority.filter((x) => x.startsWith('com. ')).length).toBe(13);
    const t = decode((await tcpExchange(host, port, [encodeQuery('nonexistent-tld.', 'A')]))[0]!);
    expect(t.rcode).toBe(3);
    const metrics = await (await fetch(`http://${ready.http}/metrics`)).text();
    expect(metrics).toMatch(/rootmirror_zone_serial(\{[^}]*\})? 2026082201/);
    expect((await fetch(`http://${ready.http}/healthz`)).status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child!.once('exit', (c) => resolve(c));
      child!.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('takes every option from ROOTMIRROR_* environment variables too', async () => {
    const ready = await serve([], {
      ROOTMIRROR_ZONE_FILE: ZONE,
      ROOTMIRROR_LISTEN: '127.0.41.2:0',
      ROOTMIRROR_HTTP: '127.0.41.2:0',
      ROOTMIRROR_DNSSEC: 'keep',
      ROOTMIRROR_ROOT_HINTS: HINTS,
      ROOTMIRROR_MONITOR_INTERVAL: '0',
    });
    expect(ready.dnssec).toBe('keep');
    const [host, port] = hostPort(ready.listen[0]!);
    const r = decode(await udpExchange(host, port, encodeQuery('com.', 'DS', { dnssecOk: true })));
    expect(r.answer.some((x) => x.includes(' DS'))).toBe(true);
  });

  it('serves a gzipped --zone-file, as verify and lookup read one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rootmirror-gz-'));
    try {
      const gz = join(dir, 'root.zone.gz');
      await writeFile(gz, gzipSync(readFileSync(ZONE)));
      const ready = await serve(['--zone-file', gz, '--listen', '127.0.41.5:0', '--http', '127.0.41.5:0', '--monitor-interval', '0']);
      expect(ready.serial).toBe(2026082201);
      const [host, port] = hostPort(ready.listen[0]!);
      const r = decode(await udpExchange(host, port, encodeQuery('.', 'SOA')));
      expect([r.rcode, r.flags.aa, r.answer]).toEqual([0, true, ['. 86400 SOA']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves a zone without any TTL (Unbound-style RFC 8976 A.1): the SOA MINIMUM as the default TTL, and a warning in the log', async () => {
    const noTtl = fileURLToPath(new URL('./fixtures/zonemd-vectors/no-ttl/A1-simple.no-ttl.zone', import.meta.url));
    const d = await startRootmirror(['serve', '--zone-file', noTtl, '--listen', '127.0.41.6:0', '--http', '127.0.41.6:0', '--monitor-interval', '0']);
    try {
      const [host, port] = hostPort(d.ready.listen[0]!);
      const r = decode(await udpExchange(host, port, encodeQuery('example.', 'NS')));
      expect([r.rcode, r.answer]).toEqual([0, ['example. 86400 NS', 'example. 86400 NS']]);
      const warning = d.log().split('\n').find((l) => l.includes('no TTL on the SOA'));
      expect(JSON.parse(warning!)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/A1-simple\.no-ttl\.zone:7:13: .*MINIMUM 86400/) });
    } finally {
      await d.stop();
    }
  });

  it('explains a bind failure and exits non-zero', async () => {
    const c = spawn(process.execPath, [BIN, 'serve', '--zone-file', ZONE, '--listen', '192.0.2.1:53', '--http', '127.0.41.3:0', '--monitor-interval', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => c.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/address is not configured/);
  });

  it('--workers 2: two answering processes, and SIGTERM stops them all (exit 0)', async () => {
    child = spawn(process.execPath, [BIN, 'serve', '--zone-file', ZONE, '--listen', '127.0.41.4:0', '--http', '127.0.41.4:0', '--monitor-interval', '0', '--workers', '2'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const c = child;
    const workers = await new Promise<(Ready & { worker: number })[]>((resolve, reject) => {
      const seen: (Ready & { worker: number })[] = [];
      createInterface({ input: c.stderr! }).on('line', (line) => {
        const j = JSON.parse(line) as { msg?: string } & Ready & { worker: number };
        if (j.msg === 'ready' && seen.push(j) === 2) resolve(seen);
      });
      c.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    expect(workers.map((w) => w.worker).sort()).toEqual([1, 2]);
    expect(workers[0]!.listen).toEqual(workers[1]!.listen);
    const [host, port] = hostPort(workers[0]!.listen[0]!);
    for (let i = 0; i < 4; i++) {
      const u = decode(await udpExchange(host, port, encodeQuery(`x${i}.nonexistent-tld.`, 'A')));
      expect(u.rcode).toBe(3);
    }
    const code = await new Promise<number | null>((resolve) => {
      c.once('exit', (x) => resolve(x));
      c.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});

describe('rootmirror serve with no verified copy (--on-expired fallback, the default)', () => {
  it('relays to the live roots from --root-hints over UDP and TCP until it has a zone, and counts it', async () => {
    // Two "live roots" (real servers with the real zone) on one port, as --root-port wants.
    const liveStore = new ZoneStore();
    liveStore.swap(buildZone(parseZoneText(readFileSync(ZONE), {}), { dnssec: 'strip' }));
    const a = await startServer({ listen: ['127.0.42.1:0'], store: liveStore });
    const port = a.addresses[0]!.port;
    const b = await startServer({ listen: [`127.0.42.2:${port}`], store: liveStore });
    const dir = await mkdtemp(join(tmpdir(), 'rootmirror-fallback-'));
    try {
      const hints = join(dir, 'root.hints');
      await writeFile(hints, '.  3600000 NS A.ROOT-SERVERS.NET.\nA.ROOT-SERVERS.NET. 3600000 A 127.0.42.1\n.  3600000 NS B.ROOT-SERVERS.NET.\nB.ROOT-SERVERS.NET. 3600000 A 127.0.42.2\n');
      const ready = await serve([
        '--data-dir', join(dir, 'data'),
        // Nothing listens there: the first refresh fails, no copy is held.
        '--source', 'http://127.0.42.3:9/root.zone',
        '--listen', '127.0.42.4:0', '--http', '127.0.42.4:0',
        '--root-hints', hints, '--root-port', String(port), '--monitor-interval', '0',
      ]);
      expect(ready.serial).toBeNull();
      const [host, p] = hostPort(ready.listen[0]!);
      const q = encodeQuery('www.Example.COM.', 'A', { id: 777, edns: true });
      const relayed = await udpExchange(host, p, q, 5_000);
      const direct = await udpExchange('127.0.42.1', port, q);
      expect(relayed.subarray(2).equals(direct.subarray(2))).toBe(true);
      expect(decode(relayed)).toMatchObject({ id: 777, rcode: 0 });
      const t = decode((await tcpExchange(host, p, [encodeQuery('nonexistent-tld.', 'A', { id: 778 })]))[0]!);
      expect(t).toMatchObject({ id: 778, rcode: 3, flags: { aa: true } });
      const metrics = await (await fetch(`http://${ready.http}/metrics`)).text();
      expect(metrics).toMatch(/rootmirror_dns_fallback_forwarded_total 2\b/);
      // Not ready: the load balancer / orchestrator must know this copy is not ours.
      expect((await fetch(`http://${ready.http}/readyz`)).status).not.toBe(200);
    } finally {
      child?.kill('SIGKILL');
      await Promise.all([a.close(), b.close()]);
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
