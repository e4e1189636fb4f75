import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { decodeRrsig } from '../dns/rdata/dnssec-records.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import { parseZoneFile, parseZoneText } from '../zone/parser.js';
import {
  dnskeyRecord,
  dsText,
  generateTestKey,
  keyFromBindPrivate,
  signRRset,
  signZone,
  withFlags,
  zoneText,
  type TestKey,
} from '../../test/helpers/dnssec-signer.js';
import { importDnskey } from './dnssec-algorithms.js';
import { verifyDnssec } from './dnssec.js';
import { loadTrustAnchors, parseTrustAnchors, type TrustAnchors } from './trust-anchors.js';

const FIX = 'test/fixtures';
const ROOT_2026 = `${FIX}/root-zone-full/root.zone.2026073102.gz`;
const ROOT_2019 = `${FIX}/internic-signed/2019101300.root.zone.gz`;
const SIGNED_ROOT = `${FIX}/signed/root.zone.signed`;
const SIGNED_SMALL = `${FIX}/signed/small.zone.signed`;
const root = Name.root;
const at = (s: string): Date => new Date(s);
const IN_WINDOW_2026 = at('2026-08-01T00:00:00Z');
const TODAY = at('2026-11-29T00:00:00Z');

let real2026: ResourceRecord[];
let signedRoot: ResourceRecord[];
let small: ResourceRecord[];
let xmlAnchors: TrustAnchors;
let dsAnchors: TrustAnchors;
let keyAnchors: TrustAnchors;
let testDs: TrustAnchors;
let testKey: TrustAnchors;

beforeAll(async () => {
  [real2026, signedRoot, small] = await Promise.all([
    parseZoneFile(ROOT_2026, { origin: root }),
    parseZoneFile(SIGNED_ROOT, { origin: root }),
    parseZoneFile(SIGNED_SMALL, { origin: root }),
  ]);
  xmlAnchors = await loadTrustAnchors(['keys/root-anchors.xml'], { at: TODAY });
  dsAnchors = await loadTrustAnchors(['keys/root.ds']);
  keyAnchors = await loadTrustAnchors(['keys/root.key']);
  testDs = await loadTrustAnchors([`${FIX}/signed/trust-anchor.ds`]);
  testKey = await loadTrustAnchors([`${FIX}/signed/trust-anchor.key`]);
}, 60_000);

const isSig = (covered: number) => (r: ResourceRecord): boolean => r.type === RRType.RRSIG && r.name.isRoot() && decodeRrsig(r.rdata).typeCovered === covered;

describe('the real 2026 root zone (KSK 20326, ZSK 57780)', () => {
  it('passes with root-anchors.xml, root.ds and root.key inside its signature window', async () => {
    for (const anchors of [xmlAnchors, dsAnchors, keyAnchors]) {
      const v = await verifyDnssec(real2026, root, anchors, IN_WINDOW_2026);
      expect(v.ok, v.detail).toBe(true);
      expect(v.weak).toBeUndefined();
      expect(v.anchoredBy).toEqual([20326]);
      expect(v.signaturesValidUntil).toBe(Date.parse('2026-08-13T20:00:00Z'));
    }
    expect((await verifyDnssec(real2026, root, dsAnchors, IN_WINDOW_2026)).detail).toBe(
      'DNSKEY set signed by KSK 20326 (trust anchor DS), SOA and ZONEMD signed by ZSK 57780; signatures valid until 2026-08-13T20:00:00Z',
    );
    expect((await verifyDnssec(real2026, root, keyAnchors, IN_WINDOW_2026)).detail).toContain('KSK 20326 (trust anchor DNSKEY)');
  });

  it('fails once the signatures have expired, saying when', async () => {
    const v = await verifyDnssec(real2026, root, xmlAnchors, TODAY);
    expect(v.ok).toBe(false);
    expect(v.detail).toBe('DNSKEY RRset at .: signature by KSK 20326 expired 2026-08-21T00:00:00Z (checked at 2026-11-29T00:00:00Z)');
    // The SOA signature ends first; with only the DNSKEY signature still good it is the SOA that fails.
    const v2 = await verifyDnssec(real2026, root, xmlAnchors, at('2026-08-15T00:00:00Z'));
    expect(v2.detail).toBe('SOA RRset: signature by ZSK 57780 expired 2026-08-13T20:00:00Z (checked at 2026-08-15T00:00:00Z)');
  });

  it('required checks take a few ms (keys cached)', async () => {
    await verifyDnssec(real2026, root, xmlAnchors, IN_WINDOW_2026);
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) ms.push((await verifyDnssec(real2026, root, xmlAnchors, IN_WINDOW_2026)).ms);
    const best = Math.min(...ms);
    console.log(`required DNSSEC checks on the full root: best of 5 ${best.toFixed(2)} ms (${ms.map((m) => m.toFixed(1)).join(', ')})`);
    expect(best).toBeLessThan(25);
  });

  it('every one of its 2792 RRSIGs verifies', async () => {
    const v = await verifyDnssec(real2026, root, xmlAnchors, IN_WINDOW_2026, { allSignatures: true });
    expect(v.ok, v.detail).toBe(true);
    const a = v.allSignatures!;
    console.log(`all signatures of the 2026 root: ${a.verified}/${a.count} verified in ${a.ms.toFixed(0)} ms`);
    expect(a).toMatchObject({ count: 2792, verified: 2792, failed: 0, unusable: 0, failures: [] });
    expect(v.detail).toMatch(/; all 2792 RRSIGs verified in \d+ ms$/);
  });
});

describe('the real 2019 InterNIC root zone (no ZONEMD)', () => {
  it('verifies at 2019-10-13T05:00Z with the anchors valid then, every RRSIG included', async () => {
    const records = await parseZoneFile(ROOT_2019, { origin: root });
    const when = at('2019-10-13T05:00:00Z');
    const anchors2019 = await loadTrustAnchors(['keys/root-anchors.xml'], { at: when });
    expect(anchors2019.ds.map((d) => d.keyTag)).toEqual([20326]);
    for (const anchors of [anchors2019, xmlAnchors, dsAnchors]) {
      const v = await verifyDnssec(records, root, anchors, when);
      expect(v.ok, v.detail).toBe(true);
      expect(v.detail).toMatch(/^DNSKEY set signed by KSK 20326 \(trust anchor DS\), SOA signed by ZSK \d+ \(ZONEMD absent\); signatures valid until 2019-/);
    }
    const all = await verifyDnssec(records, root, anchors2019, when, { allSignatures: true });
    expect(all.ok, all.detail).toBe(true);
    expect(all.allSignatures).toMatchObject({ count: 2919, verified: 2919, failed: 0 });
    console.log(`all signatures of the 2019 root: ${all.allSignatures!.verified} in ${all.allSignatures!.ms.toFixed(0)} ms`);
  }, 60_000);
});

describe('throw-away signed fixtures (KSK 4667, ZSK 8784)', () => {
  const cases = [
    ['root.zone.signed', () => signedRoot],
    ['small.zone.signed', () => small],
  ] as const;

  it.each(cases)('%s passes with trust-anchor.ds and trust-anchor.key', async (_name, records) => {
    const v = await verifyDnssec(records(), root, testDs, TODAY);
    expect(v.ok, v.detail).toBe(true);
    expect(v.detail).toBe('DNSKEY set signed by KSK 4667 (trust anchor DS), SOA and ZONEMD signed by ZSK 8784; signatures valid until 2036-01-01T00:00:00Z');
    const k = await verifyDnssec(records(), root, testKey, TODAY);
    expect(k.ok, k.detail).toBe(true);
    expect(k.detail).toContain('KSK 4667 (trust anchor DNSKEY)');
  });

  it.each(cases)('%s fails with the real root anchors', async (_name, records) => {
    for (const anchors of [xmlAnchors, dsAnchors, keyAnchors]) {
      const v = await verifyDnssec(records(), root, anchors, TODAY);
      expect(v.ok).toBe(false);
      expect(v.detail).toMatch(/^no DNSKEY matches the trust anchors \(anchors: (DS|DNSKEY) 20326\/8, (DS|DNSKEY) 38696\/8; zone DNSKEYs: (8784\/8, 4667\/8 KSK|4667\/8 KSK, 8784\/8)\)$/);
    }
  });

  it.each(cases)('%s fails after its window (2037) and before it (2025)', async (_name, records) => {
    const late = await verifyDnssec(records(), root, testDs, at('2037-01-01T00:00:00Z'));
    expect(late.ok).toBe(false);
    expect(late.detail).toBe('DNSKEY RRset at .: signature by KSK 4667 expired 2036-01-01T00:00:00Z (checked at 2037-01-01T00:00:00Z)');
    const early = await verifyDnssec(records(), root, testDs, at('2025-06-01T00:00:00Z'));
    expect(early.ok).toBe(false);
    expect(early.detail).toBe('DNSKEY RRset at .: signature by KSK 4667 not valid before 2026-01-01T00:00:00Z (checked at 2025-06-01T00:00:00Z)');
  });

  it('root.zone.signed: all 2793 RRSIGs verify', async () => {
    const v = await verifyDnssec(signedRoot, root, testDs, TODAY, { allSignatures: true });
    expect(v.ok, v.detail).toBe(true);
    expect(v.allSignatures).toMatchObject({ count: 2793, verified: 2793, failed: 0 });
  });
});

describe('crafted failures (small.zone.signed changed in memory)', () => {
  const KSK_PRIVATE = `${FIX}/signed/K.+008+04667.private`;
  const ZSK_PRIVATE = `${FIX}/signed/K.+008+08784.private`;
  let ksk: TestKey;
  let zsk: TestKey;
  const window = { inception: at('2026-01-01T00:00:00Z'), expiration: at('2036-01-01T00:00:00Z'), signer: root };
  beforeAll(() => {
    ksk = keyFromBindPrivate(readFileSync(KSK_PRIVATE, 'latin1'), 257);
    zsk = keyFromBindPrivate(readFileSync(ZSK_PRIVATE, 'latin1'), 256);
  });
  const mapRdata = (records: ResourceRecord[], pick: (r: ResourceRecord) => boolean, f: (rd: Uint8Array) => void): ResourceRecord[] =>
    records.map((r) => {
      if (!pick(r)) return r;
      const rdata = Uint8Array.from(r.rdata);
      f(rdata);
      return { ...r, rdata };
    });
  const check = async (records: readonly ResourceRecord[], anchors = testDs, opts = {}) => verifyDnssec(records, root, anchors, TODAY, opts);

  it('the fixture keys are the ones in the zone', () => {
    expect([ksk.tag, zsk.tag]).toEqual([4667, 8784]);
  });

  it('one flipped byte in the SOA RRSIG signature: bad signature', async () => {
    const v = await check(mapRdata(small, isSig(RRType.SOA), (rd) => (rd[rd.length - 1] ^= 1)));
    expect(v.ok).toBe(false);
    expect(v.detail).toBe('SOA RRset: bad signature by ZSK 8784');
  });

  it('SOA changed after signing: bad signature', async () => {
    const v = await check(mapRdata(small, (r) => r.type === RRType.SOA, (rd) => (rd[rd.length - 17] ^= 1)));
    expect(v.detail).toBe('SOA RRset: bad signature by ZSK 8784');
  });

  it('ZONEMD changed after signing: bad signature; DNSKEY changed: bad signature by the KSK', async () => {
    expect((await check(mapRdata(small, (r) => r.type === RRType.ZONEMD, (rd) => (rd[10] ^= 1)))).detail).toBe('ZONEMD RRset: bad signature by ZSK 8784');
    // Changing a key that is not the anchored one leaves the anchor matching but breaks the RRset's signature.
    const v = await check(mapRdata(small, (r) => r.type === RRType.DNSKEY && r.rdata[1] === 0, (rd) => (rd[rd.length - 1] ^= 1)));
    expect(v.detail).toBe('DNSKEY RRset at .: bad signature by KSK 4667');
  });

  it('ZONEMD RRSIG removed: the ZONEMD RRset is unsigned', async () => {
    const v = await check(small.filter((r) => !isSig(RRType.ZONEMD)(r)));
    expect(v.detail).toBe('ZONEMD RRset is unsigned (no RRSIG covers it)');
  });

  it('SOA RRSIG removed: the SOA RRset is unsigned; ZONEMD removed altogether: passes, says absent', async () => {
    expect((await check(small.filter((r) => !isSig(RRType.SOA)(r)))).detail).toBe('SOA RRset is unsigned (no RRSIG covers it)');
    const v = await check(small.filter((r) => r.type !== RRType.ZONEMD && !isSig(RRType.ZONEMD)(r)));
    expect(v.ok, v.detail).toBe(true);
    expect(v.detail).toBe('DNSKEY set signed by KSK 4667 (trust anchor DS), SOA signed by ZSK 8784 (ZONEMD absent); signatures valid until 2036-01-01T00:00:00Z');
  });

  it('DNSKEY RRset signed by the ZSK only: not anchored', async () => {
    const dnskeys = small.filter((r) => r.type === RRType.DNSKEY);
    const records = [...small.filter((r) => !isSig(RRType.DNSKEY)(r)), signRRset(dnskeys, zsk, window)];
    // The ZSK's signature itself is good: the chain is what is missing.
    const v = await check(records);
    expect(v.ok).toBe(false);
    expect(v.detail).toBe('DNSKEY RRset is not signed by an anchored key (anchored: KSK 4667; RRSIGs over DNSKEY by: 8784)');
  });

  it('DNSKEY RRset re-signed by the KSK in the test: passes (the test signer agrees with ldns-signzone)', async () => {
    const dnskeys = small.filter((r) => r.type === RRType.DNSKEY);
    const records = [...small.filter((r) => !isSig(RRType.DNSKEY)(r)), signRRset(dnskeys, ksk, window)];
    expect((await check(records)).ok).toBe(true);
  });

  it('REVOKE bit set on the KSK (and the set re-signed by it): not usable as an anchor', async () => {
    const revoked = withFlags(ksk, 257 | 0x80);
    expect(revoked.tag).toBe(4667 + 128); // RFC 5011 §2.1: the tag moves with the flags
    const dnskeys = small.filter((r) => r.type === RRType.DNSKEY && r.rdata[1] === 0).concat(dnskeyRecord(root, revoked, 172800));
    const records = [...small.filter((r) => r.type !== RRType.DNSKEY && !isSig(RRType.DNSKEY)(r)), ...dnskeys, signRRset(dnskeys, revoked, window)];
    const v = await check(records);
    expect(v.ok).toBe(false);
    expect(v.detail).toBe('the DNSKEY matching trust anchor 4667 has the REVOKE bit set (RFC 5011; now key tag 4795): a revoked key is never a trust anchor');
    // Even a DS made over the revoked key itself does not make it an anchor.
    const dsOfRevoked = parseTrustAnchors(dsText(root, revoked), 'revoked.ds');
    const v2 = await check(records, dsOfRevoked);
    expect(v2.ok).toBe(false);
    expect(v2.detail).toBe('DNSKEY 4795 matches a trust anchor but has the REVOKE bit set (RFC 5011): a revoked key is never a trust anchor');
  });

  it('SOA kept a different TTL than the RRSIG original TTL: still valid (original TTL is what is signed)', async () => {
    const v = await check(small.map((r) => (r.type === RRType.SOA ? { ...r, ttl: 3600 } : r)));
    expect(v.ok, v.detail).toBe(true);
  });

  it('owner and RDATA names in upper case: still valid (canonical form), every RRSIG', async () => {
    const text = readFileSync(SIGNED_SMALL, 'latin1').replace(/^([a-z.-]+)\t/gm, (_m, o: string) => `${o.toUpperCase()}\t`).replace(/\tNS\t([a-z.-]+)$/gm, (_m, t: string) => `\tNS\t${t.toUpperCase()}`);
    const records = parseZoneText(text, { origin: root });
    expect(records.some((r) => r.name.toString() === 'ARPA.')).toBe(true);
    const v = await check(records, testDs, { allSignatures: true });
    expect(v.ok, v.detail).toBe(true);
    expect(v.allSignatures?.verified).toBe(18);
  });

  it('labels field larger than the owner has: refused', async () => {
    const v = await check(mapRdata(small, isSig(RRType.SOA), (rd) => (rd[3] = 1)));
    expect(v.detail).toBe("SOA RRset: RRSIG by ZSK 8784 has labels 1, more than the owner's 0");
  });

  it('signer name other than the zone: refused', async () => {
    const records = small.map((r) => {
      if (!isSig(RRType.SOA)(r)) return r;
      const sig = decodeRrsig(r.rdata);
      const signer = Name.fromText('arpa.');
      const rdata = new Uint8Array(18 + signer.wire.length + sig.signature.length);
      rdata.set(r.rdata.subarray(0, 18));
      rdata.set(signer.wire, 18);
      rdata.set(sig.signature, 18 + signer.wire.length);
      return { ...r, rdata };
    });
    expect((await check(records)).detail).toBe('SOA RRset: RRSIG signer arpa. is not the zone .');
  });

  it('unknown algorithm: that signature is treated as absent, never a crash', async () => {
    const soaSig = small.find(isSig(RRType.SOA))!;
    const odd = Uint8Array.from(soaSig.rdata);
    odd[2] = 253; // PRIVATEDNS
    // An extra signature we cannot use changes nothing…
    expect((await check([...small, { ...soaSig, rdata: odd }])).ok).toBe(true);
    // …but if it is the only one, the SOA is not validated.
    const v = await check(small.map((r) => (r === soaSig ? { ...r, rdata: odd } : r)));
    expect(v.ok).toBe(false);
    expect(v.detail).toBe('SOA RRset: RRSIG by key 8784: algorithm 253 is not supported');
    const all = await check([...small, { ...soaSig, rdata: odd }], testDs, { allSignatures: true });
    expect(all.allSignatures).toMatchObject({ count: 19, verified: 18, unusable: 1, failed: 0 });
    expect(all.detail).toMatch(/, 1 with unsupported algorithms ignored$/);
  });

  it('allSignatures lists a bad delegation DS signature on the root-sized zone', async () => {
    const com = Name.fromText('com.');
    const records = mapRdata(signedRoot, (r) => r.type === RRType.DS && r.name.equals(com), (rd) => (rd[rd.length - 1] ^= 0xff));
    // The apex is untouched: the required checks pass…
    expect((await verifyDnssec(records, root, testDs, TODAY)).ok).toBe(true);
    // …every signature does not.
    const v = await verifyDnssec(records, root, testDs, TODAY, { allSignatures: true });
    expect(v.ok).toBe(false);
    expect(v.allSignatures).toMatchObject({ count: 2793, verified: 2792, failed: 1 });
    expect(v.allSignatures!.failures).toEqual([{ owner: 'com.', type: 'DS', keyTag: 8784, reason: 'bad signature by ZSK 8784' }]);
    expect(v.detail).toBe('1 of 2793 RRSIGs failed (com. DS: bad signature by ZSK 8784)');
  });

  it('no anchor for the zone, no DNSKEY RRset', async () => {
    const other = parseTrustAnchors(`example. IN DS 1 8 2 ${'00'.repeat(32)}\n`, 'other.ds');
    expect((await check(small, other)).detail).toBe('no trust anchor for . at 2026-11-29T00:00:00Z (anchors loaded: DS 1/8)');
    expect((await check(small.filter((r) => r.type !== RRType.DNSKEY))).detail).toBe('no DNSKEY RRset at .: the zone is not signed');
  });
});

// In-test keys and zones for the algorithms the fixtures do not use; each zone
// is also checked by ldns-verify-zone so the test signer is validated by a peer.
const HAVE_LDNS = spawnSync('ldns-verify-zone', ['-v']).error === undefined;

describe('algorithms, signed in the test (cross-checked with ldns-verify-zone)', () => {
  const origin = Name.fromText('example.');
  const ZONE = [
    'example. 3600 IN SOA ns1.example. hostmaster.example. 2026112901 7200 3600 1209600 300',
    'example. 3600 IN NS ns1.example.',
    'example. 3600 IN NS NS2.Example.',
    'ns1.example. 3600 IN A 192.0.2.1',
    'ns2.example. 3600 IN AAAA 2001:db8::2',
    'www.example. 3600 IN A 192.0.2.10',
    'www.example. 3600 IN A 192.0.2.11',
    'www.example. 3600 IN TXT "hello"',
    'mail.example. 3600 IN MX 10 MAIL.Example.',
    '*.wild.example. 3600 IN TXT "wildcard"',
    'sub.example. 3600 IN NS ns.sub.example.',
    `sub.example. 3600 IN DS 12345 13 2 ${'ab'.repeat(32)}`,
    'ns.sub.example. 3600 IN A 192.0.2.53',
    '',
  ].join('\n');
  const window = { inception: at('2026-01-01T00:00:00Z'), expiration: at('2027-01-01T00:00:00Z') };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rootmirror-dnssec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const ldnsVerify = (zone: string, ds: string, when: string): { status: number | null; out: string } => {
    const zf = join(dir, `zone-${Math.random().toString(36).slice(2)}`);
    const kf = `${zf}.ds`;
    writeFileSync(zf, zone);
    writeFileSync(kf, ds);
    const r = spawnSync('ldns-verify-zone', ['-k', kf, '-t', when, zf], { encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
  };

  const algorithms: { alg: number; name: string; bits?: number }[] = [
    { alg: 8, name: 'RSASHA256', bits: 2048 },
    { alg: 10, name: 'RSASHA512' },
    { alg: 13, name: 'ECDSAP256SHA256' },
    { alg: 14, name: 'ECDSAP384SHA384' },
    { alg: 15, name: 'ED25519' },
    { alg: 16, name: 'ED448' },
  ];

  it.each(algorithms)('algorithm $alg ($name): our verifier and ldns-verify-zone agree', async ({ alg, bits }) => {
    const ksk = generateTestKey(alg, 257, bits);
    const zsk = generateTestKey(alg, 256, bits);
    const signed = signZone(parseZoneText(ZONE, { origin }), origin, ksk, zsk, { ...window, zonemd: true });
    const anchors = parseTrustAnchors(dsText(origin, ksk), 'test.ds');
    const v = await verifyDnssec(signed, origin, anchors, TODAY, { allSignatures: true });
    expect(v.ok, v.detail).toBe(true);
    expect(v.detail).toMatch(new RegExp(`^DNSKEY set signed by KSK ${ksk.tag} \\(trust anchor DS\\), SOA and ZONEMD signed by ZSK ${zsk.tag}; signatures valid until 2027-01-01T00:00:00Z; all \\d+ RRSIGs verified`));
    expect(v.allSignatures!.failed).toBe(0);
    // RRSIGs: apex SOA, NS, DNSKEY, ZONEMD, NSEC + ns1, ns2, www (A, TXT), mail, *.wild (TXT + NSEC each), sub (DS, NSEC)
    expect(v.allSignatures!.verified).toBe(5 + 2 * 2 + 3 + 2 + 2 + 2);
    // Through the master-file text too (what ldns reads), and as of a DNSKEY anchor.
    const text = zoneText(signed);
    const reparsed = parseZoneText(text, { origin });
    const keyAnchor = parseTrustAnchors(zoneText([dnskeyRecord(origin, ksk)]), 'test.key');
    expect((await verifyDnssec(reparsed, origin, keyAnchor, TODAY)).ok).toBe(true);
    // A flipped byte in a TXT RRSIG is caught.
    const bad = signed.map((r) => (r.type === RRType.RRSIG && r.name.key === 'www.example.' && decodeRrsig(r.rdata).typeCovered === RRType.TXT ? { ...r, rdata: Uint8Array.from(r.rdata, (b, i) => (i === r.rdata.length - 5 ? b ^ 4 : b)) } : r));
    const vb = await verifyDnssec(bad, origin, anchors, TODAY, { allSignatures: true });
    expect(vb.ok).toBe(false);
    expect(vb.allSignatures!.failures).toEqual([{ owner: 'www.example.', type: 'TXT', keyTag: zsk.tag, reason: `bad signature by ZSK ${zsk.tag}` }]);
    if (HAVE_LDNS) {
      const r = ldnsVerify(text, dsText(origin, ksk), '20261129000000');
      expect(r.out).toContain('Zone is verified and complete');
      expect(r.status).toBe(0);
      const rb = ldnsVerify(zoneText(bad), dsText(origin, ksk), '20261129000000');
      expect(rb.status).not.toBe(0);
    }
  });

  /** The zone verifies from a DS of `ksk`, and so does every RRSIG in it. */
  async function expectEverySignatureValid(records: readonly ResourceRecord[], ksk: TestKey): Promise<void> {
    const v = await verifyDnssec(records, origin, parseTrustAnchors(dsText(origin, ksk), 'test.ds'), TODAY, { allSignatures: true });
    expect(v.ok, v.detail).toBe(true);
    expect(v.allSignatures!.failed).toBe(0);
  }

  it('a wildcard expansion (RFC 4035 §5.3.2): labels < owner labels, owner rebuilt as *.closest-encloser', async () => {
    const ksk = generateTestKey(13, 257);
    const zsk = generateTestKey(13, 256);
    const signed = signZone(parseZoneText(ZONE, { origin }), origin, ksk, zsk, window);
    const expanded = Name.fromText('anything.wild.example.');
    const fromWildcard = signed.filter((r) => r.name.key === '*.wild.example.' && (r.type === RRType.TXT || (r.type === RRType.RRSIG && decodeRrsig(r.rdata).typeCovered === RRType.TXT)));
    expect(fromWildcard).toHaveLength(2);
    expect(decodeRrsig(fromWildcard.find((r) => r.type === RRType.RRSIG)!.rdata).labels).toBe(2);
    const records = [...signed, ...fromWildcard.map((r) => ({ ...r, name: expanded }))];
    await expectEverySignatureValid(records, ksk);
  });

  it('a signer name written in upper case is signed lower-cased (RFC 4034 §3.1.8.1) and still the zone', async () => {
    const ksk = generateTestKey(15, 257);
    const zsk = generateTestKey(15, 256);
    const signed = signZone(parseZoneText(ZONE, { origin }), origin, ksk, zsk, window);
    const upperSigner = signed.map((r) => {
      if (r.type !== RRType.RRSIG) return r;
      const rdata = Uint8Array.from(r.rdata);
      rdata.set(Name.fromText('EXAMPLE.').wire, 18);
      return { ...r, rdata };
    });
    await expectEverySignatureValid(upperSigner, ksk);
  });

  it('RSASHA1 (5): implemented, refused by default (RFC 9905), accepted and weak when allowed', async () => {
    const ksk = generateTestKey(5, 257);
    const zsk = generateTestKey(5, 256);
    const signed = signZone(parseZoneText(ZONE, { origin }), origin, ksk, zsk, window);
    expect(() => parseTrustAnchors(dsText(origin, ksk), 'sha1.ds')).not.toThrow();
    expect(parseTrustAnchors(dsText(origin, ksk), 'sha1.ds').notes[0]).toMatch(/uses SHA-1, not accepted \(RFC 9905/);
    const anchors = parseTrustAnchors(dsText(origin, ksk), 'sha1.ds', { allowSha1: true });
    const refused = await verifyDnssec(signed, origin, anchors, TODAY);
    expect(refused.ok).toBe(false);
    expect(refused.detail).toBe(`DNSKEY ${ksk.tag} matches trust anchor DS ${ksk.tag} but cannot be used: algorithm 5 (RSASHA1) uses SHA-1, not accepted (RFC 9905; see allowSha1)`);
    const allowed = await verifyDnssec(signed, origin, anchors, TODAY, { allowSha1: true, allSignatures: true });
    expect(allowed.ok, allowed.detail).toBe(true);
    expect(allowed.weak).toBe(true);
    if (HAVE_LDNS) expect(ldnsVerify(zoneText(signed), dsText(origin, ksk), '20261129000000').status).toBe(0);
  });

  it('a DS anchor with SHA-384 and SHA-1 digests matches too (SHA-1 digest marks the verdict weak)', async () => {
    const ksk = generateTestKey(13, 257);
    const zsk = generateTestKey(13, 256);
    const signed = signZone(parseZoneText(ZONE, { origin }), origin, ksk, zsk, window);
    const v384 = await verifyDnssec(signed, origin, parseTrustAnchors(dsText(origin, ksk, 4), 'sha384.ds'), TODAY);
    expect(v384.ok, v384.detail).toBe(true);
    expect(v384.weak).toBeUndefined();
    const v1 = await verifyDnssec(signed, origin, parseTrustAnchors(dsText(origin, ksk, 1), 'sha1.ds'), TODAY);
    expect(v1.ok, v1.detail).toBe(true);
    expect(v1.weak).toBe(true);
    // …unless a SHA-256 DS anchors the same key as well.
    const both = parseTrustAnchors(dsText(origin, ksk, 1) + dsText(origin, ksk, 2), 'both.ds');
    expect((await verifyDnssec(signed, origin, both, TODAY)).weak).toBeUndefined();
    // A wrong digest is named as such.
    const wrong = dsText(origin, ksk).replace(/[0-9a-f]{4}\n$/, '0000\n');
    const vw = await verifyDnssec(signed, origin, parseTrustAnchors(wrong, 'wrong.ds'), TODAY);
    expect(vw.detail).toBe(`DNSKEY ${ksk.tag} does not match the digest of trust anchor DS ${ksk.tag} (wrong.ds:1)`);
  });

  it('malformed keys are unusable, not a crash; imported keys are cached', () => {
    expect(importDnskey(13, new Uint8Array(64)).ok).toBe(false); // (0,0) is not on P-256
    expect(importDnskey(15, new Uint8Array(31)).ok).toBe(false);
    expect(importDnskey(8, Uint8Array.of(0, 0))).toMatchObject({ ok: false });
    expect(importDnskey(8, Uint8Array.of(1, 3, 0xff))).toMatchObject({ ok: false, reason: expect.stringMatching(/outside 512\.\.4096/) });
    const k = generateTestKey(15, 257);
    const a = importDnskey(15, k.rdata.subarray(4));
    expect(a.ok).toBe(true);
    expect(importDnskey(15, Uint8Array.from(k.rdata.subarray(4)))).toBe(a);
  });
});
