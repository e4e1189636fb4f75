// Child processes for end-to-end tests: `rootmirror serve` with its "ready"
// line, other daemons (NSD, dnscache, Unbound) started by the test and always
// stopped by it, and `dig` as the client.

import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/rootmirror', import.meta.url));

/** bin/rootmirror runs dist/: say so instead of failing obscurely (`npm test` builds first). */
export function assertBuilt(): void {
  const built = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const bundled = fileURLToPath(new URL('../../dist/bundle/main.js', import.meta.url));
  if (!existsSync(built) || !existsSync(bundled)) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  // bin/rootmirror runs the bundle: one older than tsc's output would test yesterday's code.
  if (statSync(bundled).mtimeMs < statSync(built).mtimeMs) throw new Error('dist/bundle/ is older than dist/: run `npm run build` (tsc and scripts/bundle.mjs), not tsc alone');
}

/** Absolute path of a program, looked up in the sbin directories too (dnscache, nsd, unbound live there). */
export function findProgram(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

export const isRoot = process.getuid?.() === 0;

export interface Ready {
  readonly listen: string[];
  readonly serial: number;
  readonly http: string | null;
  readonly dnssec: string;
}

export interface Daemon {
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far (logs). */
  readonly log: () => string;
  /** SIGTERM, wait for exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

function track(child: ChildProcess): Daemon {
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    log: () => log,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(t);
        return code;
      }
      return exited;
    },
  };
}

/** Start a daemon; the caller waits for it to be ready (port open, log line). */
export function startDaemon(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Daemon {
  return track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }));
}

export interface RootmirrorProcess extends Daemon {
  readonly ready: Ready;
}

/**
 * `node [nodeArgs] bin/rootmirror ARGS` with exactly `env` (plus PATH); resolves
 * on its JSON "ready" log line, rejects if it exits first.
 */
export function startRootmirror(
  args: readonly string[],
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
  bin = BIN,
  spawnOpts: Pick<SpawnOptions, 'uid' | 'gid'> = {},
): Promise<RootmirrorProcess> {
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOpts,
  });
  const d = track(child);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stderr! });
    rl.on('line', (line) => {
      try {
        const j = JSON.parse(line) as { msg?: string } & Ready;
        if (j.msg === 'ready') resolve({ ...d, ready: j });
      } catch {
        /* not JSON */
      }
    });
    child.once('exit', (code) => reject(new Error(`rootmirror exited ${code} before ready: ${d.log()}`)));
  });
}

/** A TCP port nothing listens on right now, for daemons that cannot take port 0. */
export async function freePort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** Poll until a TCP connect to host:port succeeds (the daemon is listening). */
export async function waitTcp(host: string, port: number, timeoutMs = 10_000, who = `${host}:${port}`): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect({ host, port });
      c.once('connect', () => {
        c.destroy();
        r(true);
      });
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${who} did not start listening within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface DigResult {
  readonly status: string;
  readonly flags: readonly string[];
  /** Answer section lines, whitespace collapsed, e.g. `www.test. 3600 IN A 192.0.2.80`. */
  readonly answer: readonly string[];
  readonly raw: string;
}

/** `dig @server qname qtype +opts`, parsed (status, header flags, answer section). */
export function dig(server: string, qname: string, qtype: string, opts: readonly string[] = [], port = 53): Promise<DigResult> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@${server}`, '-p', String(port), qname, qtype, '+time=8', '+tries=1', ...opts], { timeout: 20_000 }, (err, stdout) => {
      if (err && stdout === '') return reject(err);
      const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NO-ANSWER';
      const flags = (/;; flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
      const lines = stdout.split('\n');
      const start = lines.indexOf(';; ANSWER SECTION:');
      const answer: string[] = [];
      if (start >= 0) for (let i = start + 1; i < lines.length && lines[i] !== ''; i++) answer.push(lines[i]!.replace(/\s+/g, ' ').trim());
      resolve({ status, flags, answer, raw: stdout });
    });
  });
}

/** One metric's value summed over the series whose labels contain all of `labels`. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const l = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
