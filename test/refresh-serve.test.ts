// The daemon as a whole: the real listeners (src/server) answering from the
// store the mirror fills. SERVFAIL (--on-expired servfail) until the first
// verified download, answers from it after, and no query lost or answered
// from a half-swapped zone while a new serial is swapped in under load.

import dgram from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_RECORDS } from '../src/refresh/config.js';
import { startMirror, type Mirror } from '../src/refresh/mirror.js';
import { MemoryLog } from '../src/log.js';
import type { Ticker } from '../src/refresh/scheduler.js';
import { createZonePipeline } from '../src/refresh/zone-pipeline.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { ZoneStore } from '../src/zone/store.js';
import { FixtureServer, makeKey, pgpVerifiers, sign, type TestKey } from './refresh-kit.js';

const FIXTURE = resolve('test/fixtures/signed/root.zone.signed');
let key: TestKey;
let zone: Uint8Array;
let srv: FixtureServer;
let dir: string;
let server: RunningServer | undefined;
let mirror: Mirror | undefined;
let sock: dgram.Socket;

beforeAll(async () => {
  key = await makeKey();
  zone = new Uint8Array(await readFile(FIXTURE));
  srv = await new FixtureServer().start();
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-serve-'));
  sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
}, 30_000);
afterAll(async () => {
  mirror?.stop();
  await server?.close();
  sock.close();
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

let nextId = 1;
const pending = new Map<number, (p: dnsPacket.Packet) => void>();
function query(port: number, name: string, type: dnsPacket.RecordType): Promise<dnsPacket.Packet> {
  if (pending.size === 0) {
    sock.removeAllListeners('message');
    sock.on('message', (m) => {
      const p = dnsPacket.decode(m);
      pending.get(p.id!)?.(p);
      pending.delete(p.id!);
    });
  }
  const id = nextId++ & 0xffff;
  const msg = dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ name, type, class: 'IN' }] });
  return new Promise((resolvePacket, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`no answer to ${name} ${type} (id ${id}) within 2 s`));
    }, 2000);
    pending.set(id, (p) => {
      clearTimeout(timer);
      resolvePacket(p);
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

const soaSerial = (p: dnsPacket.Packet): number | undefined => {
  const soa = p.answers?.find((a) => a.type === 'SOA') as dnsPacket.Answer & { data: { serial: number } };
  return soa?.data.serial;
};

function bumped(serial: number): Uint8Array {
  const text = Buffer.from(zone).toString('latin1');
  return new Uint8Array(Buffer.from(text.replace('nstld.verisign-grs.com. 2026082200 ', `nstld.verisign-grs.com. ${serial} `), 'latin1'));
}

describe('serve (daemon mode) answers from the mirrored copy', () => {
  it('SERVFAIL before the first verified copy, answers after, no lost query across swaps', async () => {
    srv.file('/root.zone', zone);
    srv.file('/root.zone.sig', await sign(key, zone));
    const store = new ZoneStore('servfail');
    server = await startServer({ listen: ['127.0.0.1:0'], store });
    const port = server.addresses[0]!.port;

    const before = await query(port, '.', 'SOA');
    expect(before.rcode).toBe('SERVFAIL');

    const clock = new ManualClock(Date.parse('2026-11-01T00:00:00Z'));
    const ticker: Ticker = { start: () => undefined, stop: () => undefined };
    mirror = await startMirror({
      config: { dataDir: dir, sources: [`${srv.base}/root.zone`], pgpKeys: ['test'], trustAnchors: [], layers: ['pgp'], onExpired: 'servfail', refreshMs: 1800_000, retryMs: 900_000, jitterMs: 0, maxBytes: 16 << 20, fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS, maxRecords: DEFAULT_MAX_RECORDS },
      store,
      dnssec: 'strip',
      pipeline: createZonePipeline({ layers: ['pgp'], dnssec: 'strip', verifiers: pgpVerifiers([key]) }),
      clock,
      ticker,
      log: new MemoryLog(),
    });
    expect((await mirror.firstTick)?.outcome).toBe('updated');
    const soa = await query(port, '.', 'SOA');
    expect(soa.rcode).toBe('NOERROR');
    expect(soaSerial(soa)).toBe(2026082200);
    const com = await query(port, 'com.', 'NS');
    expect(com.rcode).toBe('NOERROR');
    expect(com.authorities?.some((a) => a.type === 'NS' && a.name === 'com')).toBe(true);

    // Swap in new serials while queries stream; every answer is NOERROR from one whole zone.
    const serials = new Set<number>();
    let stop = false;
    let answered = 0;
    const load = (async () => {
      while (!stop) {
        const batch = await Promise.all(Array.from({ length: 20 }, () => query(port, '.', 'SOA')));
        for (const p of batch) {
          expect(p.rcode).toBe('NOERROR');
          serials.add(soaSerial(p)!);
          answered++;
        }
      }
    })();
    for (const serial of [2026082201, 2026082202, 2026082203]) {
      const b = bumped(serial);
      srv.file('/root.zone', b);
      srv.file('/root.zone.sig', await sign(key, b));
      const ev = await mirror.refresher.refresh();
      expect(ev.outcome).toBe('updated');
      expect(store.zone?.serial).toBe(serial);
    }
    stop = true;
    await load;
    expect(answered).toBeGreaterThan(0);
    for (const s of serials) expect([2026082200, 2026082201, 2026082202, 2026082203]).toContain(s);
    expect(soaSerial(await query(port, '.', 'SOA'))).toBe(2026082203);
    process.stderr.write(`serve: ${answered} SOA queries during 3 swaps, all NOERROR, serials seen: ${[...serials].sort().join(' ')}\n`);
  }, 120_000);
});
