// `rootmirror verify` on real data: the complete 2026 root zone (ZONEMD and
// DNSSEC inside its signature window, expired today), the byte-exact 2019
// InterNIC file with its real PGP signature, RFC 8976 examples with relative
// names, and the ways a check fails.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';

const FIX = resolve('test/fixtures');
const FULL = `${FIX}/root-zone-full/root.zone.2026073102.gz`;
let dir: string;
let internic: string;
let out: string[];
let err: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-verify-cli-'));
  internic = join(dir, 'root.zone');
  await writeFile(internic, gunzipSync(await readFile(`${FIX}/internic-signed/2019101300.root.zone.gz`)));
  await writeFile(`${internic}.sig`, await readFile(`${FIX}/internic-signed/2019101300.root.zone.sig`));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
});
afterEach(() => vi.restoreAllMocks());

const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
const verify = (...argv: string[]): Promise<number> => main(['verify', ...argv], io);
const line = (step: string): string => out.join('').split('\n').find((l) => l.startsWith(`${step} `)) ?? '';

describe('rootmirror verify', () => {
  it('the complete 2026 root: ZONEMD and DNSSEC (both real anchors files) pass at 2026-08-01; every RRSIG verifies', async () => {
    expect(await verify(FULL, '--at', '2026-08-01T00:00:00Z', '--verify', 'zonemd,dnssec', '--verify-all-signatures')).toBe(0);
    expect(line('zonemd')).toMatch(/^zonemd +ok +ZONEMD SIMPLE\/SHA-384 .* matches \(serial 2026073102\) \(\d/);
    expect(line('dnssec')).toMatch(/^dnssec +ok +DNSKEY set signed by KSK 20326 .*ZSK 57780/);
    expect(line('all-sigs')).toMatch(/2792 of 2792 RRSIGs verified, 0 failed/);
    expect(out.join('')).toMatch(/^verified: .* \(not checked: pgp\)$/m);
    out = [];
    expect(await verify(FULL, '--at', '2026-08-01', '--verify', 'dnssec', '--trust-anchors', resolve('keys/root.ds'))).toBe(0);
  }, 60_000);

  it('the same zone today: DNSSEC fails, signatures expired; exit 1', async () => {
    expect(await verify(FULL, '--verify', 'zonemd,dnssec')).toBe(1);
    expect(line('zonemd')).toMatch(/ ok /);
    expect(line('dnssec')).toMatch(/FAILED .*expired/);
    expect(out.join('')).toMatch(/^NOT verified: .*: dnssec failed$/m);
  }, 60_000);

  it('the 2019 InterNIC file: the real key verifies FILE.sig (weak), DNSSEC passes with the real anchors', async () => {
    expect(await verify(internic, '--at', '2019-10-13T07:00:00Z', '--verify', 'pgp,dnssec')).toBe(0);
    expect(line('pgp')).toMatch(/^pgp +ok +good signature by F0CB1A326BDF3F3EFA3A01FA937BB869E3A238C5 .*\[weak\]/);
    expect(line('dnssec')).toMatch(/ ok .*KSK 20326/);
  }, 60_000);

  it('the 2019 file with one byte changed: PGP fails; ZONEMD absent fails closed; both reported', async () => {
    const bytes = await readFile(internic);
    bytes[bytes.length >> 1] ^= 0x01;
    const changed = join(dir, 'changed.zone');
    await writeFile(changed, bytes);
    expect(await verify(changed, '--sig', `${internic}.sig`, '--at', '2019-10-13T07:00:00Z', '--verify', 'pgp,zonemd')).toBe(1);
    expect(line('pgp')).toMatch(/FAILED bad signature/);
    expect(line('zonemd')).toMatch(/FAILED no ZONEMD/);
    expect(out.join('')).toMatch(/pgp, zonemd failed/);
  }, 60_000);

  it('no signature file: the PGP layer fails closed and says how to proceed', async () => {
    expect(await verify(FULL, '--at', '2026-08-01T00:00:00Z')).toBe(1);
    expect(line('pgp')).toMatch(/FAILED no signature: .*root\.zone\.2026073102\.sig not found/);
  }, 60_000);

  it('RFC 8976 A.1 has relative names: the origin comes from the SOA owner, or --origin', async () => {
    const a1 = `${FIX}/zonemd-vectors/rfc8976/A1-simple.example.wessels.zone`;
    expect(await verify(a1, '--verify', 'zonemd')).toBe(0);
    expect(line('parse')).toMatch(/origin example\./);
    expect(await verify(a1, '--verify', 'zonemd', '--origin', 'example')).toBe(0);
  });

  it('a zone without any TTL (Unbound-style A.1) verifies, with the SOA MINIMUM warning on stderr', async () => {
    const warned: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (warned.push(String(c)), true));
    expect(await verify(`${FIX}/zonemd-vectors/no-ttl/A1-simple.no-ttl.zone`, '--verify', 'zonemd')).toBe(0);
    expect(warned.join('')).toMatch(/^warning: .*A1-simple\.no-ttl\.zone:7:13: no TTL on the SOA/m);
  });

  it('a zone that fails the serving checks is reported as such (A.5 is an AXFR dump with a trailing SOA)', async () => {
    expect(await verify(`${FIX}/zonemd-vectors/rfc8976/A5-root-servers.net.wessels.zone`, '--verify', 'zonemd')).toBe(1);
    expect(line('checks')).toMatch(/FAILED 1 problem\(s\): .*a second SOA/);
    expect(line('zonemd')).toMatch(/ ok /);
  });

  it('usage errors: bad --at, no file', async () => {
    expect(await verify(FULL, '--at', 'yesterday')).toBe(2);
    expect(err.join('')).toMatch(/--at "yesterday": expected ISO 8601/);
    expect(await verify()).toBe(2);
  });
});
