// Transfers out (issue 15): IXFR (RFC 1995) from the journal of swaps, EDNS
// EXPIRE (RFC 7314), TSIG required with keys (RFC 8945), against the real
// server on loopback with crafted requests (and dig where it can say it).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { MessageWriter, Section } from '../src/dns/message-writer.js';
import { Name } from '../src/dns/name.js';
import { rdataToText } from '../src/dns/rdata.js';
import type { ResourceRecord } from '../src/dns/record.js';
import { TsigStreamVerifier, signRequest, verifyResponse } from '../src/dns/tsig.js';
import { TsigKeyring, algorithmByName, type TsigKey } from '../src/dns/tsig-keys.js';
import { locateTsig, tsigErrorName } from '../src/dns/tsig-record.js';
import { RRType, typeToString } from '../src/dns/types.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { buildZone } from '../src/zone/build.js';
import { parseZoneText } from '../src/zone/parser.js';
import { ZoneStore } from '../src/zone/store.js';
import type { Zone } from '../src/zone/zone.js';
import { tcpStream, udpExchange } from './helpers/dns-client.js';
import { readMessage, type Message } from './helpers/message-reader.js';
import { findProgram } from './helpers/processes.js';

const SMALL = readFileSync(new URL('./fixtures/signed/small.zone', import.meta.url), 'utf8');
const S1 = 2026110100;
/** Version n of the small zone: serial S1+n-1; v2 adds new., v3 drops test. and changes a TTL. */
function version(n: 1 | 2 | 3): Zone {
  let text = SMALL.replace(/ 2026110100 /, ` ${S1 + n - 1} `);
  if (n >= 2) text += 'new.\t172800\tIN\tNS\tns.example.\n';
  if (n >= 3) text = text.split('\n').filter((l) => !/^(ns\d\.)?test\.\s/.test(l)).join('\n').replace(/^(com\.\s+)172800/m, '$186400');
  return buildZone(parseZoneText(text, { file: `v${n}` }), { dnssec: 'keep' });
}

const T0 = Date.UTC(2026, 10, 2);
const clock = new ManualClock(T0);
const key = (name: string, fill: number): TsigKey => {
  const algorithm = algorithmByName('hmac-sha256')!;
  return { name: Name.fromText(name), algorithm, secret: new Uint8Array(32).fill(fill), line: 0 };
};
const K = key('fleet-key.', 7);

let store: ZoneStore;
let open: RunningServer;
let signed: RunningServer;
const v1 = version(1);
const v2 = version(2);
const v3 = version(3);

beforeAll(async () => {
  store = new ZoneStore();
  open = await startServer({ listen: ['127.0.32.1:0'], store, allowTransfer: ['127.0.0.0/8'], clock });
  signed = await startServer({ listen: ['127.0.32.2:0'], store, allowTransfer: ['127.0.0.0/8'], clock, tsigKeys: new TsigKeyring([K]) });
  store.setDeadline({ at: T0 + 3600_000, reason: 'test' });
  store.swap(v1);
  store.swap(v2);
  store.swap(v3);
});
afterAll(async () => {
  await open.close();
  await signed.close();
});

/** EDNS OPT, optionally with the empty EXPIRE option a secondary sends (RFC 7314 §2). */
function opt(expire: boolean): Uint8Array {
  const o = Uint8Array.of(0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, expire ? 4 : 0);
  return expire ? Uint8Array.from([...o, 0, 9, 0, 0]) : o;
}

function request(qtype: number, o: { serial?: number; expire?: boolean; edns?: boolean; id?: number } = {}): Uint8Array {
  const w = new MessageWriter();
  w.addQuestion(Name.root, qtype, 1);
  if (o.serial !== undefined) {
    const soa = { ...v1.soa, rdata: Uint8Array.from(v1.soa.rdata) };
    new DataView(soa.rdata.buffer).setUint32(soa.rdata.length - 20, o.serial);
    w.addRecord(soa, Section.authority);
  }
  if (o.edns === true || o.expire === true) w.addRawAdditional(opt(o.expire === true));
  return w.finish({ id: o.id ?? 77, flags: 0 });
}

const at = (s: RunningServer) => s.addresses[0]!;
const stream = async (s: RunningServer, m: Uint8Array): Promise<Message[]> => (await tcpStream(at(s).address, at(s).port, m)).map((b) => readMessage(b));
const records = (ms: readonly Message[]): ResourceRecord[] => ms.flatMap((m) => [...m.answers]);
const serialOf = (rr: ResourceRecord): number => new DataView(rr.rdata.buffer, rr.rdata.byteOffset).getUint32(rr.rdata.length - 20);
const text = (rr: ResourceRecord): string => `${rr.name.toString().toLowerCase()} ${rr.ttl} ${typeToString(rr.type)} ${rdataToText(rr.type, rr.rdata)}`;
const expireOf = (m: Message): number | undefined => {
  const o = m.edns?.options;
  if (o === undefined) return undefined;
  for (let i = 0; i + 4 <= o.length; i += 4 + ((o[i + 2]! << 8) | o[i + 3]!)) if (((o[i]! << 8) | o[i + 1]!) === 9) return new DataView(o.buffer, o.byteOffset + i + 4).getUint32(0);
  return undefined;
};

/** Apply an RFC 1995 answer to `base` (its records, SOA first and last excluded) as a secondary would. */
function applyIxfr(base: readonly ResourceRecord[], answer: readonly ResourceRecord[]): Set<string> {
  const held = new Set(base.map(text));
  expect(answer[0]!.type).toBe(RRType.SOA);
  let i = 1;
  while (i < answer.length - 1) {
    // old SOA, deletions, new SOA, additions (§4)
    held.delete(text(answer[i++]!));
    while (answer[i]!.type !== RRType.SOA) held.delete(text(answer[i++]!));
    held.add(text(answer[i++]!));
    while (i < answer.length - 1 && answer[i]!.type !== RRType.SOA) held.add(text(answer[i++]!));
  }
  return held;
}

describe('IXFR over TCP (RFC 1995 §4)', () => {
  it('from the serial before last: two steps, which applied to that version give the zone an AXFR gives', async () => {
    const ms = await stream(open, request(RRType.IXFR, { serial: S1 }));
    expect(ms.every((m) => m.header.rcode === 0 && m.header.aa)).toBe(true);
    const rrs = records(ms);
    expect(rrs.filter((r) => r.type === RRType.SOA).map(serialOf)).toEqual([S1 + 2, S1, S1 + 1, S1 + 1, S1 + 2, S1 + 2]);
    expect(rrs.length).toBeLessThan(v3.records.length / 4);
    const axfr = records(await stream(open, request(RRType.AXFR)));
    const v1Held = [...records(await stream(open, request(RRType.AXFR)))].slice(0, 0).concat(v1.records);
    expect([...applyIxfr(v1Held, rrs)].sort()).toEqual([...new Set(axfr.map(text))].sort());
    expect(open.counters.ixfrIncremental).toBeGreaterThanOrEqual(1);
  });

  it('from the previous serial: one step (old SOA, deleted, new SOA, added), the current SOA last', async () => {
    const rrs = records(await stream(open, request(RRType.IXFR, { serial: S1 + 1 })));
    expect(rrs.map(text)).toEqual([
      text(v3.soa),
      text(v2.soa),
      'com. 172800 NS a.gtld-servers.net.',
      'com. 172800 NS b.gtld-servers.net.',
      ...v2.records.filter((r) => /^(ns\d\.)?test\.$/i.test(r.name.toString())).map(text),
      text(v3.soa),
      'com. 86400 NS a.gtld-servers.net.',
      'com. 86400 NS b.gtld-servers.net.',
      text(v3.soa),
    ]);
  });

  it('a client at our serial gets the current SOA alone; one whose serial is not held gets the whole zone AXFR-style', async () => {
    const cur = records(await stream(open, request(RRType.IXFR, { serial: S1 + 2 })));
    expect(cur.map(text)).toEqual([text(v3.soa)]);
    const before = open.counters.ixfrFull;
    const full = records(await stream(open, request(RRType.IXFR, { serial: S1 - 5 })));
    expect(full.length).toBe(v3.records.length + 1);
    expect(full[0]!.type).toBe(RRType.SOA);
    expect(full[1]!.type).not.toBe(RRType.SOA);
    expect(open.counters.ixfrFull).toBe(before + 1);
    expect(open.counters.ixfrCurrent).toBeGreaterThanOrEqual(1);
  });

  it('the journal is bounded by --ixfr-versions (default 3) and --ixfr-versions 0 answers every IXFR in full', async () => {
    expect(open.journal.heldSerials).toEqual([S1, S1 + 1]);
    const s = new ZoneStore();
    const none = await startServer({ listen: ['127.0.32.3:0'], store: s, ixfrVersions: 0, clock });
    try {
      s.swap(v1);
      s.swap(v2);
      const rrs = records(await stream(none, request(RRType.IXFR, { serial: S1 })));
      expect(rrs.length).toBe(v2.records.length + 1);
      expect(none.counters.ixfrFull).toBe(1);
    } finally {
      await none.close();
    }
  });

  it('a well-formed IXFR is never FORMERR (it was NOTIMP/FORMERR before); one without the client SOA is', async () => {
    const ok = await stream(open, request(RRType.IXFR, { serial: S1 + 2, edns: true }));
    expect(ok[0]!.header.rcode).toBe(0);
    const bad = await stream(open, request(RRType.IXFR));
    expect(bad[0]!.header.rcode).toBe(1);
  });
});

describe('IXFR over UDP (RFC 1995 §2)', () => {
  it('the current SOA alone: the whole answer when current, "use TCP" when behind', async () => {
    for (const serial of [S1 + 2, S1]) {
      const m = readMessage(await udpExchange(at(open).address, at(open).port, request(RRType.IXFR, { serial })));
      expect(m.header.rcode).toBe(0);
      expect(m.header.tc).toBe(false);
      expect(m.answers.map(text)).toEqual([text(v3.soa)]);
    }
    expect(open.counters.ixfrUdpSoaOnly).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(findProgram('dig') === undefined)('dig +notcp ixfr=SERIAL shows the current SOA', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile('dig', [`@${at(open).address}`, '-p', String(at(open).port), '+notcp', '.', `IXFR=${S1}`], (e, stdout) => (e ? reject(e) : resolve(stdout))),
    );
    expect(out.split('\n').filter((l) => /\sSOA\s/.test(l) && !l.startsWith(';'))).toHaveLength(1);
    expect(out).toContain(` ${S1 + 2} `);
  });
});

describe('EDNS EXPIRE (RFC 7314)', () => {
  it('SOA, AXFR and IXFR carry the seconds left until the copy expires; it decreases; other types and askers without it get none', async () => {
    clock.set(T0);
    const soa = readMessage(await udpExchange(at(open).address, at(open).port, request(RRType.SOA, { expire: true })));
    expect(expireOf(soa)).toBe(3600);
    clock.set(T0 + 2500);
    const later = readMessage(await udpExchange(at(open).address, at(open).port, request(RRType.SOA, { expire: true })));
    expect(expireOf(later)).toBe(3597);
    expect(expireOf((await stream(open, request(RRType.AXFR, { expire: true })))[0]!)).toBe(3597);
    expect(expireOf((await stream(open, request(RRType.IXFR, { serial: S1, expire: true })))[0]!)).toBe(3597);
    expect(expireOf((await stream(open, request(RRType.IXFR, { serial: S1 + 2, expire: true })))[0]!)).toBe(3597);
    const ns = readMessage(await udpExchange(at(open).address, at(open).port, request(RRType.NS, { expire: true })));
    expect(ns.edns).toBeDefined();
    expect(expireOf(ns)).toBeUndefined();
    const plain = readMessage(await udpExchange(at(open).address, at(open).port, request(RRType.SOA, { edns: true })));
    expect(expireOf(plain)).toBeUndefined();
    clock.set(T0);
  });

  it.skipIf(findProgram('dig') === undefined)('dig +expire . SOA shows it', async () => {
    clock.set(T0 + 60_000);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('dig', [`@${at(open).address}`, '-p', String(at(open).port), '+expire', '+norec', '.', 'SOA'], (e, stdout) => (e ? reject(e) : resolve(stdout))),
    );
    clock.set(T0);
    expect(out).toMatch(/; EXPIRE: 3540 \(/);
  });
});

describe('TSIG on transfers out (RFC 8945), --tsig-key set', () => {
  const signedRequest = (qtype: number, k: TsigKey, o: { serial?: number; skewMs?: number } = {}) => {
    const c = new ManualClock(T0 + (o.skewMs ?? 0));
    return signRequest(request(qtype, o.serial === undefined ? {} : { serial: o.serial }), k, { clock: c });
  };

  it.each([
    ['AXFR', RRType.AXFR, undefined],
    ['IXFR', RRType.IXFR, S1],
  ] as const)('%s signed with the key: every message signed, the stream verifies (§5.3.1)', async (_n, qtype, serial) => {
    const req = signedRequest(qtype, K, serial === undefined ? {} : { serial });
    const raws = await tcpStream(at(signed).address, at(signed).port, req.message);
    const v = new TsigStreamVerifier(K, req.mac, { clock });
    for (const r of raws) {
      const l = locateTsig(r);
      expect(l.kind, JSON.stringify(l).slice(0, 200)).toBe('found');
      const s = v.add(r);
      expect(s.status, 'detail' in s ? s.detail : '').toBe('verified');
    }
    expect(v.finish().status).toBe('verified');
    expect(readMessage(raws[0]!).header.rcode).toBe(0);
  });

  it('unsigned: REFUSED; unknown key: NOTAUTH BADKEY; wrong secret: BADSIG; clock 10 min off: BADTIME (signed)', async () => {
    const before = signed.counters.transferRefusedTsig;
    const unsigned = readMessage((await tcpStream(at(signed).address, at(signed).port, request(RRType.AXFR)))[0]!);
    expect(unsigned.header.rcode).toBe(5);
    const cases: [TsigKey, number, string][] = [
      [key('other-key.', 7), 0, 'BADKEY'],
      [key('fleet-key.', 8), 0, 'BADSIG'],
      [K, 600_000, 'BADTIME'],
    ];
    for (const [k, skewMs, error] of cases) {
      const raws = await tcpStream(at(signed).address, at(signed).port, signedRequest(RRType.IXFR, k, { serial: S1, skewMs }).message);
      expect(raws).toHaveLength(1);
      expect(readMessage(raws[0]!).header.rcode).toBe(9);
      const t = locateTsig(raws[0]!);
      expect(t.kind).toBe('found');
      if (t.kind === 'found') {
        expect(tsigErrorName(t.record.error)).toBe(error);
        expect(t.record.mac.length > 0).toBe(error === 'BADTIME');
      }
    }
    expect(signed.counters.transferRefusedTsig).toBe(before + 4);
    // Queries are not transfers: answered as before, unsigned, no key needed.
    const soa = readMessage(await udpExchange(at(signed).address, at(signed).port, request(RRType.SOA)));
    expect(soa.answers.map(text)).toEqual([text(v3.soa)]);
  });

  it('a signed SOA query (BIND signs its refresh query with the primary\'s key) is answered signed; without keys: NOTAUTH BADKEY', async () => {
    const req = signedRequest(RRType.SOA, K);
    const raw = await udpExchange(at(signed).address, at(signed).port, req.message);
    expect(verifyResponse(raw, K, req.mac, { clock }).status).toBe('verified');
    expect(readMessage(raw).answers.map(text)).toEqual([text(v3.soa)]);
    const ixfr = signedRequest(RRType.IXFR, K, { serial: S1 });
    const soaOnly = await udpExchange(at(signed).address, at(signed).port, ixfr.message);
    expect(verifyResponse(soaOnly, K, ixfr.mac, { clock }).status).toBe('verified');
    const none = await udpExchange(at(open).address, at(open).port, req.message);
    expect(readMessage(none).header.rcode).toBe(9);
    const t = locateTsig(none);
    expect(t.kind === 'found' && tsigErrorName(t.record.error)).toBe('BADKEY');
  });

  it.skipIf(findProgram('dig') === undefined)('dig -y with the key transfers; with another secret it fails', async () => {
    const digAxfr = (secret: string) =>
      new Promise<string>((resolve) =>
        execFile('dig', [`@${at(signed).address}`, '-p', String(at(signed).port), '-y', `hmac-sha256:fleet-key.:${secret}`, '.', 'AXFR'], (_e, stdout) => resolve(stdout)),
      );
    clock.set(Date.now());
    try {
      const good = await digAxfr(Buffer.from(K.secret).toString('base64'));
      expect(good).toMatch(/XFR size: \d+ records/);
      expect(good).not.toMatch(/tsig verify failure|Transfer failed/i);
      const bad = await digAxfr(Buffer.alloc(32, 9).toString('base64'));
      expect(bad).toMatch(/Transfer failed|BADSIG|tsig/i);
    } finally {
      clock.set(T0);
    }
  });
});
