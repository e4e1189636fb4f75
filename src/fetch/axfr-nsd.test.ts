// Cross-check: our AXFR client against NSD serving the signed root-sized
// fixture on loopback; record and per-type counts must match ldns-read-zone's.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeToString } from '../dns/types.js';
import { parseZoneText } from '../zone/parser.js';
import { axfr, querySoaSerial } from './axfr.js';
import { writeZoneText } from './zone-text.js';
import { nsdServerConf } from '../../test/helpers/nsd.js';

const NSD = '/usr/sbin/nsd';
const FIXTURE = resolve('test/fixtures/signed/root.zone.signed');
const have = existsSync(NSD) && existsSync(FIXTURE) && existsSync('/usr/bin/ldns-read-zone');

let dir: string;
let port: number;
let nsd: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function waitListening(p: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect({ host: '127.0.0.1', port: p });
      c.once('connect', () => {
        c.destroy();
        r(true);
      });
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('nsd did not start listening');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  if (!have) return;
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-nsd-'));
  await copyFile(FIXTURE, join(dir, 'root.zone'));
  port = await freePort();
  await writeFile(
    join(dir, 'nsd.conf'),
    `${nsdServerConf(dir, port)}zone:
  name: "."
  zonefile: "root.zone"
  provide-xfr: 127.0.0.0/8 NOKEY
`,
  );
  nsd = spawn(NSD, ['-d', '-c', join(dir, 'nsd.conf')], { stdio: 'ignore' });
  await waitListening(port, Date.now() + 15_000);
}, 30_000);

afterAll(async () => {
  if (nsd !== undefined && nsd.exitCode === null && nsd.signalCode === null) {
    // Wait for NSD to finish writing its state files before removing its dir.
    const exited = new Promise((r) => nsd!.once('exit', r));
    nsd.kill('SIGTERM');
    const timer = setTimeout(() => nsd!.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}, 15_000);

describe.skipIf(!have)('axfr against NSD', () => {
  it('transfers the signed root-sized fixture; counts match ldns-read-zone', async () => {
    const t0 = performance.now();
    const r = await axfr({ host: '127.0.0.1', port });
    const ms = performance.now() - t0;
    const ldns = execFileSync('ldns-read-zone', [FIXTURE], { maxBuffer: 64 << 20 })
      .toString()
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith(';'));
    const want = new Map<string, number>();
    for (const l of ldns) {
      const t = l.split(/\s+/)[3]!;
      want.set(t, (want.get(t) ?? 0) + 1);
    }
    const got = new Map<string, number>();
    for (const rr of r.records) got.set(typeToString(rr.type), (got.get(typeToString(rr.type)) ?? 0) + 1);
    expect(r.records.length).toBe(ldns.length);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    const soaLine = ldns.find((l) => l.split(/\s+/)[3] === 'SOA')!;
    expect(r.serial).toBe(Number(soaLine.split(/\s+/)[6]));
    expect(r.messages).toBeGreaterThan(1);
    expect(await querySoaSerial({ host: '127.0.0.1', port })).toBe(r.serial);
    process.stderr.write(`axfr from nsd: ${r.records.length} records, ${r.messages} messages, ${r.bytes} bytes in ${ms.toFixed(0)} ms\n`);
  }, 30_000);
});

describe.skipIf(!have)('axfr → master file → parser', () => {
  it('the written file parses back to exactly the records NSD sent', async () => {
    const r = await axfr({ host: '127.0.0.1', port });
    const file = await writeZoneText(r.records, dir);
    const back = parseZoneText(await readFile(file.path));
    expect(back.length).toBe(r.records.length);
    for (let i = 0; i < back.length; i++) {
      const a = back[i]!;
      const b = r.records[i]!;
      expect(a.name.key).toBe(b.name.key);
      expect([a.type, a.class, a.ttl]).toEqual([b.type, b.class, b.ttl]);
      expect(Buffer.from(a.rdata).equals(Buffer.from(b.rdata))).toBe(true);
    }
    // And the same records as the fixture file itself.
    const fixture = parseZoneText(await readFile(FIXTURE));
    const key = (x: { name: { key: string }; type: number; ttl: number; rdata: Uint8Array }): string => `${x.name.key} ${x.type} ${x.ttl} ${Buffer.from(x.rdata).toString('hex')}`;
    expect(new Set(back.map(key))).toEqual(new Set(fixture.map(key)));
  }, 30_000);
});
