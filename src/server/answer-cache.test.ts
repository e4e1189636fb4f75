// The answer cache: bodies encoded once after a stand-in question (the
// anchor), moved to any real question; UDP cuts at RRset boundaries, exact to
// the octet; TC only when something needed is left out. Found by the NSD
// differential test (test/differential-nsd.test.ts); checked here on its own.

import { readFileSync } from 'node:fs';
import { rawQuery } from '../../test/helpers/raw-query.js';
import { describe, expect, it } from 'vitest';
import { readMessage, type Message } from '../../test/helpers/message-reader.js';
import { Name } from '../dns/name.js';
import { canonicalRdata } from '../dns/canonical.js';
import { RRType } from '../dns/types.js';
import { buildZone } from '../zone/build.js';
import { parseZoneText } from '../zone/parser.js';
import { lookup } from '../zone/lookup.js';
import type { LookupResult } from '../zone/result.js';
import type { Zone } from '../zone/zone.js';
import { Acl, LOOPBACK } from './acl.js';
import { bodyWithin, templateFor } from './answer-cache.js';
import { ServerCounters } from './counters.js';
import { Responder } from './respond.js';
import { ZoneStore } from '../zone/store.js';

const SMALL = readFileSync(new URL('../../test/fixtures/signed/small.zone.signed', import.meta.url));
const zoneOf = (extra = ''): Zone => buildZone(parseZoneText(SMALL.toString('latin1') + extra, { file: 'small.zone.signed' }), { dnssec: 'keep' });

function responder(zone: Zone): Responder {
  const store = new ZoneStore();
  store.swap(zone);
  return new Responder({ store, counters: new ServerCounters(), allowQuery: new Acl(LOOPBACK) });
}

const query = rawQuery;

/** Records as comparable strings: owner key, type, canonical RDATA (names in RDATA take the question's case too). */
const text = (rrs: readonly { name: Name; type: number; rdata: Uint8Array }[]): string[] =>
  rrs.map((r) => `${r.name.key} ${r.type} ${Buffer.from(canonicalRdata(r.type, r.rdata)).toString('hex')}`).sort();
const withTtl = (rrs: readonly { name: Name; type: number; ttl: number; rdata: Uint8Array }[]): string[] =>
  rrs.map((r) => `${r.ttl} ${text([r])[0]!}`).sort();

describe('answers encoded once, moved to each question', () => {
  const zone = zoneOf();
  const r = responder(zone);

  it('names compress against the question: the many. referral is 810 octets, as computed in test/fixtures/README.md', () => {
    const out = r.answer(query('www.many.', RRType.A), 'tcp', '127.0.0.1') as Uint8Array;
    expect(out.length).toBe(810);
  });

  it('the same referral reads back right under questions of every depth and case', () => {
    const want = readMessage(r.answer(query('many.', RRType.A), 'tcp', '127.0.0.1') as Uint8Array);
    for (const q of ['www.many.', 'A.B.C.D.MaNy.', `${'x'.repeat(63)}.${'y'.repeat(63)}.${'z'.repeat(63)}.many.`]) {
      const out = r.answer(query(q, RRType.A), 'udp', '127.0.0.1') as Uint8Array;
      const got = readMessage(r.answer(query(q, RRType.A), 'tcp', '127.0.0.1') as Uint8Array);
      expect(got.questions[0]!.name.toString()).toBe(q);
      expect(text(got.authorities)).toEqual(text(want.authorities));
      expect(text(got.additionals)).toEqual(text(want.additionals));
      // Owners written as pointers into the question take its case (0x20 echo, as NSD does).
      expect(got.authorities[0]!.name.toString()).toBe(q.slice(q.length - 'many.'.length));
      expect(readMessage(out).header.tc).toBe(true);
    }
  });

  it('positive answers and NXDOMAIN read back right too', () => {
    for (const [q, t] of [['.', RRType.SOA], ['CoM.', RRType.DS], ['nope.', RRType.A], ['a.b.nope.', RRType.AAAA]] as const) {
      const m = readMessage(r.answer(query(q, t, { payload: 1232, dnssecOk: true }), 'udp', '127.0.0.1') as Uint8Array);
      expect(m.answers.length + m.authorities.length).toBeGreaterThan(0);
    }
  });
});

describe('cutting a UDP answer to size', () => {
  // test2. has one in-domain name server with two addresses, and a sibling one
  // that comes first in canonical NS order (shorter first label).
  const zone = zoneOf(`
test2.			172800	IN	NS	nsxx.test2.
test2.			172800	IN	NS	ns1.test.
nsxx.test2.		172800	IN	A	192.0.2.1
nsxx.test2.		172800	IN	A	192.0.2.2
`);
  const r = responder(zone);

  it('fills to the octet in whole RRsets, and sets TC only when in-domain glue is left out (RFC 9471)', () => {
    const t = templateFor(zone, Name.fromText('x.test2.'), RRType.A, false);
    const full = bodyWithin(t, 65535);
    expect([full.nscount, full.arcount, full.truncated]).toEqual([2, 3, false]);
    // In-domain glue first: nsxx.test2. (2 A), then the sibling ns1.test. (1 A).
    const owners = readMessage(r.answer(query('x.test2.', RRType.A), 'tcp', '127.0.0.1') as Uint8Array).additionals.map((a) => a.name.key);
    expect(owners).toEqual(['nsxx.test2.', 'nsxx.test2.', 'ns1.test.']);

    const budget = 12 + full.bytes.length; // everything fits exactly
    expect(bodyWithin(t, budget)).toBe(full);
    const noSibling = bodyWithin(t, budget - 1);
    expect([noSibling.arcount, noSibling.truncated]).toEqual([2, false]);
    // One octet short of both nsxx.test2. addresses: the RRset goes whole, and TC is set.
    const lastGlueEnd = noSibling.bytes.length;
    const cut = bodyWithin(t, 12 + lastGlueEnd - 1);
    expect([cut.nscount, cut.arcount, cut.truncated]).toEqual([2, 0, true]);
  });

  it('a positive answer drops the apex NS from AUTHORITY (optional) before it sets TC', () => {
    const t = templateFor(zone, Name.root, RRType.SOA, false);
    const full = bodyWithin(t, 65535);
    expect([full.ancount, full.nscount, full.arcount > 0]).toEqual([1, 13, true]);
    const answerOnly = t.ends[0]!;
    const b = bodyWithin(t, 12 + answerOnly);
    expect([b.ancount, b.nscount, b.arcount, b.truncated]).toEqual([1, 0, 0, false]);
    expect(bodyWithin(t, 12 + answerOnly - 1).truncated).toBe(true);
  });

  it('never exceeds 512 octets without EDNS, whatever the question length', () => {
    for (let n = 1; n <= 60; n += 7) {
      const out = r.answer(query(`${'a'.repeat(n)}.many.`, RRType.A), 'udp', '127.0.0.1') as Uint8Array;
      expect(out.length).toBeLessThanOrEqual(512);
      expect(out.length).toBeGreaterThan(512 - 28); // one more AAAA would not have fitted
      const m = readMessage(out);
      expect([m.header.tc, m.authorities.length]).toEqual([true, 13]);
    }
  });
});

describe('the cache hands every question the answer lookup() gives', () => {
  // Templates are filed by node and a small number, not by answerKey()'s
  // string: a wrong slot would hand one question another's answer.
  const ROOT = readFileSync(new URL('../../test/fixtures/root-zone/root.zone.2026082200', import.meta.url));
  // What lookup() decides, and what the responder sends over TCP (the whole body, read back).
  const decided = (r: LookupResult): string => JSON.stringify([r.rcode, r.aa, ...[r.answer, r.authority, r.additional].map(withTtl)]);
  const sent = (m: Message): string => JSON.stringify([m.rcode, m.header.aa, ...[m.answers, m.authorities, m.additionals].map(withTtl)]);
  for (const [label, build] of [
    ['small.zone.signed', (): Zone => zoneOf()],
    ['root zone', (): Zone => buildZone(parseZoneText(ROOT, {}), { dnssec: 'keep' })],
  ] as const) {
    it(label, () => {
      const zone = build();
      const r = responder(zone);
      let seed = 31337;
      const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), (seed >>> 8) % n);
      const owners = [...zone.nodes.values()].map((n) => n.name.toString());
      const types = [RRType.A, RRType.AAAA, RRType.NS, RRType.DS, RRType.SOA, RRType.ANY, RRType.DNSKEY, RRType.NSEC, RRType.RRSIG, RRType.TXT, RRType.CNAME];
      for (let i = 0; i < 6000; i++) {
        const base = owners[rnd(owners.length)]!;
        const k = rnd(3);
        const name = Name.fromText(k === 0 ? base : k === 1 ? `x${rnd(1000)}.${base === '.' ? '' : base}` : `nope${rnd(1000)}.`);
        const type = types[rnd(types.length)]!;
        const dnssecOk = rnd(2) === 0;
        const out = r.answer(query(name.toString(), type, dnssecOk ? { payload: 1232, dnssecOk } : undefined), 'tcp', '127.0.0.1') as Uint8Array;
        expect(sent(readMessage(out)), `${name.toString()} ${type} ${dnssecOk}`).toBe(decided(lookup(zone, name, type, { dnssecOk })));
      }
    });
  }
});

describe('answers over 16 KiB (TCP): pointers stay within reach after the move', () => {
  // big. has 1,000 in-domain name servers with glue: a 37 kB referral whose
  // names are recorded for compression up to 16 KiB into the message. Moved
  // under a long question, a pointer to a name recorded near 16 KiB would
  // point past what 14 bits can say.
  const records = Array.from({ length: 1000 }, (_, i) => `big.\t172800\tIN\tNS\tns${String(i).padStart(4, '0')}.big.\nns${String(i).padStart(4, '0')}.big.\t172800\tIN\tA\t192.0.2.${i % 250}\n`);
  const zone = zoneOf(records.join(''));
  const r = responder(zone);

  it('reads back the same records under questions of every length', () => {
    const want = readMessage(r.answer(query('big.', RRType.A), 'tcp', '127.0.0.1') as Uint8Array);
    expect(want.authorities.length).toBe(1000);
    expect(want.additionals.length).toBe(1000);
    for (let extra = 1; extra <= 250; extra += 7) {
      // Labels of up to 63 octets adding `extra` octets of question name in all.
      const labels: string[] = [];
      for (let left = extra; left > 0; ) {
        const n = Math.min(left - 1, 63);
        if (n < 1) break;
        labels.push('q'.repeat(n));
        left -= n + 1;
      }
      const q = [...labels, 'big.'].join('.');
      const got = readMessage(r.answer(query(q, RRType.A), 'tcp', '127.0.0.1') as Uint8Array);
      expect(text(got.authorities), q).toEqual(text(want.authorities));
      expect(text(got.additionals), q).toEqual(text(want.additionals));
    }
  });
});

describe('NODATA is one cached answer per node, whatever the qtype', () => {
  // A client walking all 65536 qtypes × DO at the apex must not grow the
  // cache by one template per qtype (it once grew RSS by ~158 MB).
  const zone = zoneOf();

  it('two qtypes the apex lacks share one template, with and without DO; types it has do not', () => {
    for (const d of [false, true]) {
      const a = templateFor(zone, Name.root, 1234, d);
      expect(templateFor(zone, Name.root, 4321, d)).toBe(a);
      expect(templateFor(zone, Name.fromText('COM.'), 1234, d)).not.toBe(a);
      expect(templateFor(zone, Name.root, RRType.SOA, d)).not.toBe(a);
      expect(templateFor(zone, Name.root, RRType.NS, d)).not.toBe(templateFor(zone, Name.root, RRType.SOA, d));
    }
  });
});
