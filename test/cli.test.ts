// bin/rootmirror end to end on the fixture zones: inspect, lookup, export, and
// the error paths (one line on stderr, non-zero exit, no stack trace).
// Runs the built CLI (dist/), as `npm test` builds first.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './helpers/processes.js';

const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT_DIR, 'bin/rootmirror');
const FIX = join(ROOT_DIR, 'test/fixtures');
const ZONE = join(FIX, 'root-zone/root.zone.2026082200');
const FULL = join(FIX, 'root-zone-full/root.zone.2026073102.gz');
const SMALL = join(FIX, 'signed/small.zone.signed');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000, maxBuffer: 64 << 20, env: { ...process.env, ROOTMIRROR_DNSSEC: '' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

let tmp: string;
beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rootmirror-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An expected failure: exit status, exactly one line on stderr, no stack trace. */
function expectOneLineError(r: Run, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('rootmirror (frame)', () => {
  it('lists the commands on --help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const c of ['inspect', 'lookup', 'export']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });
  it('has --help on every command, from its option table', async () => {
    for (const [c, flag] of [
      ['inspect', '--json'],
      ['lookup', '--dnssec strip|keep'],
      ['export', '-o, --output OUT'],
    ] as const) {
      const r = await run(c, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: rootmirror ${c}`);
      expect(r.stdout).toContain(flag);
    }
  });
  it('refuses unknown commands and options with a hint', async () => {
    expectOneLineError(await run('inspct', ZONE), 2, /^rootmirror: unknown command "inspct"; did you mean "inspect"\?/);
    expectOneLineError(await run('inspect', ZONE, '--jsn'), 2, /^rootmirror inspect: unknown option --jsn; did you mean --json\? \(see rootmirror inspect --help\)\n$/);
    expectOneLineError(await run('lookup', SMALL, 'com.', 'NS', '--dnssec', 'some'), 2, /"some" is not one of strip, keep/);
    expectOneLineError(await run('lookup', SMALL, 'com.', 'NOTATYPE'), 2, /"NOTATYPE" is not a query type/);
  });
  it('reports a missing file, a malformed zone and a refused zone in one line', async () => {
    expectOneLineError(await run('inspect', join(tmp, 'nope.zone')), 1, /ENOENT.*nope\.zone/);
    expectOneLineError(await run('inspect', join(FIX, 'lookup/bad-address.zone')), 1, /bad-address\.zone:4:\d+: .*198\.41\.0\.400/);
    const r = await run('inspect', join(FIX, 'lookup/no-apex-ns.zone'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rootmirror inspect: zone \. refused: .*\n.*no NS records at the apex/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('rootmirror inspect', () => {
  it('counts what ldns-read-zone counts (root.zone.2026082200)', async () => {
    const r = await run('inspect', ZONE, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { serial: number; counts: Record<string, number>; tlds: Record<string, number>; dnssec: boolean; zonemd: boolean };
    expect(j.serial).toBe(2026082200);
    // test/fixtures/README.md: `ldns-read-zone FILE | awk '{print $4}' | sort | uniq -c`
    expect(j.counts).toEqual({ NS: 7581, A: 5941, SOA: 1, AAAA: 5646, DS: 1480, RRSIG: 2, NSEC: 1439, DNSKEY: 3, ZONEMD: 1 });
    expect(j.tlds).toEqual({ total: 1438, signed: 1350, unsigned: 88 });
    expect([j.dnssec, j.zonemd]).toEqual([true, true]);
  });
  it('reads gzipped zones and prints text by default', async () => {
    const r = await run('inspect', FULL);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^serial: +2026073102$/m);
    expect(r.stdout).toMatch(/^records: +24877$/m);
    expect(r.stdout).toMatch(/^ {2}RRSIG +2792$/m);
    expect(r.stdout).toMatch(/^zonemd: +yes$/m);
  });
});

describe('rootmirror lookup', () => {
  it('prints a referral dig-style, with DS only with --do in keep mode', async () => {
    const r = await run('lookup', SMALL, 'www.com', 'A', '--dnssec', 'keep');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 0');
    expect(r.stdout).toContain(';; flags: qr; QUERY: 1, ANSWER: 0, AUTHORITY: 2, ADDITIONAL: 4');
    expect(r.stdout).toMatch(/^com\.\t172800\tIN\tNS\ta\.gtld-servers\.net\.$/m);
    expect(r.stdout).toMatch(/^a\.gtld-servers\.net\.\t172800\tIN\tAAAA\t2001:503:a83e::2:30$/m);
    expect(r.stdout).not.toMatch(/\tDS\t/);
    const d = await run('lookup', SMALL, 'www.com', 'A', '--dnssec', 'keep', '--do');
    expect(d.stdout).toContain(';; flags: qr; QUERY: 1, ANSWER: 0, AUTHORITY: 4, ADDITIONAL: 4');
    expect(d.stdout).toMatch(/^com\.\t86400\tIN\tDS\t19718 13 2 /m);
    expect(d.stdout).toMatch(/^com\.\t86400\tIN\tRRSIG\tDS 8 1 86400 /m);
  });
  it('prints NXDOMAIN with the SOA, and the default mode strips DNSSEC', async () => {
    const r = await run('lookup', ZONE, 'no-such-tld.', '--do');
    expect(r.stdout).toContain('status: NXDOMAIN');
    expect(r.stdout).toContain(';; flags: qr aa; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 0');
    expect(r.stdout).toMatch(/^\.\t86400\tIN\tSOA\ta\.root-servers\.net\. nstld\.verisign-grs\.com\. 2026082200 1800 900 604800 86400$/m);
  });
  it('answers apex DNSKEY in keep mode, case-insensitively', async () => {
    const r = await run('lookup', SMALL, '.', 'dnskey', '--dnssec=keep');
    expect(r.stdout).toContain('status: NOERROR');
    expect(r.stdout).toContain('flags: qr aa; QUERY: 1, ANSWER: 2,');
  });
});

describe('rootmirror export', () => {
  it('bind: named-checkzone and ldns-read-zone accept it, and it reads back identical', async () => {
    const out = join(tmp, 'root.bind');
    const r = await run('export', ZONE, '--format', 'bind', '--dnssec', 'keep', '-o', out);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const back = await run('inspect', out, '--json');
    const orig = await run('inspect', ZONE, '--json');
    const strip = (s: string): unknown => ({ ...(JSON.parse(s) as object), file: undefined });
    expect(strip(back.stdout)).toEqual(strip(orig.stdout));
    if (has('named-checkzone')) {
      const c = spawnSync('named-checkzone', ['-i', 'none', '.', out], { encoding: 'utf8', timeout: 60_000 });
      expect(c.status, c.stdout + c.stderr).toBe(0);
      expect(c.stdout).toMatch(/loaded serial 2026082200/);
    }
    if (has('ldns-read-zone')) {
      const c = spawnSync('ldns-read-zone', [out], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
      expect(c.status, c.stderr).toBe(0);
      expect(c.stdout.trim().split('\n').length).toBe(22094);
    }
  });
  it('bind with the default --dnssec strip has no DNSSEC records', async () => {
    const r = await run('export', SMALL, '--format', 'bind');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\t(RRSIG|NSEC|DNSKEY|DS|ZONEMD)\t/);
    expect(r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(';')).length).toBe(136 - 18 - 8 - 6 - 2 - 1);
  });
  it('tinydns: tinydns-data compiles it; keep mode is refused', async () => {
    const r = await run('export', ZONE, '--format', 'tinydns');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Z\.:a\.root-servers\.net:nstld\.verisign-grs\.com:2026082200:1800:900:604800:86400:86400$/m);
    expect(r.stdout).toMatch(/^&com::a\.gtld-servers\.net:172800$/m);
    expect(r.stdout).toMatch(/^\+a\.gtld-servers\.net:192\.5\.6\.30:172800$/m);
    expect(r.stdout).toMatch(/^:a\.gtld-servers\.net:28:\\040\\001\\005\\003\\250\\076(\\000){7}\\002\\000\\060:172800$/m);
    expectOneLineError(await run('export', ZONE, '--format', 'tinydns', '--dnssec', 'keep'), 2, /tinydns cannot serve DNSSEC/);
    if (has('tinydns-data')) {
      const dir = mkdtempSync(join(tmp, 'tinydns-'));
      await run('export', ZONE, '--format', 'tinydns', '-o', join(dir, 'data'));
      const c = spawnSync('tinydns-data', [], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(c.status, c.stderr).toBe(0);
      expect(existsSync(join(dir, 'data.cdb'))).toBe(true);
      expect(readFileSync(join(dir, 'data'), 'utf8').split('\n').length).toBeGreaterThan(19000);
    }
  });
  it('requires --format', async () => {
    expectOneLineError(await run('export', ZONE), 2, /--format tinydns\|bind is required/);
  });
});
