import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { DnssecError, loadTrustAnchors, parseTrustAnchors } from './trust-anchors.js';

const XML = 'keys/root-anchors.xml';
const TODAY = new Date('2026-11-29T00:00:00Z');
const real = readFileSync(XML, 'utf8');
const KSK2017_DS = 'E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rootmirror-anchors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** A root-anchors.xml with one KeyDigest for KSK-2017, with the given attributes and extra content. */
const oneDigest = (attrs: string, extra = ''): string => `<?xml version="1.0" encoding="UTF-8"?>
<TrustAnchor id="test" source="test">
  <Zone>.</Zone>
  <KeyDigest id="k1" ${attrs}>
    <KeyTag>20326</KeyTag>
    <Algorithm>8</Algorithm>
    <DigestType>2</DigestType>
    <Digest>${KSK2017_DS}</Digest>${extra}
  </KeyDigest>
</TrustAnchor>
`;

/** Expect a DnssecError whose message matches, naming the file (and line when given). */
function expectDnssecError(f: () => unknown, message: RegExp, line?: number): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DnssecError);
  const e = err as DnssecError;
  expect(e.name).toBe('DnssecError');
  expect(e.message).toMatch(message);
  if (line !== undefined) {
    expect(e.line).toBe(line);
    expect(e.message).toContain(`:${line}:`);
  }
}

describe('root-anchors.xml (RFC 7958, RFC 9718)', () => {
  it('the real file gives KSK-2017 (20326) and KSK-2024 (38696) today; KSK-2010 expired', async () => {
    const a = await loadTrustAnchors([XML], { at: TODAY });
    expect(a.ds.map((d) => [d.keyTag, d.algorithm, d.digestType])).toEqual([
      [20326, 8, 2],
      [38696, 8, 2],
    ]);
    expect(Buffer.from(a.ds[0]!.digest).toString('hex').toUpperCase()).toBe(KSK2017_DS);
    expect(a.ds.every((d) => d.owner.equals(Name.root))).toBe(true);
    expect(a.ds[0]!.source).toBe(`${XML}:10`);
    expect(a.keys).toEqual([]);
    expect(a.notes).toEqual([`${XML}:4: KeyDigest Kjqmt7v (key tag 19036) ignored: expired 2019-01-11T00:00:00Z`]);
  });

  it('in 2019 only 20326 was valid: 19036 had expired, 38696 not yet valid', async () => {
    const a = await loadTrustAnchors([XML], { at: new Date('2019-10-13T05:00:00Z') });
    expect(a.ds.map((d) => d.keyTag)).toEqual([20326]);
    expect(a.notes[1]).toBe(`${XML}:18: KeyDigest Kmyv6jo (key tag 38696) ignored: not valid before 2024-07-18T00:00:00Z`);
  });

  it('validUntil in the past drops the anchor; validFrom in the future drops it; both with a note', () => {
    const past = parseTrustAnchors(real.replace('<KeyDigest id="Klajeyz" validFrom="2017-02-02T00:00:00+00:00">', '<KeyDigest id="Klajeyz" validFrom="2017-02-02T00:00:00+00:00" validUntil="2026-01-01T00:00:00Z">'), 'a.xml', { at: TODAY });
    expect(past.ds.map((d) => d.keyTag)).toEqual([38696]);
    expect(past.notes).toContain('a.xml:10: KeyDigest Klajeyz (key tag 20326) ignored: expired 2026-01-01T00:00:00Z');
    const future = parseTrustAnchors(oneDigest('validFrom="2027-01-01T00:00:00+00:00"'), 'b.xml', { at: TODAY });
    expect(future.ds).toEqual([]);
    expect(future.notes).toEqual(['b.xml:4: KeyDigest k1 (key tag 20326) ignored: not valid before 2027-01-01T00:00:00Z']);
    // validUntil is exclusive, validFrom inclusive; time zones are honoured.
    expect(parseTrustAnchors(oneDigest('validFrom="2026-11-29T00:00:00Z"'), 'c.xml', { at: TODAY }).ds).toHaveLength(1);
    expect(parseTrustAnchors(oneDigest('validFrom="2020-01-01T00:00:00Z" validUntil="2026-11-29T01:00:00+01:00"'), 'd.xml', { at: TODAY }).ds).toHaveLength(0);
    expect(parseTrustAnchors(oneDigest('validFrom="2026-11-29T00:00:00.5-00:30"'), 'e.xml', { at: TODAY }).ds).toHaveLength(0);
  });

  it('a file whose every anchor is out of its window is an error at load', async () => {
    const p = file('future.xml', oneDigest('validFrom="2030-01-01T00:00:00Z"'));
    await expect(loadTrustAnchors([p], { at: TODAY })).rejects.toThrow(/^no usable trust anchor in .*future\.xml: .*not valid before 2030-01-01T00:00:00Z; update the file/);
  });

  it('PublicKey and Flags (RFC 9718) must agree with KeyTag and Digest', () => {
    const pk = /<PublicKey>([^<]+)<\/PublicKey>/.exec(real)![1]!;
    const ok = parseTrustAnchors(oneDigest('validFrom="2017-02-02T00:00:00+00:00"', `\n    <PublicKey>${pk}</PublicKey>\n    <Flags>257</Flags>`), 'pk.xml', { at: TODAY });
    expect(ok.ds).toHaveLength(1);
    expectDnssecError(
      () => parseTrustAnchors(oneDigest('validFrom="2017-02-02T00:00:00+00:00"', `\n    <PublicKey>${pk}</PublicKey>\n    <Flags>385</Flags>`), 'pk.xml'),
      /^pk\.xml:9: <PublicKey>\/<Flags> give key tag 20454, <KeyTag> says 20326/,
      9,
    );
    const other = /<PublicKey>([^<]+)<\/PublicKey>/g;
    other.exec(real);
    const pk2 = other.exec(real)![1]!;
    expectDnssecError(
      () => parseTrustAnchors(oneDigest('validFrom="2017-02-02T00:00:00+00:00"', `\n    <PublicKey>${pk2}</PublicKey>\n    <Flags>257</Flags>`), 'pk.xml'),
      /give key tag 38696, <KeyTag> says 20326/,
    );
    expectDnssecError(() => parseTrustAnchors(oneDigest('validFrom="2017-02-02T00:00:00+00:00"', `\n    <PublicKey>${pk}</PublicKey>`), 'pk.xml'), /<PublicKey> and <Flags> must be given together/);
  });

  // Each malformed document: what is wrong, and the line the error must name.
  const malformed: { name: string; xml: string; message: RegExp; line: number }[] = [
    { name: 'unclosed element', xml: real.replace('</KeyTag>', ''), message: /<\/KeyDigest> closes <KeyTag> \(line 5\)/, line: 9 },
    {
      name: 'DOCTYPE with an external entity (XXE)',
      xml: real.replace('<TrustAnchor', '<!DOCTYPE TrustAnchor [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<TrustAnchor'),
      message: /DOCTYPE is not allowed \(no DTDs, no entity declarations\)/,
      line: 2,
    },
    { name: 'undeclared entity', xml: real.replace('<Zone>.</Zone>', '<Zone>&x;</Zone>'), message: /unknown entity &x; \(no DTD, only the predefined entities\)/, line: 3 },
    { name: 'CDATA', xml: real.replace('<Zone>.</Zone>', '<Zone><![CDATA[.]]></Zone>'), message: /CDATA is not allowed/, line: 3 },
    { name: 'unknown element', xml: real.replace('<Algorithm>8</Algorithm>', '<Algorithm>8</Algorithm><Comment>hi</Comment>'), message: /unexpected <Comment> in <KeyDigest>/, line: 6 },
    { name: 'unknown attribute', xml: real.replace('id="Klajeyz"', 'id="Klajeyz" trust="yes"'), message: /unexpected attribute trust on <KeyDigest>/, line: 10 },
    { name: 'missing validFrom', xml: real.replace(' validFrom="2017-02-02T00:00:00+00:00"', ''), message: /<KeyDigest> without validFrom/, line: 10 },
    { name: 'bad dateTime', xml: real.replace('2017-02-02T00:00:00+00:00', '2017-02-30T00:00:00+00:00'), message: /validFrom "2017-02-30T00:00:00\+00:00" is not an xsd:dateTime/, line: 10 },
    { name: 'validUntil before validFrom', xml: real.replace('validFrom="2010-07-15T00:00:00+00:00" validUntil="2019-01-11T00:00:00+00:00"', 'validFrom="2019-01-11T00:00:00+00:00" validUntil="2010-07-15T00:00:00+00:00"'), message: /validUntil .* is not after validFrom/, line: 4 },
    { name: 'digest not hex', xml: real.replace(KSK2017_DS, KSK2017_DS.slice(0, -1) + 'G'), message: /<Digest> must be hexadecimal/, line: 14 },
    { name: 'digest of the wrong length', xml: real.replace(KSK2017_DS, KSK2017_DS.slice(0, -2)), message: /<Digest> of 31 octets, digest type 2 has 32/, line: 14 },
    { name: 'key tag out of range', xml: real.replace('<KeyTag>20326</KeyTag>', '<KeyTag>70000</KeyTag>'), message: /<KeyTag> must be an integer 0\.\.65535, got "70000"/, line: 11 },
    { name: 'missing Digest', xml: real.replace(/<Digest>E06D[^<]*<\/Digest>/, ''), message: /<KeyDigest> without <Digest>/, line: 10 },
    { name: 'duplicate element', xml: real.replace('<KeyTag>20326</KeyTag>', '<KeyTag>20326</KeyTag><KeyTag>20326</KeyTag>'), message: /<KeyTag> given twice/, line: 11 },
    { name: 'relative zone', xml: real.replace('<Zone>.</Zone>', '<Zone>example</Zone>'), message: /bad <Zone> "example": not absolute/, line: 3 },
    { name: 'wrong root element', xml: '<?xml version="1.0"?>\n<Anchors/>\n', message: /root element is <Anchors>, expected <TrustAnchor>/, line: 2 },
    { name: 'no KeyDigest', xml: '<TrustAnchor id="x" source="y"><Zone>.</Zone></TrustAnchor>', message: /<TrustAnchor> has no <KeyDigest>/, line: 1 },
    { name: 'content after the root element', xml: real + '<TrustAnchor/>\n', message: /content after the root element/, line: 27 },
    { name: 'truncated file', xml: real.slice(0, 400), message: /<Digest> is never closed/, line: 8 },
    { name: 'non-UTF-8 encoding declared', xml: real.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), message: /encoding "ISO-8859-1" \(only UTF-8 is accepted\)/, line: 1 },
    { name: 'processing instruction', xml: real.replace('<Zone>', '<?php echo 1 ?><Zone>'), message: /processing instruction is not allowed/, line: 3 },
  ];

  it.each(malformed)('malformed: $name → DnssecError naming file and line', ({ xml, message, line }) => {
    expectDnssecError(() => parseTrustAnchors(xml, 'bad.xml', { at: TODAY }), message, line);
    expectDnssecError(() => parseTrustAnchors(xml, 'bad.xml', { at: TODAY }), /^bad\.xml:\d+: .*\(expected IANA root-anchors\.xml, RFC 7958\/9718\)$/);
  });

  it('bytes that are not UTF-8: DnssecError', () => {
    const bytes = Buffer.concat([Buffer.from(real.slice(0, 60)), Buffer.from([0xff, 0xfe]), Buffer.from(real.slice(60))]);
    expectDnssecError(() => parseTrustAnchors(bytes, 'latin.xml'), /^latin\.xml: not valid UTF-8/);
  });

  it('comments, a BOM, predefined entities and character references are fine', () => {
    const xml = '\uFEFF' + real.replace('<Zone>', '<!-- the root --><Zone>').replace('source="http://data.iana.org/root-anchors/root-anchors.xml"', 'source="a&amp;b&#x41;&#66;"');
    expect(parseTrustAnchors(xml, 'ok.xml', { at: TODAY }).ds).toHaveLength(2);
    expect(parseTrustAnchors(Buffer.from(xml), 'ok.xml', { at: TODAY }).ds).toHaveLength(2);
  });
});

describe('master-file anchors (DS, DNSKEY)', () => {
  it('keys/root.ds and keys/root.key give 20326 and 38696, the same as the XML', async () => {
    const ds = await loadTrustAnchors(['keys/root.ds']);
    expect(ds.ds.map((d) => d.keyTag)).toEqual([20326, 38696]);
    expect(ds.ds[1]!.source).toBe('keys/root.ds:2');
    const key = await loadTrustAnchors(['keys/root.key']);
    expect(key.keys.map((k) => [k.keyTag, k.flags, k.algorithm])).toEqual([
      [20326, 257, 8],
      [38696, 257, 8],
    ]);
    const xml = await loadTrustAnchors([XML], { at: TODAY });
    expect(ds.ds.map((d) => Buffer.from(d.digest).toString('hex'))).toEqual(xml.ds.map((d) => Buffer.from(d.digest).toString('hex')));
  });

  it('several files are merged; exact duplicates dropped', async () => {
    const a = await loadTrustAnchors([XML, 'keys/root.ds', 'keys/root.key', 'test/fixtures/signed/trust-anchor.ds'], { at: TODAY });
    expect(a.ds.map((d) => d.keyTag)).toEqual([20326, 38696, 4667]);
    expect(a.keys.map((k) => k.keyTag)).toEqual([20326, 38696]);
  });

  it('a revoked DNSKEY is not an anchor (RFC 5011); alone, nothing usable is left', async () => {
    const revoked = readFileSync('keys/root.key', 'latin1').split('\n')[0]!.replace('DNSKEY 257', 'DNSKEY 385');
    const a = parseTrustAnchors(revoked + '\n', 'r.key');
    expect(a.keys).toEqual([]);
    expect(a.notes).toEqual(['r.key:1: DNSKEY 20454 (algorithm 8 (RSASHA256)) ignored: REVOKE bit set (RFC 5011): a revoked key is never an anchor']);
    await expect(loadTrustAnchors([file('r.key', revoked + '\n')])).rejects.toThrow(DnssecError);
    expect(parseTrustAnchors(revoked.replace('DNSKEY 385', 'DNSKEY 256 '), 'z.key').keys).toHaveLength(1); // a ZSK may be an anchor
    expect(parseTrustAnchors(revoked.replace('DNSKEY 385', 'DNSKEY 1'), 'nz.key').notes[0]).toMatch(/not a zone key/);
  });

  it('unsupported digest types and algorithms are dropped with a note', () => {
    const a = parseTrustAnchors(`. IN DS 1 8 3 ${'00'.repeat(32)}\n. IN DS 2 3 2 ${'00'.repeat(32)}\n. IN DS 3 8 2 ${'00'.repeat(32)}\n`, 'x.ds');
    expect(a.ds.map((d) => d.keyTag)).toEqual([3]);
    expect(a.notes).toEqual(['x.ds:1: DS 1 ignored: digest type 3 is not supported', 'x.ds:2: DS 2 ignored: algorithm 3 (DSA) is not supported']);
  });

  it.each([
    ['a record that is no anchor', `. IN DS 20326 8 2 ${'00'.repeat(32)}\n. 3600 IN A 192.0.2.1\n`, /^t\.ds:2: A record; a trust anchor file holds DS or DNSKEY records/, 2],
    ['a DS digest of the wrong length', '. IN DS 20326 8 2 ABCD\n', /^t\.ds:1: DS digest of 2 octets, digest type 2 has 32/, 1],
    ['bad base64 in a DNSKEY', '\n. IN DNSKEY 257 3 8 AwEAA!!\n', /^trust anchor file t\.ds:2:\d+: /, 2],
    ['a relative owner', 'example IN DS 1 8 2 ' + '00'.repeat(32) + '\n', /^trust anchor file t\.ds:1:1: relative name/, 1],
    ['an $INCLUDE', '$INCLUDE /etc/passwd\n', /^trust anchor file t\.ds:1:\d+: /, 1],
    ['class CH', '. CH DS 1 8 2 ' + '00'.repeat(32) + '\n', /^t\.ds:1: class 3 record \(only IN\)/, 1],
  ] as const)('malformed master file: %s → DnssecError with file:line', (_name, text, message, line) => {
    expectDnssecError(() => parseTrustAnchors(text, 't.ds'), message, line);
  });

  it('an empty file, a missing file, no files: DnssecError', async () => {
    expectDnssecError(() => parseTrustAnchors('; nothing here\n', 'empty.ds'), /^empty\.ds: no DS or DNSKEY record in it/);
    await expect(loadTrustAnchors([join(dir, 'missing.ds')])).rejects.toThrow(/^cannot read trust anchor file .*missing\.ds: ENOENT/);
    await expect(loadTrustAnchors([])).rejects.toThrow(/^no trust anchor file given/);
  });
});
