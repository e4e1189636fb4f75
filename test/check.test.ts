// `rootmirror check` through the CLI entry (main + option parsing + stdout),
// against fake roots and a fake "our server" on loopback.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { FakeRoot, startFakeRoots } from './helpers/fake-root.js';

const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const N = 2026082201;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    const code = await main(['check', ...args], { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
    return { code, out, err };
  } finally {
    spy.mockRestore();
  }
}

describe('rootmirror check', () => {
  let roots: Awaited<ReturnType<typeof startFakeRoots>>;
  let ours: FakeRoot;
  let dir: string;
  beforeAll(async () => {
    roots = await startFakeRoots(Array.from({ length: 13 }, () => ({ serial: N })));
    ours = await FakeRoot.start('127.0.3.1', 0, { serial: N });
    dir = mkdtempSync(join(tmpdir(), 'rootmirror-check-'));
  });
  afterAll(async () => {
    await roots?.close();
    await ours?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = () => ['--server', `127.0.3.1:${ours.port}`, '--root-hints', HINTS, '--root-port', String(roots.port), '--timeout', '1'];

  it('OK: one line, exit 0 (no RRSIG from our server: no age in perfdata)', async () => {
    const r = await run(base());
    expect(r).toEqual({ code: 0, out: `ROOTMIRROR OK - serial ${N} matches 13/13 roots | behind=0s;7200;43200;0 roots_answered=13;;;0;13 roots_matching=13;;;0;13\n`, err: '' });
  });

  it('behind by a serial, no signatures to date it: OK with the difference shown; --warn-behind is honoured in perfdata', async () => {
    roots.roots.forEach((x) => (x.config = { serial: N + 1 }));
    const r = await run([...base(), '--warn-behind', '30m', '--crit-behind', '1h']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`ROOTMIRROR OK - serial ${N} behind live ${N + 1} (13/13 roots) for 0s, within 30m (lag not datable: the roots sent no SOA RRSIG) | behind=0s;1800;3600;0 roots_answered=13;;;0;13 roots_matching=13;;;0;13\n`);
  });

  it('behind, dated by the live SOA RRSIG: CRITICAL past --crit-behind', async () => {
    roots.roots.forEach((x) => (x.config = { serial: N + 1, sigInception: Date.now() - 2 * 3600_000 }));
    const r = await run([...base(), '--warn-behind', '30m', '--crit-behind', '1h']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(new RegExp(`^ROOTMIRROR CRITICAL - serial ${N} behind live ${N + 1} \\(13/13 roots\\) for 2\\.0h, over 60m \\| behind=720\\ds;1800;3600;0 `));
  });

  it('--json prints the report', async () => {
    roots.roots.forEach((x) => (x.config = { serial: N }));
    const r = await run([...base(), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ exit: 0, ours: { ok: true, serial: N }, report: { state: 'OK', liveSerial: N, rootsAnswered: 13 } });
  });

  it('without --server asks where serve listens: ROOTMIRROR_LISTEN, else 127.53.53.53:53 (never the host resolver on 127.0.0.1:53)', async () => {
    const rest = ['--root-hints', HINTS, '--root-port', String(roots.port), '--timeout', '1'];
    roots.roots.forEach((x) => (x.config = { serial: N }));
    vi.stubEnv('ROOTMIRROR_LISTEN', `127.0.3.1:${ours.port}`);
    try {
      expect((await run(rest)).out).toMatch(new RegExp(`^ROOTMIRROR OK - serial ${N} matches 13/13 roots`));
      // A wildcard listen address is asked on loopback, as healthcheck does.
      vi.stubEnv('ROOTMIRROR_LISTEN', `0.0.0.0:${ours.port}`);
      expect((await run([...rest, '--json'])).out).toContain(`"address": "127.0.0.1"`);
      vi.stubEnv('ROOTMIRROR_LISTEN', undefined);
      const r = await run(rest);
      expect(r.out).toMatch(/^ROOTMIRROR CRITICAL - our server 127\.53\.53\.53:53 did not answer/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('cannot run (bad hints file): UNKNOWN, exit 3', async () => {
    const bad = join(dir, 'bad.hints');
    writeFileSync(bad, '. NS a.\n');
    const r = await run(['--server', `127.0.3.1:${ours.port}`, '--root-hints', bad]);
    expect(r).toEqual({ code: 3, out: `ROOTMIRROR UNKNOWN - ${bad}: no address for a.\n`, err: '' });
    const r2 = await run(['--server', 'localhost:53', '--root-hints', HINTS]);
    expect(r2.code).toBe(3);
    expect(r2.out).toMatch(/^ROOTMIRROR UNKNOWN - --server wants ADDR:PORT/);
  });
});
