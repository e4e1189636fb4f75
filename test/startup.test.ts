// `rootmirror serve` start-up is all or nothing (issue 12 §3): every operator
// mistake makes the process exit at once, with the status that says what kind
// of mistake it is (src/errors.ts), one line on stderr and no stack trace, and
// having let go of every socket and the data dir lock. Before, most of these
// printed a line and kept running half-started (DNS sockets open, no ops
// endpoint), or exited 70 "internal error (please report)" with a stack.
// Runs the built CLI (dist/).

import { spawn, type SpawnOptions } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, BIN, freePort, isRoot, startRootmirror } from './helpers/processes.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ZONE = join(FIX, 'root-zone/root.zone.2026082201');
const HINTS = join(FIX, 'monitor/fake-roots.hints');
const PKG = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string };
/** A start-up failure must end the process within a second; this leaves room for Node's own start on a busy machine. */
const EXIT_WITHIN_MS = 2000;
/** Kill a process still running after this: it did not fail at start (the bug this file is about). */
const HANG_GUARD_MS = 6000;
const NOBODY = 65534;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Run bin/rootmirror to its end (or kill it after HANG_GUARD_MS: code null). */
function run(args: readonly string[], opts: SpawnOptions = {}, guardMs = HANG_GUARD_MS): Promise<Exit> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' }, cwd: tmpdir(), ...opts });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Exited at once with `code`, one line on stderr saying `pattern`, no stack trace, nothing announced. */
function expectStartFailure(r: Exit, code: number, pattern: RegExp): void {
  expect(r.code, `exit status (null: still running after ${HANG_GUARD_MS} ms); stderr: ${r.stderr}`).toBe(code);
  expect(r.ms).toBeLessThan(EXIT_WITHIN_MS);
  expect(r.stderr).toMatch(pattern);
  // Log lines (JSON off a TTY) of steps that succeeded before may precede it; the error itself is one line.
  expect(r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('{'))).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.stderr).not.toMatch(/"msg":"ready"/);
}

/** Nothing holds host:port any more (UDP and TCP): we can bind both ourselves. */
async function expectReleased(host: string, port: number): Promise<void> {
  const tcp = net.createServer();
  await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(port, host, resolve));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => udp.once('error', reject).bind(port, host, resolve));
  await new Promise<void>((r) => udp.close(r));
  await new Promise((r) => tcp.close(r));
}

/** Hold host:port (TCP and UDP, like a DNS server) until release(). */
async function occupy(host: string, port: number): Promise<() => Promise<void>> {
  const tcp = net.createServer();
  await new Promise<void>((resolve) => tcp.listen(port, host, resolve));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(port, host, resolve));
  return async () => {
    await new Promise<void>((r) => udp.close(r));
    await new Promise((r) => tcp.close(r));
  };
}

let tmp: string;
beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rootmirror-startup-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `serve` in fetching mode on its own loopback address, with a data dir; nothing will be downloaded. */
async function mirrorArgs(host: string, name: string): Promise<{ args: string[]; port: number; dataDir: string }> {
  const port = await freePort(host);
  const dataDir = join(tmp, name);
  return {
    port,
    dataDir,
    args: ['serve', '--listen', `${host}:${port}`, '--http', `${host}:0`, '--data-dir', dataDir, '--source', `http://${host}:9/root.zone`, '--root-hints', HINTS, '--monitor-interval', '0'],
  };
}

describe('serve: a configuration error exits 78 at once, having bound nothing', () => {
  it('a missing --pgp-key file', async () => {
    const m = await mirrorArgs('127.0.44.1', 'pgp');
    expectStartFailure(await run([...m.args, '--pgp-key', join(tmp, 'no-such.key')]), 78, /cannot read OpenPGP key file .*no-such\.key.*--pgp-key/);
    await expectReleased('127.0.44.1', m.port);
  });

  it('a missing --trust-anchors file', async () => {
    const m = await mirrorArgs('127.0.44.2', 'anchors');
    expectStartFailure(await run([...m.args, '--trust-anchors', join(tmp, 'no-such.xml')]), 78, /cannot read trust anchor file .*no-such\.xml/);
    await expectReleased('127.0.44.2', m.port);
  });

  it('a missing --zone-file', async () => {
    const r = await run(['serve', '--zone-file', join(tmp, 'no-such.zone'), '--listen', '127.0.44.3:0', '--http', '127.0.44.3:0', '--monitor-interval', '0']);
    expectStartFailure(r, 78, /--zone-file .*no-such\.zone: cannot read it \(ENOENT\)/);
  });

  it('a missing --tsig-key file, and a ?tsig= name no key file holds', async () => {
    const m = await mirrorArgs('127.0.44.21', 'tsig');
    const axfr = (name: string): string[] => [...m.args, '--source', `axfr://127.0.44.21:9?tsig=${name}`, '--verify', 'zonemd,dnssec'];
    expectStartFailure(await run([...axfr('xfr-key'), '--tsig-key', join(tmp, 'no-such-tsig.key')]), 78, /--tsig-key .*no-such-tsig\.key: cannot read it \(ENOENT\)/);
    await expectReleased('127.0.44.21', m.port);
    const keyFile = join(tmp, 'xfr.key');
    writeFileSync(keyFile, 'key "xfr-key." { algorithm hmac-sha256; secret "NHC1SvqwNisA9kmmMLSsmvxeaiqZFWO0FEcxcT2/KfU="; };\n');
    expectStartFailure(await run([...axfr('other-key'), '--tsig-key', keyFile]), 78, /tsig=other-key\.: no such key in --tsig-key .*xfr\.key \(it holds xfr-key\.\)/);
    await expectReleased('127.0.44.21', m.port);
  });

  it('a --data-dir that is a file', async () => {
    const m = await mirrorArgs('127.0.44.4', 'a-file');
    writeFileSync(m.dataDir, 'not a directory\n');
    expectStartFailure(await run(m.args), 78, /--data-dir .*a-file is not a directory/);
    await expectReleased('127.0.44.4', m.port);
  });

  it('a --data-dir this user cannot write', async () => {
    const m = await mirrorArgs('127.0.44.5', 'read-only');
    mkdirSync(m.dataDir, { mode: 0o555 });
    chmodSync(m.dataDir, 0o555);
    // root writes anywhere: run as nobody to see what an unprivileged daemon sees.
    const r = await run(m.args, isRoot ? { uid: NOBODY, gid: NOBODY } : {});
    expectStartFailure(r, 78, /--data-dir .*read-only is not writable by this user/);
    await expectReleased('127.0.44.5', m.port);
  });

  it('a --listen address that is not an address of this host', async () => {
    const r = await run(['serve', '--zone-file', ZONE, '--listen', '192.0.2.1:5353', '--http', '127.0.44.6:0', '--monitor-interval', '0']);
    expectStartFailure(r, 78, /cannot listen on 192\.0\.2\.1:5353 \(--listen\): the address is not configured on this host/);
  });

  it('no permission for port 53', async () => {
    const unprivilegedFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    if (unprivilegedFrom <= 53) return; // this host lets anyone bind port 53: nothing to refuse
    const r = await run(['serve', '--zone-file', ZONE, '--listen', '127.0.44.7:53', '--http', '127.0.44.7:0', '--monitor-interval', '0'], isRoot ? { uid: NOBODY, gid: NOBODY } : {});
    expectStartFailure(r, 78, /cannot listen on 127\.0\.44\.7:53 \(--listen\): no permission to bind port 53.*CAP_NET_BIND_SERVICE/);
  });
});

describe('serve: a passed --pgp-key check is remembered in the data dir (src/refresh/key-check-record.ts)', () => {
  it('an unchanged key file is not parsed again at the next start; a changed one is, and a bad one still exits 78', async () => {
    const m = await mirrorArgs('127.0.44.30', 'remembered');
    const key = join(tmp, 'remembered.key');
    copyFileSync(fileURLToPath(new URL('../keys/registry-admin.key', import.meta.url)), key);
    const args = [...m.args, '--pgp-key', key, '--log-level', 'debug'];
    const first = await startRootmirror(args);
    await first.stop();
    expect(first.log()).not.toMatch(/not parsed again/);
    expect(existsSync(join(m.dataDir, 'pgp-keys-checked.json'))).toBe(true);
    const second = await startRootmirror(args);
    await second.stop();
    expect(second.log()).toMatch(/--pgp-key files unchanged since they last passed the key check/);
    writeFileSync(key, readFileSync(key, 'utf8').replace(/[A-Za-z](?=[A-Za-z0-9+/]{20}\n)/, (c) => (c === 'A' ? 'B' : 'A')));
    expectStartFailure(await run(args), 78, /is not an OpenPGP public key/);
    await expectReleased('127.0.44.30', m.port);
  });
});

describe('serve: a runtime failure at start exits 1 at once, having released everything', () => {
  it('a --listen address in use by another process', async () => {
    const port = await freePort('127.0.44.8');
    const release = await occupy('127.0.44.8', port);
    try {
      const r = await run(['serve', '--zone-file', ZONE, '--listen', `127.0.44.8:${port}`, '--http', '127.0.44.8:0', '--monitor-interval', '0']);
      expectStartFailure(r, 1, new RegExp(`cannot listen on 127\\.0\\.44\\.8:${port} \\(--listen\\): it is in use by another process; stop that process or choose another --listen`));
    } finally {
      await release();
    }
  });

  it('a busy --http address: the DNS sockets and the data dir lock are let go', async () => {
    const m = await mirrorArgs('127.0.44.9', 'http-busy');
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.44.9', resolve));
    const httpPort = (busy.address() as net.AddressInfo).port;
    try {
      const args = m.args.map((a) => (a === '127.0.44.9:0' ? `127.0.44.9:${httpPort}` : a));
      expectStartFailure(await run(args), 1, new RegExp(`cannot listen on 127\\.0\\.44\\.9:${httpPort} \\(--http\\): it is in use by another process`));
      await expectReleased('127.0.44.9', m.port);
      expect(existsSync(join(m.dataDir, 'lock'))).toBe(false);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it('a malformed --zone-file (parsed after the sockets are bound): they are closed again', async () => {
    const bad = join(tmp, 'bad.zone');
    writeFileSync(bad, '. 86400 IN SOA a. b. 1 2 3 4 5\n. 86400 IN A 192.0.2.400\n');
    const port = await freePort('127.0.44.14');
    const r = await run(['serve', '--zone-file', bad, '--listen', `127.0.44.14:${port}`, '--http', '127.0.44.14:0', '--monitor-interval', '0']);
    expectStartFailure(r, 1, /bad\.zone:2:\d+: .*192\.0\.2\.400/);
    await expectReleased('127.0.44.14', port);
  });

  it('a --data-dir locked by another running instance', async () => {
    const m = await mirrorArgs('127.0.44.10', 'locked');
    mkdirSync(m.dataDir);
    // This test process is alive, so its pid is a live owner.
    writeFileSync(join(m.dataDir, 'lock'), `${process.pid}\n`);
    expectStartFailure(await run(m.args), 1, new RegExp(`locked is in use by process ${process.pid}.*run one rootmirror per data dir`));
    await expectReleased('127.0.44.10', m.port);
    expect(readFileSync(join(m.dataDir, 'lock'), 'utf8')).toBe(`${process.pid}\n`); // not ours to remove
  });
});

describe('serve: a usage error exits 2 at once', () => {
  it('an ftp:// --source', async () => {
    const m = await mirrorArgs('127.0.44.11', 'ftp');
    const args = m.args.map((a) => (a === 'http://127.0.44.11:9/root.zone' ? 'ftp://127.0.44.11/root.zone' : a));
    expectStartFailure(await run(args), 2, /--source ftp:\/\/127\.0\.44\.11\/root\.zone: unsupported scheme ftp:/);
    await expectReleased('127.0.44.11', m.port);
  });

  it('a bad CIDR in --allow-query', async () => {
    const r = await run(['serve', '--zone-file', ZONE, '--listen', '127.0.44.12:0', '--http', '127.0.44.12:0', '--monitor-interval', '0', '--allow-query', '10.0.0.0/99']);
    expectStartFailure(r, 2, /"10\.0\.0\.0\/99": prefix length must be 0-32 \(see rootmirror serve --help\)/);
  });
});

describe('serve: NOTIFY options are checked before anything is bound', () => {
  it('a bad CIDR in --notify-from or a bad --notify address: exit 2; --notify ?tsig= naming no --tsig-key key: exit 78', async () => {
    const m = await mirrorArgs('127.0.44.31', 'notify');
    expectStartFailure(await run([...m.args, '--notify-from', '10.0.0.0/99']), 2, /--notify-from: "10\.0\.0\.0\/99": prefix length must be 0-32/);
    await expectReleased('127.0.44.31', m.port);
    expectStartFailure(await run([...m.args, '--notify', 'ns1.example:53']), 2, /--notify "ns1\.example:53": expected ADDR\[:PORT\]\[\?tsig=KEYNAME\]/);
    const keyFile = join(tmp, 'notify.key');
    writeFileSync(keyFile, 'key "xfr-key." { algorithm hmac-sha256; secret "NHC1SvqwNisA9kmmMLSsmvxeaiqZFWO0FEcxcT2/KfU="; };\n');
    expectStartFailure(await run([...m.args, '--tsig-key', keyFile, '--notify', '127.0.0.1:53?tsig=other-key']), 78, /--notify 127\.0\.0\.1:53\?tsig=other-key\.: no such key in --tsig-key/);
    await expectReleased('127.0.44.31', m.port);
    expectStartFailure(await run(['serve', '--zone-file', ZONE, '--listen', '127.0.44.31:0', '--http', '127.0.44.31:0', '--monitor-interval', '0', '--notify-from', '127.0.0.1/32']), 2, /--notify-from needs fetching mode/);
  });
});

describe('serve --workers', () => {
  it('a worker that fails at start is not restarted: the primary exits with its status', async () => {
    const r = await run(['serve', '--zone-file', ZONE, '--listen', '192.0.2.1:5353', '--http', '127.0.44.13:0', '--monitor-interval', '0', '--workers', '2'], {}, 15_000);
    expect(r.code, r.stderr).toBe(78);
    expect(r.stderr).toMatch(/the address is not configured on this host/);
    expect(r.stderr).not.toMatch(/starting another/);
  }, 20_000);
});

describe('exit codes and version on the command line', () => {
  it('rootmirror --version and -V print the package version and exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await run([flag]);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `rootmirror ${PKG.version}\n`, '']);
    }
  });

  it('rootmirror --help and serve --help list the exit statuses', async () => {
    for (const args of [['--help'], ['serve', '--help']]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^exit status:$/m);
      for (const code of ['0', '1', '2', '70', '78']) expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    }
  });
});
