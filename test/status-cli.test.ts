// `rootmirror status` against a running daemon (a --zone-file, the drift
// monitor asking 13 fake roots): the table and --json read the daemon's own
// /status; nothing listening is one line on stderr and exit 1.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSignedRootZone } from './helpers/dnssec-signer.js';
import { startFakeRoots } from './helpers/fake-root.js';
import { BIN, assertBuilt, startRootmirror, type RootmirrorProcess } from './helpers/processes.js';

const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const N = 2026082201;
/** A zone signed until a month from now: the daemon is ready whatever today's date. */
const dir = mkdtempSync(join(tmpdir(), 'rootmirror-status-'));
const ZONE = join(dir, 'root.zone');

function status(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, 'status', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('rootmirror status', () => {
  let roots: Awaited<ReturnType<typeof startFakeRoots>>;
  let daemon: RootmirrorProcess;
  let http: string;

  beforeAll(async () => {
    assertBuilt();
    writeFileSync(ZONE, currentSignedRootZone(N));
    // 7 of 13 root servers at N+1: the live serial is N+1; the other 6 disagree at N.
    roots = await startFakeRoots(Array.from({ length: 13 }, (_, i) => ({ serial: i < 7 ? N + 1 : N })));
    daemon = await startRootmirror([
      'serve', '--zone-file', ZONE, '--listen', '127.0.47.1:0', '--http', '127.0.47.1:0',
      '--root-hints', HINTS, '--root-port', String(roots.port), '--root-family', '4', '--monitor-interval', '1h',
    ]);
    http = daemon.ready.http!;
    // The monitor's first run starts with serve; wait (bounded) until /status has its report.
    const deadline = Date.now() + 10_000;
    while ((await (await fetch(`http://${http}/status`)).json() as { monitor: unknown }).monitor === null) {
      if (Date.now() > deadline) throw new Error('no monitor report in /status within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);
  afterAll(async () => {
    await daemon?.stop();
    await roots?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a table: state, serial, expiry, refresh, monitor, live serial, one line per root', async () => {
    const r = await status([], { ROOTMIRROR_HTTP: http });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^state\\s+ready: serving serial ${N}$`));
    expect(r.stdout).toMatch(new RegExp(`^serial\\s+${N}$`, 'm'));
    expect(r.stdout).toMatch(/^last refresh\s+none \(a --zone-file, or none yet\)$/m);
    expect(r.stdout).toMatch(/^monitor\s+\w+: .* \(checked \d+s ago \(20\d\d-/m);
    expect(r.stdout).toMatch(new RegExp(`^live serial\\s+${N + 1}(, behind for [^;]+)?; 13 of 13 root addresses answered$`, 'm'));
    expect(r.stdout).toMatch(/^root\s+serial\s+addresses$/m);
    const rootLines = lines.filter((l) => /^[A-M]\.ROOT-SERVERS\.NET\./i.test(l));
    expect(rootLines).toHaveLength(13);
    expect(rootLines.filter((l) => l.includes(` ${N + 1} `) || l.endsWith(` ${N + 1}`))).toHaveLength(7);
    expect(rootLines[0]).toMatch(new RegExp(`^A\\.ROOT-SERVERS\\.NET\\.\\s+${N + 1}\\s+127\\.0\\.1\\.1 ${N + 1}$`, 'i'));
  });

  it('--json prints the /status document itself', async () => {
    const r = await status(['--http', http, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ready: true, serial: N, lastRefresh: null, monitor: { liveSerial: N + 1, rootsAnswered: 13 } });
    expect(doc.monitor.roots).toHaveLength(13);
  });

  it('nothing listening: exit 1 and one line saying where it asked and what to check', async () => {
    const r = await status(['--http', '127.0.47.2:9']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('rootmirror status: cannot read http://127.0.47.2:9/status: connect ECONNREFUSED 127.0.47.2:9; is `rootmirror serve` running with --http there?\n');
  });

  it('a malformed --http is a usage error (exit 2)', async () => {
    const r = await status(['--http', 'localhost:8053']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--http wants ADDR:PORT/);
  });
});
