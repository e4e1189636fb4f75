// `rootmirror healthcheck`: GET /readyz, exit 0 on 200 and 1 otherwise, one
// line. A stand-in ops endpoint gives each answer; the real daemon is asked in
// test/container.test.ts.

import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt } from './helpers/processes.js';

let server: http.Server;
let port: number;
let status = 200;
const paths: string[] = [];

beforeAll(async () => {
  assertBuilt();
  server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    if (status === 0) return; // never answer
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ready: serving 2026112900\n' : 'not ready: no verified, unexpired zone served\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.62.2.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function healthcheck(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, 'healthcheck', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('rootmirror healthcheck', () => {
  it('exits 0 with one line when /readyz says 200 (address from ROOTMIRROR_HTTP, as serve reads it)', async () => {
    status = 200;
    const r = await healthcheck([], { ROOTMIRROR_HTTP: `127.62.2.1:${port}` });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`healthy: 127.62.2.1:${port}/readyz 200: ready: serving 2026112900\n`);
    expect(r.stderr).toBe('');
    expect(paths.at(-1)).toBe('/readyz');
  });

  it('exits 1 with one line on 503', async () => {
    status = 503;
    const r = await healthcheck(['--http', `127.62.2.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`unhealthy: 127.62.2.1:${port}/readyz 503: not ready: no verified, unexpired zone served\n`);
  });

  it('exits 1 with one line when nothing listens, or nothing answers in time', async () => {
    const refused = await healthcheck(['--http', '127.62.2.2:9']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^unhealthy: 127\.62\.2\.2:9\/readyz: connect ECONNREFUSED 127\.62\.2\.2:9\n$/);
    status = 0;
    const t0 = Date.now();
    const silent = await healthcheck(['--http', `127.62.2.1:${port}`, '--timeout', '1']);
    expect(silent.code).toBe(1);
    expect(silent.stderr).toMatch(/^unhealthy: .*no answer within 1000 ms\n$/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('asks a wildcard listen address (0.0.0.0:8053 in a pod) on loopback', async () => {
    const r = await healthcheck(['--http', '0.0.0.0:9']);
    expect(r.stderr).toMatch(/^unhealthy: 127\.0\.0\.1:9\/readyz: connect ECONNREFUSED/);
  });

  it('rejects a malformed address as a usage error', async () => {
    const r = await healthcheck(['--http', 'localhost:8053']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--http wants ADDR:PORT/);
  });
});
