// `rootmirror demo` as a newcomer runs it: offline, unprivileged, every
// verification layer passing, answers on the printed address, Ctrl-C cleans up.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encodeQuery, tcpExchange, udpExchange } from './helpers/dns-client.js';

const BIN = fileURLToPath(new URL('../bin/rootmirror', import.meta.url));

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Start the demo; resolve with everything it printed once it says how to stop it. */
function startDemo(args: string[]): Promise<string> {
  child = spawn(process.execPath, [BIN, 'demo', ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const c = child;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ctrl-C stops everything')) resolve(out);
    });
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => reject(new Error(`demo exited ${code}:\n${out}\n${err}`)));
  });
}

describe('rootmirror demo', () => {
  it('verifies the signed sample with all three layers, answers, reports ready, and cleans up on Ctrl-C', async () => {
    const out = await startDemo(['--listen', '127.64.0.53:0', '--http', '127.64.0.53:0', '--roots', '127.64.1', '--log-level', 'warn']);
    expect(out).toMatch(/verified: pgp ok, zonemd ok, dnssec ok/);
    const [, host, port] = /mirror +([\d.]+):(\d+) UDP\+TCP/.exec(out)!;
    const ops = /ops +(http:\/\/[\d.:]+)\/status/.exec(out)![1]!;
    const dataDir = /data dir +(\S+)/.exec(out)![1]!;
    expect(existsSync(dataDir)).toBe(true);

    const referral = decode(await udpExchange(host!, Number(port), encodeQuery('www.com.', 'A')));
    expect(referral.rcode).toBe(0);
    expect(referral.flags.aa).toBe(false);
    expect(referral.authority.some((r) => /^com\. \d+ NS$/.test(r))).toBe(true);
    const nx = decode(await udpExchange(host!, Number(port), encodeQuery('no-such-tld.', 'A')));
    expect(nx.rcode).toBe(3);
    const [big] = await tcpExchange(host!, Number(port), [encodeQuery('www.many.', 'A')]);
    expect(decode(big!).authority.filter((r) => / NS$/.test(r))).toHaveLength(13);

    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    const status = (await (await fetch(`${ops}/status`)).json()) as { zone?: { serial?: number } };
    expect(JSON.stringify(status)).toContain('2026110100');

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child!.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);
});
