// NOTIFY in (RFC 1996 §3.7, §4.7) through the Responder, with crafted
// messages: who may send it, what it may ask, and TSIG (RFC 8945 §5.2) when
// keys are configured — good, missing, unknown key, bad MAC, time outside
// the fudge. Real senders (ldns-notify, kdig) are in test/freshness.test.ts.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Name } from '../dns/name.js';
import { signRequest, verifyResponse } from '../dns/tsig.js';
import { parseTsigKeys } from '../dns/tsig-keys.js';
import { locateTsig, tsigErrorName } from '../dns/tsig-record.js';
import { Opcode, Rcode } from '../dns/types.js';
import { MemoryLog } from '../log.js';
import { buildZone } from '../zone/build.js';
import { ZoneStore } from '../zone/store.js';
import { readMessage } from '../../test/helpers/message-reader.js';
import { tinyParse, zoneText } from '../../test/refresh-kit.js';
import { Acl } from './acl.js';
import { ServerCounters } from './counters.js';
import type { NotifyEvent, NotifyPolicy } from './notify-in.js';
import { notifyMessage } from './notify-out.js';
import { Responder } from './respond.js';

const N = 2026120400;
const zone = buildZone(tinyParse(zoneText(N)), { dnssec: 'keep' });
const T = Date.parse('2026-12-04T12:00:00Z');
const KEYS = parseTsigKeys('key "notify-key" { algorithm hmac-sha256; secret "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="; };\n', 'test');
const OTHER_SECRET = parseTsigKeys('key "notify-key" { algorithm hmac-sha256; secret "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI="; };\n', 'test');
const UNKNOWN = parseTsigKeys('key "stranger" { algorithm hmac-sha256; secret "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="; };\n', 'test');

function setup(policy: Partial<NotifyPolicy> = {}) {
  const seen: NotifyEvent[] = [];
  const counters = new ServerCounters();
  const clock = new ManualClock(T);
  const r = new Responder({
    store: new ZoneStore('servfail'),
    counters,
    allowQuery: new Acl(['127.0.0.0/8']),
    log: new MemoryLog(),
    notify: { from: new Acl(['127.0.0.2/32']), clock, onNotify: (e) => seen.push(e), ...policy },
  });
  const ask = (msg: Uint8Array, client = '127.0.0.2') => r.answer(msg, 'udp', client) as Uint8Array;
  return { seen, counters, clock, ask };
}

describe('NOTIFY in', () => {
  it('answers NOERROR, AA, opcode NOTIFY, the question echoed, and passes on the SOA serial hint (RFC 1996 §4.7)', () => {
    const { seen, counters, ask } = setup();
    const out = readMessage(ask(notifyMessage(0x1234, zone)));
    expect(out.header).toMatchObject({ id: 0x1234, qr: true, opcode: Opcode.NOTIFY, aa: true, rcode: Rcode.NOERROR, qdcount: 1, ancount: 0 });
    expect(out.questions[0]).toMatchObject({ type: 6, class: 1 });
    expect(out.questions[0]!.name.isRoot()).toBe(true);
    expect(seen).toEqual([{ serial: N, client: '127.0.0.2', key: undefined }]);
    expect(counters.notifyAccepted).toBe(1);
  });

  it('a NOTIFY without an SOA in the answer section is accepted with no serial hint', () => {
    const { seen, ask } = setup();
    const bare = notifyMessage(7, zone).slice(0, 12 + 5);
    bare[7] = 0; // ANCOUNT 0
    expect(readMessage(ask(bare)).header.rcode).toBe(Rcode.NOERROR);
    expect(seen[0]!.serial).toBeUndefined();
  });

  it('refuses senders outside --notify-from (REFUSED, nothing raised)', () => {
    const { seen, counters, ask } = setup();
    expect(readMessage(ask(notifyMessage(1, zone), '127.0.0.3')).header).toMatchObject({ rcode: Rcode.REFUSED, aa: false, opcode: Opcode.NOTIFY });
    expect(seen).toEqual([]);
    expect(counters.notifyRefused).toBe(1);
  });

  it('another zone is NOTAUTH; another type NOTIMP; QDCOUNT 0 FORMERR', () => {
    const { seen, ask } = setup();
    const other = new Uint8Array([...notifyMessage(2, zone).subarray(0, 12), ...Name.fromText('example.').wire, 0, 6, 0, 1]);
    other[7] = 0;
    expect(readMessage(ask(other)).header.rcode).toBe(Rcode.NOTAUTH);
    const typeA = notifyMessage(3, zone).slice(0, 17);
    typeA[7] = 0;
    typeA[14] = 1;
    expect(readMessage(ask(typeA)).header.rcode).toBe(Rcode.NOTIMP);
    const noQuestion = notifyMessage(4, zone).slice(0, 12);
    noQuestion[5] = 0;
    noQuestion[7] = 0;
    expect(readMessage(ask(noQuestion)).header.rcode).toBe(Rcode.FORMERR);
    expect(seen).toEqual([]);
  });

  it('without --notify-from a NOTIFY is NOTIMP, as any opcode but QUERY', () => {
    const r = new Responder({ store: new ZoneStore('servfail'), counters: new ServerCounters(), allowQuery: new Acl(['127.0.0.0/8']) });
    expect(readMessage(r.answer(notifyMessage(5, zone), 'udp', '127.0.0.2') as Uint8Array).header.rcode).toBe(Rcode.NOTIMP);
  });

  describe('with --tsig-key (RFC 8945 §5.2)', () => {
    const key = KEYS.keys()[0]!;

    it('good TSIG: accepted, the response signed with the same key (its MAC verifies)', () => {
      const { seen, clock, ask } = setup({ keys: KEYS });
      const signed = signRequest(notifyMessage(10, zone), key, { clock });
      const out = ask(signed.message);
      expect(readMessage(out).header).toMatchObject({ rcode: Rcode.NOERROR, aa: true });
      expect(verifyResponse(out, key, signed.mac, { clock }).status).toBe('verified');
      expect(seen).toEqual([{ serial: N, client: '127.0.0.2', key: 'notify-key.' }]);
    });

    it('missing TSIG: REFUSED, nothing raised', () => {
      const { seen, counters, ask } = setup({ keys: KEYS });
      expect(readMessage(ask(notifyMessage(11, zone))).header.rcode).toBe(Rcode.REFUSED);
      expect(seen).toEqual([]);
      expect(counters.notifyBadTsig).toBe(1);
    });

    const tsigError = (out: Uint8Array): string => {
      const found = locateTsig(out);
      return found.kind === 'found' ? tsigErrorName(found.record.error) : found.kind;
    };

    it('bad MAC (same key name, other secret): NOTAUTH with TSIG error BADSIG', () => {
      const { seen, clock, ask } = setup({ keys: KEYS });
      const out = ask(signRequest(notifyMessage(12, zone), OTHER_SECRET.keys()[0]!, { clock }).message);
      expect(readMessage(out).header.rcode).toBe(Rcode.NOTAUTH);
      expect(tsigError(out)).toBe('BADSIG');
      expect(seen).toEqual([]);
    });

    it('unknown key: NOTAUTH with BADKEY', () => {
      const { seen, clock, ask } = setup({ keys: KEYS });
      const out = ask(signRequest(notifyMessage(13, zone), UNKNOWN.keys()[0]!, { clock }).message);
      expect(tsigError(out)).toBe('BADKEY');
      expect(seen).toEqual([]);
    });

    it('signed 10 minutes ago (outside the 300 s fudge): NOTAUTH with BADTIME, signed, our time in Other Data', () => {
      const { seen, counters, ask } = setup({ keys: KEYS });
      const out = ask(signRequest(notifyMessage(14, zone), key, { clock: new ManualClock(T - 600_000) }).message);
      expect(readMessage(out).header.rcode).toBe(Rcode.NOTAUTH);
      expect(tsigError(out)).toBe('BADTIME');
      expect(seen).toEqual([]);
      expect(counters.notifyBadTsig).toBe(1);
    });
  });
});
