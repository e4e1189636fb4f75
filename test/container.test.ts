// The Dockerfile without a Docker engine: hadolint-style rules on the parsed
// file, then the image's own ENTRYPOINT + CMD and HEALTHCHECK command lines run
// here, with the image's ENV (plus a zone file, an unprivileged port and a temp
// data dir), as the image's uid when we can: ready, healthy, SIGTERM → exit 0.

import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, decode, udpExchange } from './helpers/dns-client.js';
import { assertBuilt, freePort, isRoot, startRootmirror, type RootmirrorProcess } from './helpers/processes.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ZONE = join(REPO, 'test/fixtures/root-zone/root.zone.2026082201');

interface Instruction {
  readonly cmd: string;
  readonly args: string;
  readonly line: number;
  /** Index of the FROM this instruction belongs to (-1 before the first). */
  readonly stage: number;
}

/** Dockerfile → instructions: continuation lines joined, comments dropped (as the builder does). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let stage = -1;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i]!;
    if (/^\s*(#|$)/.test(l)) continue;
    while (/\\\s*$/.test(l) && i + 1 < lines.length) {
      l = l.replace(/\\\s*$/, ' ');
      i++;
      if (!/^\s*#/.test(lines[i]!)) l += lines[i]!;
    }
    const m = /^\s*(\S+)\s*(.*)$/.exec(l)!;
    const cmd = m[1]!.toUpperCase();
    if (cmd === 'FROM') stage++;
    out.push({ cmd, args: m[2]!.replace(/\s+/g, ' ').trim(), line: start + 1, stage });
  }
  return out;
}

/** `ENV A=1 B="two"` (and the legacy `ENV A 1`) → pairs. */
function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [k, ...v] = args.split(' ');
    env[k!] = v.join(' ');
    return env;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    env[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return env;
}

const exec = (args: string): string[] => {
  expect(args.startsWith('['), `exec (JSON) form expected, got: ${args}`).toBe(true);
  return JSON.parse(args) as string[];
};

const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const lastStage = Math.max(...dockerfile.map((i) => i.stage));
const final = dockerfile.filter((i) => i.stage === lastStage);
const one = (cmd: string, list = dockerfile): Instruction => {
  const all = list.filter((i) => i.cmd === cmd);
  expect(all, `exactly one ${cmd}`).toHaveLength(1);
  return all[0]!;
};
const imageEnv = Object.assign({}, ...final.filter((i) => i.cmd === 'ENV').map((i) => parseEnv(i.args))) as Record<string, string>;
const installDir = final.filter((i) => i.cmd === 'WORKDIR').at(-1)!.args;
/** A path inside the image → the same file in this checkout; `node` → this node. */
const local = (argv: readonly string[]): string[] => argv.map((a, i) => (i === 0 && a === 'node' ? process.execPath : a.startsWith(installDir + '/') ? join(REPO, a.slice(installDir.length + 1)) : a));

describe('Dockerfile (hadolint-style rules)', () => {
  it('builds in stages from one pinned, non-latest base; the runtime stage is the last and is not the build stage', () => {
    const froms = dockerfile.filter((i) => i.cmd === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) {
      const image = f.args.split(' ')[0]!;
      expect(image, `line ${f.line}: DL3006 tag the image`).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._-]+(@sha256:[0-9a-f]{64})?$/);
      expect(image, `line ${f.line}: DL3007 no latest`).not.toMatch(/:latest\b/);
      expect(image, `line ${f.line}: the current Node LTS line, slim`).toMatch(/^node:26-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
    }
    expect(new Set(froms.map((f) => f.args.split(' ')[0])).size).toBe(1);
    expect(froms.at(-1)!.args).not.toMatch(/ AS /i);
  });

  it('runs as a non-root user, owns only the data dir, which is a volume', () => {
    const users = final.filter((i) => i.cmd === 'USER');
    expect(users.length).toBeGreaterThanOrEqual(1);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/); // DL3002
    expect(users.at(-1)!.args).toBe('node');
    expect(one('VOLUME', final).args).toBe(JSON.stringify([imageEnv.ROOTMIRROR_DATA_DIR]));
    expect(final.some((i) => i.cmd === 'RUN' && i.args.includes(`chown node:node ${imageEnv.ROOTMIRROR_DATA_DIR}`))).toBe(true);
  });

  it('has no dev dependencies or build tools in the runtime stage', () => {
    const runs = final.filter((i) => i.cmd === 'RUN').map((i) => i.args);
    const installs = runs.filter((r) => /\bnpm (ci|install)\b/.test(r));
    expect(installs.length).toBe(1);
    expect(installs[0]).toMatch(/npm ci --omit=dev/);
    expect(runs.join(' ')).not.toMatch(/\b(tsc|typescript|vitest|build-essential|gcc|make)\b/);
    const copies = final.filter((i) => i.cmd === 'COPY').map((i) => i.args);
    expect(copies.some((c) => /\bsrc\b/.test(c) && !c.includes('--from='))).toBe(false);
    expect(copies.filter((c) => c.includes('--from=')).map((c) => c.split(' ').slice(1).join(' '))).toEqual(['/src/dist ./dist']);
  });

  it('cleans apt lists and skips recommends wherever apt-get installs (DL3009, DL3015)', () => {
    for (const r of dockerfile.filter((i) => i.cmd === 'RUN' && /apt-get install/.test(i.args))) {
      expect(r.args, `line ${r.line}`).toMatch(/--no-install-recommends/);
      expect(r.args, `line ${r.line}`).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    }
  });

  it('uses absolute WORKDIRs (DL3000), COPY not ADD (DL3020), exec-form ENTRYPOINT/CMD/HEALTHCHECK, EXPOSE, STOPSIGNAL', () => {
    for (const w of dockerfile.filter((i) => i.cmd === 'WORKDIR')) expect(w.args).toMatch(/^\//);
    expect(dockerfile.filter((i) => i.cmd === 'ADD')).toEqual([]);
    exec(one('ENTRYPOINT', final).args);
    exec(one('CMD', final).args);
    const hc = one('HEALTHCHECK', final).args;
    expect(hc).toMatch(/--interval=\d+s/);
    expect(hc).toMatch(/--timeout=\d+s/);
    expect(hc).toMatch(/--start-period=\d+s/);
    const hcCmd = exec(hc.replace(/^(--\S+ )*CMD /, ''));
    expect(hcCmd.slice(-1)).toEqual(['healthcheck']);
    expect(one('EXPOSE', final).args.split(' ').sort()).toEqual(['53/tcp', '53/udp', '8053/tcp']);
    expect(one('STOPSIGNAL', final).args).toBe('SIGTERM');
  });

  it('is configured by environment only: the ENV defaults match what serve expects', () => {
    expect(imageEnv).toMatchObject({ NODE_ENV: 'production', ROOTMIRROR_DATA_DIR: '/var/lib/rootmirror', ROOTMIRROR_LISTEN: '127.53.53.53:53', ROOTMIRROR_HTTP: '127.0.0.1:8053' });
    // The runtime's own settings (glibc's malloc: deploy/rootmirror.service says why), and rootmirror's options.
    expect(imageEnv).toMatchObject({ MALLOC_MMAP_THRESHOLD_: '131072' });
    expect(Object.keys(imageEnv).every((k) => k === 'NODE_ENV' || k === 'MALLOC_MMAP_THRESHOLD_' || k.startsWith('ROOTMIRROR_'))).toBe(true);
    expect(exec(one('CMD', final).args)).toEqual(['serve']); // no flags: docker run -e ... changes everything
  });

  it('.dockerignore keeps the context small and keeps everything the COPYs need', () => {
    const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const p of ['node_modules', 'dist', '.git', 'test']) expect(ignore).toContain(p);
    const sources = dockerfile
      .filter((i) => i.cmd === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(' ').slice(0, -1))
      .map((s) => s.replace(/^\.\//, ''));
    expect(sources.sort()).toEqual(['bin', 'demo', 'keys', 'package-lock.json', 'package-lock.json', 'package.json', 'package.json', 'scripts/bundle.mjs', 'src', 'tsconfig.json']);
    // .dockerignore as Docker reads it, for the patterns used here: a path, a directory, `dir/*`; a later `!pattern` takes a path back.
    const matches = (path: string, pattern: string): boolean => {
      const p = pattern.replace(/^\//, '').replace(/\/$/, '');
      if (p.endsWith('/*')) return path.startsWith(p.slice(0, -1)) && !path.slice(p.length - 1).includes('/');
      return path === p || path.startsWith(`${p}/`);
    };
    const ignored = (path: string): boolean =>
      ignore.reduce((out, p) => (p.startsWith('!') ? (matches(path, p.slice(1)) ? false : out) : matches(path, p) ? true : out), false);
    expect(ignored('scripts/check-imports.mjs')).toBe(true);
    for (const s of sources) {
      expect(existsSync(join(REPO, s)), s).toBe(true);
      expect(ignored(s), `${s} must not be ignored`).toBe(false);
    }
  });
});

function runHealthcheck(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const hc = exec(one('HEALTHCHECK', final).args.replace(/^(--\S+ )*CMD /, ''));
  const [cmd, ...args] = local(hc);
  return new Promise((resolve) => {
    const c = spawn(cmd!, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => resolve({ code, out }));
  });
}

describe("the image's command line, run here", () => {
  const HOST = '127.62.3.1';
  let data: string;
  let env: Record<string, string>;
  let proc: RootmirrorProcess | undefined;
  // As root, run as uid/gid 1000 like the image's `node` user, owning only the data dir.
  const asImageUser = isRoot && (statSync(REPO).mode & 0o005) === 0o005;

  beforeAll(async () => {
    assertBuilt();
    data = mkdtempSync(join(tmpdir(), 'rootmirror-container-'));
    if (asImageUser) chownSync(data, 1000, 1000);
    // The fixture's apex RRSIGs expired in September 2026: a zone served with
    // them is rightly not ready. Without RRSIGs the zone file carries no expiry.
    const zone = join(data, 'root.zone');
    writeFileSync(zone, readFileSync(ZONE, 'utf8').split('\n').filter((l) => !/\sRRSIG\s/.test(l)).join('\n'));
    env = {
      ...imageEnv,
      ROOTMIRROR_ZONE_FILE: zone,
      ROOTMIRROR_LISTEN: `${HOST}:0`,
      ROOTMIRROR_HTTP: `${HOST}:${await freePort(HOST)}`,
      ROOTMIRROR_DATA_DIR: data,
      ROOTMIRROR_MONITOR_INTERVAL: '0', // no probes of the live roots from a test
    };
  });
  afterAll(async () => {
    await proc?.stop();
    rmSync(data, { recursive: true, force: true });
  });

  it('healthcheck fails (exit 1, one line) while nothing serves', async () => {
    const r = await runHealthcheck(env);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(/^unhealthy: .*ECONNREFUSED/);
  });

  it('ENTRYPOINT + CMD becomes ready, answers, passes the HEALTHCHECK, and drains on SIGTERM with exit 0', async () => {
    const argv = local([...exec(one('ENTRYPOINT', final).args), ...exec(one('CMD', final).args)]);
    expect(argv[0]).toBe(process.execPath);
    expect(existsSync(argv[2]!)).toBe(true); // bin/rootmirror, where the image has it
    proc = await startRootmirror(argv.slice(3), env, argv.slice(1, 2), argv[2], asImageUser ? { uid: 1000, gid: 1000 } : {});
    expect(proc.ready.serial).toBe(2026082201);
    expect(proc.ready.http).toBe(env.ROOTMIRROR_HTTP);
    if (asImageUser) expect(readFileSync(`/proc/${proc.child.pid}/status`, 'utf8')).toMatch(/^Uid:\s+1000\s/m);
    const [host, port] = [proc.ready.listen[0]!.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(proc.ready.listen[0]!)![1])];
    expect(decode(await udpExchange(host, port, encodeQuery('com.', 'NS'))).authority.length).toBeGreaterThan(0);

    const hc = await runHealthcheck(env);
    expect(hc.code, hc.out).toBe(0);
    expect(hc.out).toBe(`healthy: ${env.ROOTMIRROR_HTTP}/readyz 200: ready: serving serial 2026082201\n`);

    // An idle TCP client is open when the stop signal comes: the daemon closes it and exits 0.
    const sock = connect({ host, port });
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    const t0 = Date.now();
    const code = await proc.stop(10_000);
    expect(code).toBe(0);
    await closed;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(proc.log()).toMatch(/"msg":"stopping","cmd":"serve","signal":"SIGTERM"/);
    proc = undefined;
  });
});
