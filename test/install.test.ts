// The install path the README gives, run for real into a temp prefix instead
// of /opt/rootmirror: `npm pack`, `npm install -g --prefix PREFIX TARBALL`,
// then `rootmirror` from PREFIX/bin on PATH, and the systemd unit's own
// ExecStart (its /opt/rootmirror rewritten to PREFIX) serving a zone.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encodeQuery, udpExchange } from './helpers/dns-client.js';
import { assertBuilt, startRootmirror } from './helpers/processes.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const UNIT = join(REPO, 'deploy/rootmirror.service');
const ZONE = join(REPO, 'test/fixtures/root-zone/root.zone.2026082201');
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

let dir: string;
let prefix: string;
/** PATH as the installed program sees it: PREFIX/bin first, then this test's Node. */
let path: string;

function npm(args: readonly string[], cwd = REPO): string {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'rootmirror-install-'));
  prefix = join(dir, 'opt');
  // dist/ is already built (`npm test` compiles first); packing must not rebuild it under running tests.
  npm(['pack', '--ignore-scripts', '--pack-destination', dir]);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  expect(tarball).toBe(`${PKG.name}-${PKG.version}.tgz`);
  npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, tarball!)]);
  path = `${join(prefix, 'bin')}:${join(process.execPath, '..')}:/usr/bin:/bin`;
}, 180_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('install from an npm pack tarball (README "Install")', () => {
  it('puts rootmirror on PATH: --version names the package version, --help lists the commands', () => {
    const v = spawnSync('rootmirror', ['--version'], { env: { PATH: path }, encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(`rootmirror ${PKG.version}`);
    const h = spawnSync('rootmirror', ['--help'], { env: { PATH: path }, encoding: 'utf8' });
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^\s+serve\s/m);
  });

  it('the installed package finds its own keys/ (verify with the default trust anchors and InterNIC key)', () => {
    // inspect reads nothing from keys/; verify's defaults do: the anchors file must load from the installed package.
    const r = spawnSync('rootmirror', ['verify', ZONE, '--verify', 'dnssec'], { env: { PATH: path }, encoding: 'utf8' });
    // The fixture has its RRSIGs stripped: DNSSEC fails, but only after the anchors loaded from the installed keys/.
    expect(r.stdout + r.stderr).toMatch(/dnssec/i);
    expect(r.stdout + r.stderr).not.toMatch(/ENOENT|cannot read|no such file/i);
  });

  it("the systemd unit's ExecStart, at the install prefix, serves and answers", async () => {
    const exec = /^ExecStart=(.*)$/m.exec(readFileSync(UNIT, 'utf8'))![1]!;
    expect(exec).toContain('/opt/rootmirror/bin/rootmirror');
    // `/usr/bin/env node [flags] /opt/rootmirror/bin/rootmirror serve` → our Node, the prefix, the same flags.
    const words = exec.replaceAll('/opt/rootmirror', prefix).split(/\s+/);
    expect(words.slice(0, 2)).toEqual(['/usr/bin/env', 'node']);
    const nodeArgs = words.slice(2, words.indexOf(join(prefix, 'bin/rootmirror')));
    const bin = join(prefix, 'bin/rootmirror');
    const d = await startRootmirror(['serve', '--zone-file', ZONE, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--on-expired', 'servfail'], { PATH: path }, nodeArgs, bin);
    try {
      const [host, port] = d.ready.listen[0]!.split(/:(?=\d+$)/);
      const r = decode(await udpExchange(host!, Number(port), encodeQuery('.', 'SOA')));
      expect(r.rcode).toBe(0);
      expect(r.answer).toHaveLength(1);
      expect(r.answer[0]).toMatch(/^\. \d+ SOA$/);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });
});
