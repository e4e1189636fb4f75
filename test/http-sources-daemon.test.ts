// Issue 12 §2 against the daemon: a real `rootmirror serve` (dist/, spawned)
// with a held verified copy in its data dir, refreshing at once (the copy is
// old) from real local sources (bench/http-sources.mjs). UDP queries show the
// held serial while the bad sources are tried, then the new serial from the
// good one. The same rows, repeated in process: test/http-matrix.test.ts.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMINGS, MISBEHAVING, RawHttpServer } from '../bench/http-sources.mjs';
import { encodeQuery, udpExchange } from './helpers/dns-client.js';
import { assertBuilt, startRootmirror, type RootmirrorProcess } from './helpers/processes.js';
import { makeKey, sign, zoneText, type TestKey, seedDataDir } from './refresh-kit.js';

let key: TestKey;
let keyFile: string;
let srv: RawHttpServer;
let tmp: string;
const daemons: RootmirrorProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  key = await makeKey();
  srv = await new RawHttpServer().start();
  tmp = await mkdtemp(join(tmpdir(), 'rootmirror-http-daemon-'));
  keyFile = join(tmp, 'key.asc');
  await writeFile(keyFile, key.publicKey.armor());
}, 30_000);
afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await srv.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function copy(serial: number): Promise<{ body: Uint8Array; sig: Uint8Array }> {
  const body = zoneText(serial, { filler: 200 });
  return { body, sig: await sign(key, body) };
}

/** A data dir holding a verified copy of `serial`, confirmed a day ago (so the daemon refreshes at once). */
async function seededDataDir(name: string, serial: number): Promise<string> {
  const dir = join(tmp, name);
  const c = await copy(serial);
  const path = `/seed-${name}/root.zone`;
  srv.routes.set(path, FRAMINGS['close-with-length'](c.body));
  srv.routes.set(`${path}.sig`, FRAMINGS['close-with-length'](c.sig));
  await seedDataDir(dir, srv.base + path, key);
  return dir;
}

/** `fetchTimeout`: 1 s where a test waits for it to expire; more where only a busy host would hit it. */
async function serve(dataDir: string, sources: readonly string[], fetchTimeout = '1'): Promise<{ d: RootmirrorProcess; port: number }> {
  const args = ['serve', '--data-dir', dataDir, '--verify', 'pgp', '--pgp-key', keyFile, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0'];
  args.push('--monitor-interval', '0', '--on-expired', 'servfail', '--dnssec', 'keep', '--refresh-jitter', '0', '--fetch-timeout', fetchTimeout);
  for (const s of sources) args.push('--source', s);
  const d = await startRootmirror(args);
  daemons.push(d);
  return { d, port: Number(d.ready.listen[0]!.split(':').pop()) };
}

async function servedSerial(port: number): Promise<number | undefined> {
  const p = packet.decode(await udpExchange('127.0.0.1', port, encodeQuery('.', 'SOA')));
  const soa = p.answers?.find((a) => a.type === 'SOA') as { data: { serial: number } } | undefined;
  return soa?.data.serial;
}

/** Resolves with the daemon's JSON log line whose msg matches `re` (already written or to come). */
function logLine(d: RootmirrorProcess, re: RegExp, timeoutMs = 20_000): Promise<string> {
  const find = (): string | undefined =>
    d
      .log()
      .split('\n')
      .find((l) => re.test(l));
  return new Promise((resolve, reject) => {
    const found = find();
    if (found !== undefined) return resolve(found);
    const timer = setTimeout(() => {
      d.child.stderr!.off('data', onData);
      reject(new Error(`no log line matching ${re} within ${timeoutMs} ms; log:\n${d.log()}`));
    }, timeoutMs);
    const onData = (): void => {
      const f = find();
      if (f === undefined) return;
      clearTimeout(timer);
      d.child.stderr!.off('data', onData);
      resolve(f);
    };
    d.child.stderr!.on('data', onData);
  });
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('serve: every legal framing of the zone and its .sig gives the new serial', () => {
  it('http10-close, close-with-length, chunked, gzip-close, gz-file: one daemon each, held serial served until the new one', async () => {
    await Promise.all(
      Object.entries(FRAMINGS).map(async ([name, framing], i) => {
        const held = 2026020100 + i * 10;
        const dir = await seededDataDir(`framing-${name}`, held);
        const c = await copy(held + 1);
        const zonePath = name === 'gz-file' ? `/${name}/root.zone.gz` : `/${name}/root.zone`;
        srv.routes.set(zonePath, framing(c.body));
        srv.routes.set(`/${name}/root.zone.sig`, (name === 'gz-file' ? FRAMINGS['close-with-length'] : framing)(c.sig));
        // Five daemons at once: on a loaded 2-core host one download can take over a second.
        const { d, port } = await serve(dir, [srv.base + zonePath], '15');
        expect(d.ready.serial).toBe(held);
        await logLine(d, new RegExp(`refresh from ${escape(srv.base + zonePath)}: updated`));
        expect(await servedSerial(port)).toBe(held + 1);
      }),
    );
  }, 60_000);
});

describe('serve: every misbehaving source in turn, then a good one', () => {
  it('drip, dripping .sig, 304 to an unconditional GET, HTML pages, reset mid-body, redirect loop, redirect to ftp: one-line errors, the held serial served throughout, then the new serial', async () => {
    const held = 2026030100;
    const dir = await seededDataDir('misbehaving', held);
    const bad = await copy(held + 7);
    const good = await copy(held + 1);
    const p = (name: string): string => `/m-${name}/root.zone`;
    srv.routes.set(p('drip'), MISBEHAVING.drip(bad.body, 1000));
    srv.routes.set(p('sig-drip'), FRAMINGS.chunked(bad.body));
    srv.routes.set(`${p('sig-drip')}.sig`, MISBEHAVING.drip(bad.sig, 1000));
    srv.routes.set(p('not-modified'), MISBEHAVING.notModified());
    srv.routes.set(p('html'), MISBEHAVING.htmlPage());
    srv.routes.set(p('html-sniffed'), MISBEHAVING.htmlSniffed());
    srv.routes.set(p('reset'), MISBEHAVING.resetMidBody(zoneText(1, { filler: 5000 })));
    srv.routes.set(p('loop'), MISBEHAVING.redirect('/m-loop2/root.zone'));
    srv.routes.set('/m-loop2/root.zone', MISBEHAVING.redirect(p('loop')));
    srv.routes.set(p('ftp'), MISBEHAVING.redirect('ftp://127.0.0.1/root.zone'));
    srv.routes.set(p('good'), FRAMINGS.chunked(good.body));
    srv.routes.set(`${p('good')}.sig`, FRAMINGS['http10-close'](good.sig));
    const expected: Record<string, RegExp> = {
      drip: /did not finish within 1s \(--fetch-timeout\); trying the next source/,
      'sig-drip': /no signature from .*did not finish within 1s \(--fetch-timeout\).*; trying the next source/,
      'not-modified': /HTTP 304 Not Modified to a request without If-None-Match\/If-Modified-Since/,
      html: /got an HTML page \(Content-Type text\/html/,
      'html-sniffed': /got an HTML page \(the body starts like an HTML document\)/,
      reset: /short body: the connection ended early/,
      loop: /redirect loop back to/,
      ftp: /the ftp: scheme is not supported/,
    };
    const names = Object.keys(expected);
    const { d, port } = await serve(dir, [...names.map((n) => srv.base + p(n)), srv.base + p('good')]);
    expect(d.ready.serial).toBe(held);
    // The first source drips for a second: the held copy is answered meanwhile, and after each failure.
    expect(await servedSerial(port)).toBe(held);
    for (const name of names) {
      const line = await logLine(d, new RegExp(`refresh from ${escape(srv.base + p(name))} failed`));
      const msg = (JSON.parse(line) as { msg: string }).msg;
      expect(msg).toMatch(expected[name]!);
      expect(msg).not.toContain('\n');
      expect(await servedSerial(port)).toBe(held);
    }
    await logLine(d, new RegExp(`refresh from ${escape(srv.base + p('good'))}: updated`));
    expect(await servedSerial(port)).toBe(held + 1);
    expect(d.child.exitCode).toBeNull();
  }, 60_000);
});
