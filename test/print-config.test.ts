// `rootmirror print-config RESOLVER`: the snippet on stdout, warnings on stderr,
// address and DNSSEC mode from flags or from serve's own ROOTMIRROR_* variables.
// (That the snippets work is test/resolvers-e2e.test.ts's job.)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESOLVERS, STRIP_WARNING, resolverConfig } from '../src/cli/resolver-config.js';
import { BIN, assertBuilt, findProgram } from './helpers/processes.js';

beforeAll(assertBuilt);

function run(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'print-config', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('resolverConfig', () => {
  it('warns every validating resolver about --dnssec strip, and dnscache never', () => {
    for (const r of RESOLVERS) {
      const strip = resolverConfig(r, { address: '127.53.53.53', port: 53, dnssec: 'strip' });
      const keep = resolverConfig(r, { address: '127.53.53.53', port: 53, dnssec: 'keep' });
      expect(strip.warnings.includes(STRIP_WARNING)).toBe(r !== 'dnscache');
      expect(keep.warnings).toEqual([]);
      expect(strip.text).toBe(keep.text); // the mode changes the advice, not the snippet
      expect(strip.text).toContain('127.53.53.53');
    }
  });

  it('puts a non-default port where the resolver accepts one, and warns where it cannot', () => {
    const o = { address: '127.0.0.1', port: 5353, dnssec: 'keep' } as const;
    expect(resolverConfig('unbound', o).text).toContain('stub-addr: 127.0.0.1@5353');
    expect(resolverConfig('unbound', o).warnings).toEqual([]);
    expect(resolverConfig('pdns-recursor', o).text).toContain('forward-zones=.=127.0.0.1:5353');
    expect(resolverConfig('pdns-recursor', { ...o, address: '::1' }).text).toContain('forward-zones=.=[::1]:5353');
    expect(resolverConfig('bind', o).text).toContain('primaries { 127.0.0.1 port 5353; }');
    for (const r of ['dnscache', 'bind', 'knot-resolver'] as const) {
      expect(resolverConfig(r, o).warnings.join(' ')).toMatch(/can only query port 53: run rootmirror on 127\.0\.0\.1:53/);
    }
    expect(resolverConfig('dnscache', { address: '::1', port: 53, dnssec: 'strip' }).warnings.join(' ')).toMatch(/IPv4 only/);
  });

  it('gives each resolver the construct its documentation names', () => {
    const t = (r: (typeof RESOLVERS)[number]) => resolverConfig(r, { address: '127.53.53.53', port: 53, dnssec: 'keep' }).text;
    expect(t('dnscache')).toMatch(/^echo 127\.53\.53\.53 > \/etc\/sv\/dnscache\/root\/servers\/@$/m);
    expect(t('unbound')).toMatch(/^stub-zone:\n {4}name: "\."\n {4}stub-addr: 127\.53\.53\.53\n/m);
    expect(t('unbound')).toMatch(/^ {4}do-not-query-localhost: no$/m);
    expect(t('bind')).toMatch(/^zone "\." \{\n {4}type static-stub;\n {4}server-addresses \{ 127\.53\.53\.53; \};\n\};$/m);
    expect(t('knot-resolver')).toMatch(/^modules\.load\('hints > iterate'\)\nmodules\.unload\('priming'\)\nhints\.root\(\{ \['rootmirror\.'\] = \{ '127\.53\.53\.53' \} \}\)$/m);
    expect(t('knot-resolver')).toMatch(/^ {4}hints\.set\(l \.\. '\.root-servers\.net 127\.53\.53\.53'\)$/m);
    expect(t('pdns-recursor')).toMatch(/^forward-zones=\.=127\.53\.53\.53$/m);
  });
});

describe('rootmirror print-config', () => {
  it('prints the snippet on stdout and the strip warning on stderr', () => {
    const r = run(['unbound']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stub-addr: 127.53.53.53');
    expect(r.stderr).toBe(`rootmirror print-config: warning: ${STRIP_WARNING}\n`);
  });

  it("reads serve's ROOTMIRROR_LISTEN and ROOTMIRROR_DNSSEC; --address wins", () => {
    const env = { ROOTMIRROR_LISTEN: '127.0.0.9:5300,[::1]:53', ROOTMIRROR_DNSSEC: 'keep' };
    const a = run(['unbound'], env);
    expect(a.stdout).toContain('stub-addr: 127.0.0.9@5300');
    expect(a.stderr).toBe('');
    const b = run(['pdns-recursor', '--address', '[::1]:5301'], env);
    expect(b.stdout).toContain('forward-zones=.=[::1]:5301');
    const c = run(['bind', '--address', '192.0.2.7'], env);
    expect(c.stdout).toContain('server-addresses { 192.0.2.7; };');
  });

  it('refuses what it cannot turn into a config, in one line', () => {
    for (const [args, env, pattern] of [
      [[], {}, /expected one resolver: dnscache, unbound/],
      [['unbund'], {}, /unknown resolver "unbund"; did you mean "unbound"\?/],
      [['bind', '--address', 'localhost'], {}, /--address "localhost": expected an IP address/],
      [['bind'], { ROOTMIRROR_LISTEN: '0.0.0.0:53' }, /wildcard 0\.0\.0\.0: give the address the resolver should use with --address/],
      [['bind', '--dnssec', 'maybe'], {}, /--dnssec: "maybe" is not one of strip, keep/],
    ] as const) {
      const r = run([...args], { ...env });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('has --help from its option table', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: rootmirror print-config dnscache\|unbound\|bind\|knot-resolver\|pdns-recursor/);
    expect(r.stdout).toMatch(/--dnssec strip\|keep .*env ROOTMIRROR_DNSSEC/);
  });
});

describe('rootmirror print-config --fleet (a secondary of rootmirror)', () => {
  it('bind: a mirror zone from ADDR port P, signed with the named key; named-checkconf accepts it with the key clause', () => {
    const r = run(['bind', '--fleet', '--address', '127.0.0.1:5300', '--tsig-key-name', 'fleet-key', '--dnssec', 'keep']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ {4}type mirror;$/m);
    expect(r.stdout).toMatch(/^ {4}primaries \{ 127\.0\.0\.1 port 5300 key "fleet-key"; \};$/m);
    const checkconf = findProgram('named-checkconf');
    if (checkconf === undefined) return;
    const dir = mkdtempSync(join(tmpdir(), 'rootmirror-fleet-conf-'));
    try {
      const conf = join(dir, 'named.conf');
      writeFileSync(conf, `options { directory "${dir}"; recursion yes; dnssec-validation auto; };\nkey "fleet-key" { algorithm hmac-sha256; secret "${Buffer.alloc(32, 1).toString('base64')}"; };\n${r.stdout}`);
      const c = spawnSync(checkconf, [conf], { encoding: 'utf8' });
      expect(c.status, c.stdout + c.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unbound: an auth-zone with zonemd-check and allow-notify; no TSIG (warned when asked); unbound-checkconf accepts it', () => {
    const r = run(['unbound', '--fleet', '--address', '127.0.0.1:5300', '--tsig-key-name', 'fleet-key', '--dnssec', 'keep']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cannot sign auth-zone transfers with TSIG/);
    expect(r.stdout).toMatch(/^ {4}primary: 127\.0\.0\.1@5300$/m);
    expect(r.stdout).toMatch(/^ {4}zonemd-check: yes$/m);
    expect(r.stdout).toMatch(/^ {4}allow-notify: 127\.0\.0\.1\/32$/m);
    const checkconf = findProgram('unbound-checkconf');
    if (checkconf === undefined) return;
    const dir = mkdtempSync(join(tmpdir(), 'rootmirror-fleet-conf-'));
    try {
      const conf = join(dir, 'unbound.conf');
      writeFileSync(conf, `server:\n    directory: "${dir}"\n    chroot: ""\n    username: ""\n${r.stdout}`);
      const c = spawnSync(checkconf, [conf], { encoding: 'utf8' });
      expect(c.status, c.stdout + c.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --fleet for a resolver that cannot be a secondary, and --tsig-key-name without --fleet', () => {
    const a = run(['dnscache', '--fleet']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--fleet: dnscache cannot keep a copy by zone transfer here; use bind or unbound/);
    const b = run(['bind', '--tsig-key-name', 'k']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--tsig-key-name goes with --fleet/);
  });
});
