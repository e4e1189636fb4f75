// ZONEMD (RFC 8976) against the RFC's Appendix A vectors, the zonemd-vectors
// cases, the real root zone and the signed fixtures; crafted failures; and a
// cross-check of every verdict with ldns-verify-zone (ldnsutils), the peer.

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Name, canonicalSortKey, compareCanonical } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType } from '../dns/types.js';
import { parseZoneText } from '../zone/parser.js';
import { ZonemdError, ZonemdHash, computeZonemdDigest, verifyZonemd } from './zonemd.js';

const FIX = resolve('test/fixtures');
const VECTORS = `${FIX}/zonemd-vectors/rfc8976`;
const CASES = `${FIX}/zonemd-vectors/cases`;
const FULL_ROOT = `${FIX}/root-zone-full/root.zone.2026073102.gz`;
const SMALL = `${FIX}/signed/small.zone.signed`;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (path: string): string => (path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString('latin1');
const parse = (zone: string, origin: Name): ResourceRecord[] => parseZoneText(zone, { origin });

// ---------------------------------------------------------------------------
// ldns-verify-zone, when installed. It exits 0 only if everything verified;
// a digest that does not verify prints "Could not validate zone digest"; a
// digest that matches prints nothing, so with DNSSEC errors alone (expired or
// bogus signatures) the digest is taken as verified by ldns.
const HAVE_LDNS = spawnSync('ldns-verify-zone', ['-v'], { encoding: 'utf8' }).status === 0;

interface LdnsRun {
  readonly rc: number;
  readonly out: string;
  /** ldns's view of the ZONEMD digest alone. */
  readonly digestOk: boolean;
}

function ldns(zone: string, args: readonly string[] = []): LdnsRun {
  const r = spawnSync('ldns-verify-zone', ['-Z', ...args], { input: zone, encoding: 'latin1', maxBuffer: 64 << 20 });
  const out = `${r.stdout}${r.stderr}`;
  const rc = r.status ?? -1;
  if (rc === 0) return { rc, out, digestOk: true };
  if (/Could not validate zone digest/.test(out)) return { rc, out, digestOk: false };
  // Nothing said about the digest: the other errors must be DNSSEC ones.
  expect(out, 'ldns failed for a reason other than DNSSEC or the digest').toMatch(/signature|NSEC/i);
  return { rc, out, digestOk: true };
}

// ---------------------------------------------------------------------------
// RFC 8976 Appendix A "Example Zones with Digests". The expected values are
// the ZONEMD RRs printed in the RFC (provenance: rfc8976/EXPECTED_DIGESTS.txt).
interface Vector {
  readonly section: string;
  readonly file: string;
  readonly origin: string;
  readonly serial: number;
  readonly digests: Readonly<Record<number, string>>;
  readonly ldnsArgs?: readonly string[];
}

const RFC_VECTORS: readonly Vector[] = [
  {
    // A.1 Simple EXAMPLE Zone: "example. 86400 IN ZONEMD 2018031900 1 1 ( c68090d90a7aed71 … 777f98b8e730044c )"
    section: 'A.1 Simple EXAMPLE Zone',
    file: 'A1-simple.example.wessels.zone',
    origin: 'example.',
    serial: 2018031900,
    digests: { 1: 'c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9a9713b3c9ae5cc27777f98b8e730044c' },
  },
  {
    // A.2 Complex EXAMPLE Zone: occluded data below "sub" (digested), a duplicate TXT
    // (digested once), out-of-zone "foo.test." (excluded), upper-case owners and
    // RDATA names, a wildcard, and a non-apex ZONEMD (digested as data).
    // "example. 86400 IN ZONEMD 2018031900 1 1 ( a3b69bad980a3504 … b71e34b72077f8fe )"
    section: 'A.2 Complex EXAMPLE Zone',
    file: 'A2-complex.example.wessels.zone',
    origin: 'example.',
    serial: 2018031900,
    digests: { 1: 'a3b69bad980a3504e1cffcb0fd6397f93848071c93151f552ae2f6b1711d4bd2d8b39808226d7b9db71e34b72077f8fe' },
  },
  {
    // A.3 EXAMPLE Zone with Multiple Digests: SHA-384 and SHA-512 both match; the
    // private-use hash 240 and scheme 241 RRs cannot be verified and are ignored.
    section: 'A.3 EXAMPLE Zone with Multiple Digests',
    file: 'A3-multiple-digests.example.unbound.zone',
    origin: 'example.',
    serial: 2018031900,
    digests: {
      1: '62e6cf51b02e54b9b5f967d547ce43136792901f9f88e637493daaf401c92c279dd10f0edb1c56f8080211f8480ee306',
      2: '08cfa1115c7b948c4163a901270395ea226a930cd2cbcf2fa9a5e6eb85f37c8a4e114d884e66f176eab121cb02db7d652e0cc4827e7a3204f166b47e5613fd27',
    },
  },
  {
    // A.4 The URI.ARPA Zone: signed; the RRSIG over the apex ZONEMD is left out, every other RRSIG is digested.
    // "uri.arpa. 3600 IN ZONEMD 2018100702 1 1 ( 0dbc3c4dbfd75777c12ca19c337854b1577799901307c482e9d91d5d15 cd934d16319d98e30c4201cf25a1d5a0254960 )"
    section: 'A.4 The URI.ARPA Zone',
    file: 'A4-uri.arpa.wessels.zone',
    origin: 'uri.arpa.',
    serial: 2018100702,
    digests: { 1: '0dbc3c4dbfd75777c12ca19c337854b1577799901307c482e9d91d5d15cd934d16319d98e30c4201cf25a1d5a0254960' },
    ldnsArgs: ['-t', '20210201000000'], // its RRSIGs expired 2021-02-17
  },
  {
    // A.5 The ROOT-SERVERS.NET Zone: the SOA appears twice (AXFR style), digested once.
    // "root-servers.net. 3600000 IN ZONEMD 2018091100 1 1 ( f1ca0ccd91bd5573d9f431c00ee0101b2545c97602be0a97 8a3b11dbfc1c776d5b3e86ae3d973d6b5349ba7f04340f79 )"
    section: 'A.5 The ROOT-SERVERS.NET Zone',
    file: 'A5-root-servers.net.wessels.zone',
    origin: 'root-servers.net.',
    serial: 2018091100,
    digests: { 1: 'f1ca0ccd91bd5573d9f431c00ee0101b2545c97602be0a978a3b11dbfc1c776d5b3e86ae3d973d6b5349ba7f04340f79' },
  },
];

describe('RFC 8976 Appendix A examples', () => {
  it('EXPECTED_DIGESTS.txt carries the same values as this table', () => {
    const doc = readFileSync(`${VECTORS}/EXPECTED_DIGESTS.txt`, 'utf8');
    for (const v of RFC_VECTORS) for (const d of Object.values(v.digests)) expect(doc).toContain(d);
  });

  for (const v of RFC_VECTORS) {
    describe(v.section, () => {
      const origin = Name.fromText(v.origin);
      const records = parse(text(`${VECTORS}/${v.file}`), origin);

      for (const [alg, digest] of Object.entries(v.digests)) {
        it(`computes the RFC's ${alg === '1' ? 'SHA-384' : 'SHA-512'} digest`, () => {
          expect(hex(computeZonemdDigest(records, origin, Number(alg)))).toBe(digest);
        });
      }

      it('verifies', () => {
        const verdict = verifyZonemd(records, origin);
        expect(verdict.ok, verdict.detail).toBe(true);
        expect(verdict.detail).toMatch(new RegExp(`^ZONEMD SIMPLE/SHA-384 over \\d+ records matches \\(serial ${v.serial}\\)$`));
      });

      it.skipIf(!HAVE_LDNS)('ldns-verify-zone agrees', () => {
        const r = ldns(text(`${VECTORS}/${v.file}`), v.ldnsArgs);
        expect(r.rc, r.out).toBe(0);
      });
    });
  }

  it('A.2: the occluded TXT below the "sub" delegation is part of the digest (§3.3.1.1)', () => {
    const origin = Name.fromText('example.');
    const zone = text(`${VECTORS}/A2-complex.example.wessels.zone`);
    const without = zone.replace(/^occluded\.sub .*\n/m, '');
    expect(without).not.toBe(zone);
    expect(verifyZonemd(parse(without, origin), origin).ok).toBe(false);
  });

  it('A.4: the RRSIG over the apex ZONEMD is not digested, the RRSIG over the SOA is', () => {
    const origin = Name.fromText('uri.arpa.');
    const zone = text(`${VECTORS}/A4-uri.arpa.wessels.zone`);
    const sigOf = (type: string) => new RegExp(`(RRSIG\\s+${type} 8 2 3600 \\(\\s+20210217232440 20210120232440 37444 uri\\.arpa\\.\\s+)(\\S)`);
    const zonemdSig = zone.replace(sigOf('ZONEMD'), (_, a: string, c: string) => a + (c === 'Q' ? 'R' : 'Q'));
    const soaSig = zone.replace(sigOf('SOA'), (_, a: string, c: string) => a + (c === 'G' ? 'H' : 'G'));
    expect(zonemdSig).not.toBe(zone);
    expect(soaSig).not.toBe(zone);
    expect(verifyZonemd(parse(zonemdSig, origin), origin).ok).toBe(true);
    expect(verifyZonemd(parse(soaSig, origin), origin).detail).toMatch(/digest mismatch/);
  });
});

// ---------------------------------------------------------------------------
// A.1 written without TTLs (no-ttl/, as Unbound's test zones are): it verifies
// only when read as BIND reads it (the SOA MINIMUM is the default TTL), and
// our records are BIND's, TTLs included (named-compilezone, when installed).
describe('a zone without $TTL or a TTL on the SOA', () => {
  const NO_TTL = `${FIX}/zonemd-vectors/no-ttl/A1-simple.no-ttl.zone`;
  const origin = Name.fromText('example.');
  const warnings: string[] = [];
  const records = (): ResourceRecord[] => parseZoneText(text(NO_TTL), { file: 'A1-simple.no-ttl.zone', onWarning: (w) => warnings.push(w) });
  const show = (rrs: readonly ResourceRecord[]): string[] => rrs.map((r) => `${r.name.toString()} ${r.ttl} ${r.type} ${hex(r.rdata)}`).sort();

  it('parses with one warning and the RFC 8976 A.1 digest verifies', () => {
    const rrs = records();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^A1-simple\.no-ttl\.zone:7:13: no TTL on the SOA .* MINIMUM 86400/);
    const verdict = verifyZonemd(rrs, origin);
    expect(verdict.ok, verdict.detail).toBe(true);
  });

  const HAVE_BIND = spawnSync('named-compilezone', ['-v'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!HAVE_BIND)('BIND (named-compilezone) reads the same records with the same TTLs', () => {
    const r = spawnSync('named-compilezone', ['-q', '-o', '-', 'example', NO_TTL], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(show(parse(r.stdout, origin))).toEqual(show(records()));
  });
});

// ---------------------------------------------------------------------------
// zonemd-vectors/cases: each directory's config gives origin and expected_result.
describe('zonemd-vectors cases', () => {
  const readCase = (dir: string): string => text(`${CASES}/${dir}/example.zone`);
  const failures: Readonly<Record<string, RegExp>> = {
    '30-repeated-scheme-algorithm': /^ZONEMD RRset has 2 RRs with scheme 1 and hash 1; none of them may be used \(RFC 8976 §4 step 4\)$/,
    '31-too-small-digest': /^ZONEMD SIMPLE\/SHA-384 digest is 2 octets, shorter than the 12-octet minimum/,
    '34-unknown-scheme': /^ZONEMD scheme 13 hash 1 is not supported/,
    '35-wrong-serial': /^ZONEMD SIMPLE\/SHA-384 serial 3333333333 does not match SOA serial 2018031900/,
  };
  const dirs = readdirSync(CASES).sort();

  it('covers all 17 cases', () => expect(dirs).toHaveLength(17));

  for (const dir of dirs) {
    const config = readFileSync(`${CASES}/${dir}/config`, 'utf8');
    const origin = Name.fromText(`${/^origin=(\S+)$/m.exec(config)![1]!}.`);
    const expected = /^expected_result=(success|failure)$/m.exec(config)![1]!;

    it(`${dir}: ${expected}`, () => {
      const verdict = verifyZonemd(parse(readCase(dir), origin), origin);
      expect(verdict.ok, verdict.detail).toBe(expected === 'success');
      if (expected === 'failure') expect(verdict.detail).toMatch(failures[dir]!);
    });

    it.skipIf(!HAVE_LDNS)(`${dir}: ldns-verify-zone agrees`, () => {
      // Fed the file as it is (ldns knows NULL).
      const r = ldns(text(`${CASES}/${dir}/example.zone`));
      expect(r.rc === 0, r.out).toBe(expected === 'success');
      if (expected === 'failure') expect(r.digestOk, r.out).toBe(false);
    });
  }
});

// ---------------------------------------------------------------------------
describe('real and signed root zones', () => {
  it('the complete root zone 2026073102 verifies; digest time printed', () => {
    const records = parse(text(FULL_ROOT), Name.root);
    expect(records).toHaveLength(24877);
    const times: number[] = [];
    const first0 = performance.now();
    let verdict = verifyZonemd(records, Name.root);
    const first = performance.now() - first0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      verdict = verifyZonemd(records, Name.root);
      times.push(performance.now() - t0);
    }
    const t0 = performance.now();
    const digest = computeZonemdDigest(records, Name.root, ZonemdHash.SHA384);
    const once = performance.now() - t0;
    expect(verdict).toEqual({ ok: true, detail: 'ZONEMD SIMPLE/SHA-384 over 24875 records matches (serial 2026073102)' });
    expect(hex(digest)).toBe('c3a465783c10b43aac6515b1711b16df39a420d782a9bed3fe891a19fc67ec4063f3fb357ffb1097d5ab205f28a74cf5');
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `ZONEMD full root (24877 RRs, 2.2 MB): first verify ${first.toFixed(1)} ms, then ${sorted.map((t) => t.toFixed(1)).join('/')} ms (5 runs, sorted), computeZonemdDigest ${once.toFixed(1)} ms`,
    );
  });

  for (const serial of ['2026082200', '2026082201']) {
    it(`root-zone/root.zone.${serial} (RRSIGs removed) does not verify: digest mismatch`, () => {
      const v = verifyZonemd(parse(text(`${FIX}/root-zone/root.zone.${serial}`), Name.root), Name.root);
      expect(v.ok).toBe(false);
      const expectedPrefix = serial === '2026082200' ? 'dc86fdef5c9ec66e' : '5e21e890acde0249';
      expect(v.detail).toMatch(
        new RegExp(`^ZONEMD SIMPLE/SHA-384 digest mismatch over 22093 records \\(serial ${serial}\\): ZONEMD has ${expectedPrefix}…, the zone data gives [0-9a-f]{16}…`),
      );
    });
  }

  for (const f of ['root.zone.signed', 'small.zone.signed']) {
    it(`signed/${f} verifies`, () => {
      const v = verifyZonemd(parse(text(`${FIX}/signed/${f}`), Name.root), Name.root);
      expect(v.ok, v.detail).toBe(true);
    });
  }

  describe.skipIf(!HAVE_LDNS)('ldns-verify-zone agrees', () => {
    it('complete root zone, as of 2026-08-01 (inside its signature window)', () => {
      const r = ldns(text(FULL_ROOT), ['-t', '20260801000000']);
      expect(r.rc, r.out).toBe(0);
    });
    for (const serial of ['2026082200', '2026082201']) {
      it(`root-zone/root.zone.${serial}: "Could not validate zone digest"`, () => {
        const r = ldns(text(`${FIX}/root-zone/root.zone.${serial}`), ['-t', '20260823000000']);
        expect(r.digestOk, r.out).toBe(false);
      });
    }
    for (const f of ['root.zone.signed', 'small.zone.signed']) {
      it(`signed/${f}`, () => {
        const r = ldns(text(`${FIX}/signed/${f}`), ['-t', '20260601000000']);
        expect(r.rc, r.out).toBe(0);
      });
    }
  });
});

// ---------------------------------------------------------------------------
// Crafted failures on signed/small.zone.signed (136 RRs; its A records are all glue).
describe('crafted changes to small.zone.signed', () => {
  let small: string;
  const ZONEMD_LINE = /^\.\t86400\tIN\tZONEMD\t2026110100 1 1 [0-9a-f]{96}$/m;
  const verify = (zone: string) => verifyZonemd(parse(zone, Name.root), Name.root);
  const withZonemd = (zone: string, rdata: string) => zone.replace(ZONEMD_LINE, `.\t86400\tIN\tZONEMD\t${rdata}`);
  let sha512: string;

  beforeAll(() => {
    small = text(SMALL);
    expect(small).toMatch(ZONEMD_LINE);
    sha512 = hex(computeZonemdDigest(parse(small, Name.root), Name.root, ZonemdHash.SHA512));
  });

  const variants: readonly {
    readonly name: string;
    readonly make: () => string;
    readonly ok: boolean;
    readonly detail: RegExp;
    /** ldns's view of the digest; undefined where ldns cannot judge it alone. */
    readonly ldnsDigestOk?: boolean;
  }[] = [
    {
      name: 'one glue A record changed → mismatch',
      make: () => small.replace('a.ns.arpa.\t172800\tIN\tA\t198.41.0.4', 'a.ns.arpa.\t172800\tIN\tA\t198.41.0.5'),
      ok: false,
      detail: /^ZONEMD SIMPLE\/SHA-384 digest mismatch over 134 records \(serial 2026110100\): ZONEMD has c5a82f61accb5a7f…, the zone data gives [0-9a-f]{16}…/,
      ldnsDigestOk: false,
    },
    {
      name: 'ZONEMD serial differs from the SOA serial',
      make: () => small.replace('\tZONEMD\t2026110100 ', '\tZONEMD\t2026110101 '),
      ok: false,
      detail: /^ZONEMD SIMPLE\/SHA-384 serial 2026110101 does not match SOA serial 2026110100/,
      ldnsDigestOk: false,
    },
    {
      name: 'ZONEMD removed → fail closed',
      make: () => small.replace(ZONEMD_LINE, ''),
      ok: false,
      detail: /^no ZONEMD RRset at the apex of \. \(fail closed\)/,
      ldnsDigestOk: false,
    },
    {
      name: 'a SHA-512 ZONEMD computed here replaces the SHA-384 one → verifies',
      make: () => withZonemd(small, `2026110100 1 2 ${sha512}`),
      ok: true,
      detail: /^ZONEMD SIMPLE\/SHA-512 over 134 records matches \(serial 2026110100\)$/,
      ldnsDigestOk: true, // ldns: only "Bogus DNSSEC signature for . ZONEMD" (the RRSIG covers the old RR)
    },
    {
      name: 'a bad SHA-384 next to a good SHA-512 → verifies (any supported match suffices, §4)',
      make: () => small.replace(ZONEMD_LINE, (l) => `${l.replace(/c5a8/, '0000')}\n.\t86400\tIN\tZONEMD\t2026110100 1 2 ${sha512}`),
      ok: true,
      detail: /^ZONEMD SIMPLE\/SHA-512 over 134 records matches/,
      ldnsDigestOk: true,
    },
    {
      name: 'a repeated SHA-512 pair does not spoil the unique SHA-384 one (§4 step 4 scopes to the pair)',
      make: () => small.replace(ZONEMD_LINE, (l) => `${l}\n.\t86400\tIN\tZONEMD\t2026110100 1 2 ${sha512}\n.\t86400\tIN\tZONEMD\t2026110100 1 2 ${'00'.repeat(64)}`),
      ok: true,
      detail: /^ZONEMD SIMPLE\/SHA-384 over 134 records matches/,
      ldnsDigestOk: true,
    },
    {
      name: 'a 47-octet SHA-384 digest → length failure',
      make: () => small.replace(ZONEMD_LINE, (l) => l.slice(0, -2)),
      ok: false,
      detail: /^ZONEMD SIMPLE\/SHA-384 digest is 47 octets, SHA-384 digests are 48 octets \(RFC 8976 §4 step 5d\)$/,
      ldnsDigestOk: false,
    },
    {
      name: 'only a private-use hash algorithm → unsupported, fail closed',
      make: () => withZonemd(small, '2026110100 1 240 e2d523f654b9422a96c5a8f44607bbee'),
      ok: false,
      detail: /^ZONEMD scheme 1 hash 240 is not supported .*\(fail closed\)$/,
      ldnsDigestOk: false,
    },
    {
      name: 'upper-case owner and RDATA names: same digest (RFC 4034 §6.2)',
      make: () => small.replace(/^a\.ns\.arpa\./m, 'A.NS.Arpa.').replace(/\tNS\ta\.ns\.arpa\./, '\tNS\tA.Ns.ARPA.'),
      ok: true,
      detail: /matches/,
      ldnsDigestOk: true,
    },
  ];

  for (const v of variants) {
    it(v.name, () => {
      const zone = v.make();
      expect(zone).not.toBe(small);
      const verdict = verify(zone);
      expect(verdict.ok, verdict.detail).toBe(v.ok);
      expect(verdict.detail).toMatch(v.detail);
    });
    if (v.ldnsDigestOk !== undefined) {
      it.skipIf(!HAVE_LDNS)(`${v.name}: ldns-verify-zone agrees`, () => {
        const r = ldns(v.make(), ['-t', '20260601000000']);
        expect(r.digestOk, r.out).toBe(v.ldnsDigestOk);
      });
    }
  }

  it('the order of the input records does not matter', () => {
    const records = parse(small, Name.root);
    const shuffled = [...records].reverse();
    shuffled.push(shuffled.shift()!);
    expect(hex(computeZonemdDigest(shuffled, Name.root, ZonemdHash.SHA384))).toBe(hex(computeZonemdDigest(records, Name.root, ZonemdHash.SHA384)));
    expect(verifyZonemd(shuffled, Name.root).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------
describe('edge cases', () => {
  const origin = Name.fromText('example.');
  const a1 = () => parse(text(`${VECTORS}/A1-simple.example.wessels.zone`), origin);

  it('A.3 with its data changed: the first mismatch is reported, the other three RRs counted', () => {
    const zone = text(`${VECTORS}/A3-multiple-digests.example.unbound.zone`).replace('This example has multiple digests', 'This example was changed');
    const v = verifyZonemd(parse(zone, origin), origin);
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/^ZONEMD SIMPLE\/SHA-384 digest mismatch over 6 records \(serial 2018031900\): ZONEMD has 62e6cf51b02e54b9….* \(and 3 other ZONEMD RRs that did not verify either\)$/);
    if (HAVE_LDNS) expect(ldns(zone).digestOk).toBe(false);
  });

  it('no apex SOA → fail', () => {
    const v = verifyZonemd(
      a1().filter((r) => r.type !== RRType.SOA),
      origin,
    );
    expect(v).toEqual({ ok: false, detail: expect.stringMatching(/^no SOA at the apex of example\.: the ZONEMD serial cannot be checked/) });
  });

  it('a ZONEMD RDATA too short for its fixed fields → fail', () => {
    const records = a1().map((r) => (r.type === RRType.ZONEMD ? { ...r, rdata: Uint8Array.of(1, 2, 3) } : r));
    const v = verifyZonemd(records, origin);
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/shorter than its 6 fixed octets/);
  });

  it('out-of-zone data is ignored (case 21; A.2 "foo.test.")', () => {
    const zone = `${text(`${VECTORS}/A1-simple.example.wessels.zone`)}foo.test. 555 IN TXT "out-of-zone data must be excluded"\n`;
    const records = parse(zone, origin);
    expect(records.some((r) => r.name.key === 'foo.test.')).toBe(true);
    expect(verifyZonemd(records, origin).ok).toBe(true);
    if (HAVE_LDNS) expect(ldns(zone).rc).toBe(0);
  });

  it('a ZONEMD below the apex is data, not a digest to check', () => {
    const records = a1().map((r) => (r.type === RRType.ZONEMD ? { ...r, name: Name.fromText('sub.example.') } : r));
    expect(verifyZonemd(records, origin).detail).toMatch(/^no ZONEMD RRset at the apex/);
  });

  it('computeZonemdDigest refuses an unknown hash algorithm with a ZonemdError', () => {
    expect(() => computeZonemdDigest(a1(), origin, 240)).toThrow(ZonemdError);
    expect(() => computeZonemdDigest(a1(), origin, 240)).toThrow(/hash algorithm 240 is not supported; use 1 \(SHA-384\) or 2 \(SHA-512\)/);
  });

  it('canonicalSortKey orders names exactly as compareCanonical (RFC 4034 §6.1)', () => {
    const names = [
      '.', 'example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.',
      '\\001.z.example.', '*.z.example.', '\\200.z.example.', 'a\\000.example.', 'a.', 'ab.', 'a\\255.', 'A.B.',
    ].map((t) => Name.fromText(t));
    // Random names too, with every octet value possible.
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let i = 0; i < 400; i++) {
      const labels = Array.from({ length: 1 + rnd(3) }, () => Uint8Array.from({ length: 1 + rnd(4) }, () => (rnd(4) === 0 ? rnd(256) : 0x41 + rnd(4) + (rnd(2) ? 0x20 : 0))));
      names.push(Name.fromLabels(labels));
    }
    const byCompare = [...names].sort(compareCanonical).map((n) => n.key);
    const byKey = [...names].sort((a, b) => (canonicalSortKey(a) < canonicalSortKey(b) ? -1 : canonicalSortKey(a) > canonicalSortKey(b) ? 1 : 0)).map((n) => n.key);
    expect(byKey).toEqual(byCompare);
  });
});
