// One definition of "ready" (a verified, unexpired zone being served), read the
// same way by the `ready` log line, /readyz, /status, rootmirror_ready,
// `rootmirror healthcheck` and the drift monitor — here for `serve --zone-file`
// with a zone whose RRSIGs have expired (strip and keep mode), against the same
// zone signed until the future.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Name } from '../src/dns/name.js';
import { parseZoneText } from '../src/zone/parser.js';
import { generateTestKey, signZone, zoneText } from './helpers/dnssec-signer.js';
import { BIN, assertBuilt, startRootmirror, type RootmirrorProcess } from './helpers/processes.js';

const ZONE = [
  '. 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 2026010100 1800 900 604800 86400',
  '. 518400 IN NS a.root-servers.net.',
  'a.root-servers.net. 518400 IN A 198.41.0.4',
  'test. 172800 IN NS ns.test.',
  'ns.test. 172800 IN A 192.0.2.1',
].join('\n');
const EXPIRED_AT = new Date('2026-02-01T00:00:00Z');

let dir: string;
let expired: string;
let current: string;
let daemon: RootmirrorProcess | undefined;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'rootmirror-ready-'));
  const origin = Name.fromText('.');
  const ksk = generateTestKey(13, 257);
  const zsk = generateTestKey(13, 256);
  const sign = (expiration: Date) => zoneText(signZone(parseZoneText(ZONE, { origin }), origin, ksk, zsk, { inception: new Date('2026-01-01T00:00:00Z'), expiration, zonemd: true }));
  expired = join(dir, 'expired.zone');
  current = join(dir, 'current.zone');
  writeFileSync(expired, sign(EXPIRED_AT));
  writeFileSync(current, sign(new Date(Date.now() + 30 * 86400_000)));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = async (http: string, path: string) => {
  const r = await fetch(`http://${http}${path}`);
  return { status: r.status, text: await r.text() };
};
const healthcheck = (http: string) => spawnSync(process.execPath, [BIN, 'healthcheck', '--http', http], { encoding: 'utf8' });

describe('serve --zone-file: ready means verified and unexpired, everywhere', () => {
  it.each(['strip', 'keep'])('signatures expired (--dnssec %s): the ready line, /readyz, /status, the metric and healthcheck all say not ready, and why', async (dnssec) => {
    daemon = await startRootmirror(['serve', '--zone-file', expired, '--dnssec', dnssec, '--listen', '127.0.42.1:0', '--http', '127.0.42.1:0', '--monitor-interval', '0']);
    const ready = daemon.ready as unknown as { ready: boolean; reason: string; serial: number; http: string };
    const why = /serial 2026010100 is served but has expired: the RRSIGs over the apex SOA\/ZONEMD expired at 2026-02-01T00:00:00\.000Z/;
    expect(ready.serial).toBe(2026010100);
    expect(ready.ready).toBe(false);
    expect(ready.reason).toMatch(why);
    const readyz = await get(ready.http, '/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.text).toMatch(why);
    const status = JSON.parse((await get(ready.http, '/status')).text);
    expect(status).toMatchObject({ ready: false, serial: 2026010100, expiresAt: '2026-02-01T00:00:00.000Z' });
    expect(status.reason).toMatch(why);
    expect((await get(ready.http, '/metrics')).text).toContain('rootmirror_ready 0\n');
    const h = healthcheck(ready.http);
    expect(h.status).toBe(1);
    expect(h.stderr).toMatch(why);
  });

  it('signatures valid: ready everywhere', async () => {
    daemon = await startRootmirror(['serve', '--zone-file', current, '--listen', '127.0.42.2:0', '--http', '127.0.42.2:0', '--monitor-interval', '0']);
    const ready = daemon.ready as unknown as { ready: boolean; reason: string; http: string };
    expect(ready).toMatchObject({ ready: true, reason: 'serving serial 2026010100' });
    expect((await get(ready.http, '/readyz')).status).toBe(200);
    expect(JSON.parse((await get(ready.http, '/status')).text)).toMatchObject({ ready: true, reason: 'serving serial 2026010100' });
    expect((await get(ready.http, '/metrics')).text).toContain('rootmirror_ready 1\n');
    expect(healthcheck(ready.http).status).toBe(0);
  });
});
