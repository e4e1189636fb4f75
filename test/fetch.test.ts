// `rootmirror fetch` through the CLI entry point: exit status and one-line
// messages, against a loopback server.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { FixtureServer, makeKey, sign } from './refresh-kit.js';

const FIXTURE = resolve('test/fixtures/signed/small.zone.signed');
const ANCHOR = resolve('test/fixtures/signed/trust-anchor.ds');
let srv: FixtureServer;
let dir: string;
let out: string[];
let err: string[];

beforeAll(async () => {
  srv = await new FixtureServer().start();
});
afterAll(async () => srv.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-fetch-'));
  srv.routes.clear();
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
const fetch = (...extra: string[]): Promise<number> => main(['fetch', '--data-dir', dir, '--source', `${srv.base}/root.zone`, ...extra], io);

describe('rootmirror fetch', () => {
  it('--verify none: stores the copy, exit 0; again: "current", exit 0', async () => {
    const zone = await readFile(FIXTURE);
    srv.file('/root.zone', zone, '"x1"');
    expect(await fetch('--verify', 'none')).toBe(0);
    expect(out.join('')).toMatch(/^stored serial 2026110100 from http:\/\/127\.0\.0\.1:\d+\/root\.zone in /);
    expect(await readFile(join(dir, 'current', 'root.zone'))).toEqual(zone);
    out = [];
    expect(await fetch('--verify', 'none')).toBe(0);
    expect(out.join('')).toMatch(/^serial 2026110100 is current from /);
  });

  it('a failure exits 1 with one line naming the reason', async () => {
    expect(await fetch('--verify', 'none')).toBe(1);
    const text = err.join('');
    expect(text).toMatch(/^rootmirror fetch: every source failed: http:\/\/127\.0\.0\.1:\d+\/root\.zone: .*HTTP 404; check the --source URL\n$/);
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('every layer with a throw-away PGP key and the test trust anchor: stored, exit 0, each layer named', async () => {
    const key = await makeKey();
    const zone = await readFile(FIXTURE);
    srv.file('/root.zone', zone);
    srv.file('/root.zone.sig', await sign(key, zone));
    await writeFile(join(dir, 'test.key'), key.publicKey.armor());
    expect(await fetch('--pgp-key', join(dir, 'test.key'), '--trust-anchors', ANCHOR)).toBe(0);
    expect(out.join('')).toMatch(/^stored serial 2026110100 from .* \(pgp ok, zonemd ok, dnssec ok\) in /);
    // The key check that passed is remembered, so a `serve` on this data dir does not parse the key again.
    expect(JSON.parse(await readFile(join(dir, 'pgp-keys-checked.json'), 'utf8'))).toMatchObject({ files: [{ file: join(dir, 'test.key') }] });
  });

  it('default layers against the real anchors: the DNSSEC layer refuses a zone signed by another key, one line, exit 1', async () => {
    const key = await makeKey();
    const zone = await readFile(FIXTURE);
    srv.file('/root.zone', zone);
    srv.file('/root.zone.sig', await sign(key, zone));
    await writeFile(join(dir, 'test.key'), key.publicKey.armor());
    expect(await fetch('--pgp-key', join(dir, 'test.key'))).toBe(1);
    expect(err.join('')).toMatch(/^rootmirror fetch: .*dnssec: .*trust anchor.*\n$/);
    expect(existsSync(join(dir, 'current'))).toBe(false);
  });

  it('an unreadable --pgp-key is one line naming the file, exit 78 (EX_CONFIG: a configuration error, restarting will not help)', async () => {
    expect(await main(['fetch', '--data-dir', dir, '--source', `${srv.base}/root.zone`, '--pgp-key', join(dir, 'nope.key')], io)).toBe(78);
    expect(err.join('')).toMatch(/nope\.key/);
    expect(err.join('').split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('usage errors exit 2: axfr without zonemd+dnssec, unknown layer', async () => {
    expect(await main(['fetch', '--data-dir', dir, '--source', 'axfr://127.0.0.1:1', '--verify', 'pgp'], io)).toBe(2);
    expect(err.join('')).toMatch(/must include both zonemd and dnssec/);
    expect(await main(['fetch', '--data-dir', dir, '--verify', 'pgp,md5'], io)).toBe(2);
    expect(err.join('')).toMatch(/unknown layer "md5"/);
  });
});
