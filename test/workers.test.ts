// serve --workers N (issue 14), through the real thing: spawned processes on
// loopback, the kernel's SO_REUSEPORT spreading queries between them.
//   - --zone-file --workers 2: two UDP sockets and two TCP listeners on one
//     port, owned by the two workers' pids (ss -ulpn, ss -tlpn), and both answer a share of the queries (each
//     worker's count, logged when it stops); the follower serves the image
//     the leader built, not its own build. A second instance on the same
//     port fails as "in use" rather than joining the SO_REUSEPORT group.
//   - fetching mode --workers 2 from an empty data dir, a local HTTP source:
//     both workers serve the first serial; a NOTIFY (ldns-notify) brings the
//     next serial to both within 2 s, whichever socket the NOTIFY lands on.
//   - kill -9 the follower: another follower, serving the same serial; kill -9
//     the leader: restarted as the leader, takes over the data dir lock, and
//     keeps refreshing (a NOTIFY after the restart reaches both again).
//   - the leader's copy expires (SOA expire 4 s, source gone): the follower
//     stops serving it too (SERVFAIL from both); a new copy: both serve again;
//     a leader restarted with nothing to serve: the follower stops too.
// "Both serve serial S" is checked with many queries, each from a new source
// port: the kernel hashes the 4-tuple to a socket, so a stale worker would
// answer some of them with another serial (2^-k odds of missing it).

import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import packet from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, udpExchange } from './helpers/dns-client.js';
import { assertBuilt, findProgram, startRootmirror, type RootmirrorProcess } from './helpers/processes.js';
import { FixtureServer, makeKey, sign, zoneText, type TestKey } from './refresh-kit.js';

const ZONE = fileURLToPath(new URL('./fixtures/root-zone/root.zone.2026082201', import.meta.url));
const LDNS_NOTIFY = findProgram('ldns-notify');
const SS = findProgram('ss');
const N = 2026120400;

interface WorkerReady {
  readonly msg: string;
  readonly role: 'leader' | 'follower';
  readonly pid: number;
  readonly worker: number;
  readonly listen: string[];
  readonly serial: number | null;
  readonly http: string | null;
}

let tmp: string;
const running: RootmirrorProcess[] = [];
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), 'rootmirror-workers-'));
});
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function logLines(d: RootmirrorProcess): Record<string, unknown>[] {
  return d
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const readies = (d: RootmirrorProcess): WorkerReady[] => logLines(d).filter((j) => j.msg === 'ready') as unknown as WorkerReady[];

async function waitFor<T>(get: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The ready lines of the workers running now: the newest per role and count. */
async function workersReady(d: RootmirrorProcess, followers: number, exclude: readonly number[] = []): Promise<{ leader: WorkerReady; followers: WorkerReady[] }> {
  return waitFor(
    () => {
      const r = readies(d).filter((x) => !exclude.includes(x.pid));
      const leader = r.filter((x) => x.role === 'leader').pop();
      const fs = r.filter((x) => x.role === 'follower');
      return leader !== undefined && fs.length >= followers ? { leader, followers: fs.slice(-followers) } : undefined;
    },
    20_000,
    'workers ready',
  );
}

/** Pids owning a UDP socket (or a TCP listener) bound to host:port (ss -ulpn, ss -tlpn: one line per socket). */
function udpOwners(host: string, port: number, proto: '-u' | '-t' = '-u'): number[] {
  const out = execFileSync(SS!, ['-H', proto, '-l', '-p', '-n'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.split(/\s+/).includes(`${host}:${port}`))
    .flatMap((l) => [...l.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))
    .sort();
}

async function servedSerial(host: string, port: number): Promise<number | 'servfail'> {
  const p = packet.decode(await udpExchange(host, port, encodeQuery('.', 'SOA')));
  if (p.rcode === 'SERVFAIL') return 'servfail';
  const soa = p.answers?.find((a) => a.type === 'SOA') as { data: { serial: number } } | undefined;
  if (soa === undefined) throw new Error(`no SOA in the answer (rcode ${p.rcode})`);
  return soa.data.serial;
}

/** `n` queries, each from a new socket (a new source port, so the kernel spreads them); the serials answered. */
async function serials(host: string, port: number, n: number): Promise<Set<number | 'servfail'>> {
  const seen = new Set<number | 'servfail'>();
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => servedSerial(host, port)));
    for (const s of batch) seen.add(s);
  }
  return seen;
}

/** Until 60 queries in a row all get `serial` (or all SERVFAIL); ms taken. */
async function untilAllServe(host: string, port: number, serial: number | 'servfail', ms: number): Promise<number> {
  const t0 = performance.now();
  await waitFor(async () => {
    const s = await serials(host, port, 60);
    return s.size === 1 && s.has(serial) ? true : undefined;
  }, ms, `both workers serving ${serial}`);
  return performance.now() - t0;
}

const portOf = (listen: string): number => Number(listen.split(':').pop());

describe.skipIf(SS === undefined)('serve --zone-file --workers 2', () => {
  it('two UDP sockets on one port, one per worker pid; both answer a share of the queries', async () => {
    const host = '127.0.62.1';
    const d = await startRootmirror(['serve', '--zone-file', ZONE, '--listen', `${host}:0`, '--http', `${host}:0`, '--monitor-interval', '0', '--workers', '2']);
    running.push(d);
    const { leader, followers } = await workersReady(d, 1);
    const follower = followers[0]!;
    expect(follower.listen).toEqual(leader.listen);
    const port = portOf(leader.listen[0]!);
    expect(udpOwners(host, port)).toEqual([leader.pid, follower.pid].sort());
    // TCP too: each worker its own listener (reusePort + exclusive), not the cluster primary's.
    expect(udpOwners(host, port, '-t')).toEqual([leader.pid, follower.pid].sort());

    // The follower opened the leader's image of the file instead of building its own.
    expect(d.log()).toMatch(/follower: serving the leader's image of the zone file, serial 2026082201/);
    expect(d.log()).not.toMatch(/building the zone file here/);

    const answered = await serials(host, port, 400);
    expect([...answered]).toEqual([2026082201]);

    expect(await d.stop()).toBe(0);
    const stopped = logLines(d).filter((j) => j.msg === 'stopped') as { role: string; queries: number }[];
    expect(stopped.map((s) => s.role).sort()).toEqual(['follower', 'leader']);
    for (const s of stopped) expect(s.queries, `${s.role} answered ${s.queries} of 400`).toBeGreaterThan(40);
    expect(stopped.reduce((a, s) => a + s.queries, 0)).toBe(400);
  }, 60_000);

  it('a second --workers 2 on the same port fails (in use) instead of joining the first one\'s SO_REUSEPORT group', async () => {
    const host = '127.0.62.3';
    // Port 0 for the first (a port free for TCP may be some client's UDP port); the second asks for the port it got.
    const args = (port: number) => ['serve', '--zone-file', ZONE, '--listen', `${host}:${port}`, '--http', `${host}:0`, '--monitor-interval', '0', '--workers', '2'];
    const d = await startRootmirror(args(0));
    running.push(d);
    const { leader, followers } = await workersReady(d, 1);
    const port = portOf(leader.listen[0]!);
    const second = startRootmirror(args(port));
    // Should it start after all (the failure this test is for), it is stopped with the rest.
    second.then((p) => running.push(p), () => undefined);
    await expect(second).rejects.toThrow(/exited 1 before ready[\s\S]*in use by another process/);
    expect(udpOwners(host, port)).toEqual([leader.pid, followers[0]!.pid].sort());
  }, 60_000);
});

describe.skipIf(SS === undefined || LDNS_NOTIFY === undefined)('serve --workers 2 in fetching mode', () => {
  let key: TestKey;
  let src: FixtureServer;
  beforeAll(async () => {
    key = await makeKey('workers test registry');
    src = await new FixtureServer().start();
  }, 30_000);
  afterAll(async () => {
    await src?.stop();
  });
  async function publish(serial: number, expire?: number): Promise<void> {
    const b = zoneText(serial, { filler: 20, ...(expire !== undefined ? { expire } : {}) });
    src.file('/root.zone', b);
    src.file('/root.zone.sig', await sign(key, b));
  }
  /** `serve --workers 2` in fetching mode from the local source, PGP-checked, NOTIFY-driven, in data dir `name` (empty at first). */
  async function serveWorkers(host: string, name: string): Promise<{ d: RootmirrorProcess; dir: string }> {
    const dir = join(tmp, name);
    const pgpFile = join(tmp, `${name}.key.asc`);
    await writeFile(pgpFile, key.publicKey.armor());
    const d = await startRootmirror([
      'serve', '--data-dir', dir, '--verify', 'pgp', '--pgp-key', pgpFile, '--source', `${src.base}/root.zone`,
      '--listen', `${host}:0`, '--http', `${host}:0`, '--dnssec', 'keep', '--on-expired', 'servfail',
      '--refresh', '1d', '--refresh-jitter', '0', '--monitor-interval', '0',
      '--notify-from', '127.0.0.0/8', '--notify-min-interval', '0', '--workers', '2',
    ]);
    running.push(d);
    return { d, dir };
  }
  function notify(host: string, port: number, serial: number): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(LDNS_NOTIFY!, ['-I', '127.0.62.9', '-z', '.', '-s', String(serial), '-r', '1', '-p', String(port), host], { timeout: 20_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`ldns-notify: ${stdout}${stderr}`)) : resolve(stdout + stderr),
      );
    });
  }

  it('empty data dir: both serve the first serial; NOTIFY: both the next within 2 s; kill -9 follower, then leader: restarted in their roles', async () => {
    const host = '127.0.62.2';
    await publish(N);
    const { d, dir } = await serveWorkers(host, 'data');
    const first = await workersReady(d, 1);
    const port = portOf(first.leader.listen[0]!);
    expect(udpOwners(host, port)).toEqual([first.leader.pid, first.followers[0]!.pid].sort());
    await untilAllServe(host, port, N, 15_000);

    // A new serial, announced by NOTIFY: whichever worker's socket gets it, the leader refreshes and both swap.
    await publish(N + 1);
    const t0 = performance.now();
    await notify(host, port, N + 1);
    await untilAllServe(host, port, N + 1, 5_000);
    const notifyToBoth = performance.now() - t0;
    expect(notifyToBoth, `NOTIFY → both workers serving took ${notifyToBoth.toFixed(0)} ms`).toBeLessThan(2_000);

    // kill -9 the follower: the primary starts another follower, which serves the leader's serial.
    process.kill(first.followers[0]!.pid, 'SIGKILL');
    const second = await workersReady(d, 1, [first.followers[0]!.pid]);
    expect(second.leader.pid).toBe(first.leader.pid);
    expect(second.followers[0]!.listen).toEqual(first.leader.listen);
    expect(second.followers[0]!.serial).toBe(N + 1);
    expect(udpOwners(host, port)).toEqual([first.leader.pid, second.followers[0]!.pid].sort());
    await untilAllServe(host, port, N + 1, 5_000);

    // kill -9 the leader: restarted as the leader (not as a follower), on the same port, and it takes the dead one's lock.
    process.kill(first.leader.pid, 'SIGKILL');
    const third = await workersReady(d, 1, [first.leader.pid, first.followers[0]!.pid]);
    expect(third.followers[0]!.pid).toBe(second.followers[0]!.pid);
    expect(third.leader.listen).toEqual(first.leader.listen);
    expect(third.leader.http).not.toBeNull();
    expect(Number((await readFile(join(dir, 'lock'), 'utf8')).trim())).toBe(third.leader.pid);
    expect(udpOwners(host, port)).toEqual([third.leader.pid, third.followers[0]!.pid].sort());
    await untilAllServe(host, port, N + 1, 5_000);
    expect(d.log()).not.toMatch(/in use by process/);

    // The restarted leader refreshes and announces as the first did.
    await publish(N + 2);
    await notify(host, port, N + 2);
    await untilAllServe(host, port, N + 2, 5_000);
  }, 120_000);

  it('the leader\'s copy expires: both stop serving it (SERVFAIL); a NOTIFYed new copy: both serve again', async () => {
    const host = '127.0.62.4';
    // SOA expire 4 s: unconfirmed for 4 s, the copy must not be served (RFC 8806 §3, RFC 1035 SOA EXPIRE).
    await publish(N, 4);
    const { d, dir } = await serveWorkers(host, 'data-expiry');
    const { leader } = await workersReady(d, 1);
    const port = portOf(leader.listen[0]!);
    await untilAllServe(host, port, N, 15_000);
    // The source goes away: nothing confirms the copy; the leader's expiry check (every 10 s) withdraws it, and the follower with it.
    src.routes.delete('/root.zone');
    await untilAllServe(host, port, 'servfail', 30_000);
    // Why, from the leader (the follower has no ops endpoint; it SERVFAILs only because the leader said so).
    const readyz = await fetch(`http://${leader.http}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toMatch(/expire/);

    await publish(N + 1);
    await notify(host, port, N + 1);
    await untilAllServe(host, port, N + 1, 5_000);

    // A leader restarted with no copy to serve (data dir emptied, source gone): the follower stops serving the old one.
    src.routes.delete('/root.zone');
    await rm(join(dir, 'current'), { recursive: true, force: true });
    await rm(join(dir, 'previous'), { recursive: true, force: true });
    process.kill(leader.pid, 'SIGKILL');
    await workersReady(d, 1, [leader.pid]);
    await untilAllServe(host, port, 'servfail', 10_000);
  }, 120_000);
});
