import packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { MessageWriter, Section } from './message-writer.js';
import { Name, NameError, compareCanonical } from './name.js';
import { RdataError } from './rdata/rdata-error.js';
import { canonicalRdata } from './canonical.js';
import { decodeDnskey, decodeNsec, decodeRrsig, dnskeyKeyTag } from './rdata/dnssec-records.js';
import { decodeSoa } from './rdata/soa.js';
import { decodeZonemd } from './rdata/zonemd.js';
import { rdataFromMessage } from './rdata/from-message.js';
import { rdataFromText, rdataToText } from './rdata.js';
import type { TextToken } from './rdata/text-token.js';
import { RRType, typeFromString } from './types.js';

/** Split presentation text into tokens the way the zone lexer does (quotes kept apart). */
function tokens(text: string): TextToken[] {
  const out: TextToken[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ text: m[1] ?? m[2]!, quoted: m[1] !== undefined, line: 1, col: m.index + 1 });
  }
  return out;
}

const origin = Name.fromText('example.');
const wire = (type: string, text: string): Uint8Array => rdataFromText(typeFromString(type)!, tokens(text), origin);

// One example per type; each must survive text → wire → text → wire unchanged.
const examples: [string, string][] = [
  ['A', '192.0.2.1'],
  ['AAAA', '2001:db8::1'],
  ['AAAA', '::ffff:192.0.2.1'],
  ['NS', 'ns1.example.'],
  ['CNAME', 'target.example.'],
  ['PTR', 'host.example.'],
  ['DNAME', 'other.example.'],
  ['SOA', 'a.root-servers.net. nstld.verisign-grs.com. 2026082200 1800 900 604800 86400'],
  ['MX', '10 mail.example.'],
  ['TXT', '"hello world" "with \\"quotes\\" and \\\\ and \\010"'],
  ['HINFO', '"PC" "Linux"'],
  ['SRV', '0 5 5060 sip.example.'],
  ['NAPTR', '100 10 "S" "SIP+D2U" "" _sip._udp.example.'],
  ['DS', '31852 8 2 89F7670AFC091B199B47900E4CE4135B9463B7F74D3D19A1C732E78C345D4DE6'],
  ['DNSKEY', '257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kv'],
  ['RRSIG', 'SOA 8 0 86400 20260904050000 20260822040000 57780 . IzZZ2+sfHQhSFdpiso17HfHITMQFxeqJean/hP+1yB1IV+O9MIHU3OIH'],
  ['NSEC', 'aarp. NS DS RRSIG NSEC'],
  ['NSEC', 'example. NS SOA RRSIG NSEC DNSKEY ZONEMD TYPE65534'],
  ['NSEC3', '1 1 12 AABBCCDD 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG'],
  ['NSEC3', '1 0 0 - 2vptu5timamqttgl4luu9kg21e0aor3s NS'],
  ['NSEC3PARAM', '1 0 0 -'],
  ['ZONEMD', '2026082200 1 1 DC86FDEF5C9EC66E96BD64FC75D2A6252D0CA207199BD75187A01B812A8EF3B41315AE095734D2A6C2745FF2825DC154'],
  ['SSHFP', '2 1 123456789ABCDEF67890123456789ABCDEF67890'],
  ['TLSA', '3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF'],
  ['CAA', '0 issue "ca.example.net"'],
  ['CDS', '0 0 0 00'],
  ['TYPE65280', '\\# 4 0A000001'],
];

describe('RDATA codecs', () => {
  it.each(examples)('%s %s round-trips text → wire → text → wire', (type, text) => {
    const t = typeFromString(type)!;
    const w1 = wire(type, text);
    const text2 = rdataToText(t, w1);
    const w2 = rdataFromText(t, tokens(text2), origin);
    expect(Buffer.from(w2).toString('hex')).toBe(Buffer.from(w1).toString('hex'));
    // And from a message (no compression in our wire RDATA) the same bytes come back.
    expect(Buffer.from(rdataFromMessage(t, w1, 0, w1.length)).toString('hex')).toBe(Buffer.from(w1).toString('hex'));
  });

  it('matches dns-packet wire encodings where dns-packet knows the type', () => {
    const cases: [string, string, unknown][] = [
      ['A', '192.0.2.1', '192.0.2.1'],
      ['AAAA', '2001:db8::1', '2001:db8::1'],
      ['NS', 'ns1.example.', 'ns1.example'],
      ['MX', '10 mail.example.', { preference: 10, exchange: 'mail.example' }],
      ['SOA', 'a.example. b.example. 1 2 3 4 5', { mname: 'a.example', rname: 'b.example', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }],
      ['TXT', '"a" "bc"', ['a', 'bc']],
      ['DS', '1 8 2 ABCD', { keyTag: 1, algorithm: 8, digestType: 2, digest: Buffer.from('abcd', 'hex') }],
      ['SRV', '1 2 3 t.example.', { priority: 1, weight: 2, port: 3, target: 't.example' }],
    ];
    for (const [type, text, data] of cases) {
      const msg = packet.encode({ type: 'response', id: 0, answers: [{ type: type as 'A', name: 'x', ttl: 1, data: data as string }] });
      const ours = wire(type, text);
      expect(Buffer.from(ours).toString('hex'), type).toBe(msg.subarray(msg.length - ours.length).toString('hex'));
    }
  });

  it('decodes the typed views used elsewhere', () => {
    const soa = decodeSoa(wire('SOA', 'a.root-servers.net. nstld.verisign-grs.com. 2026082200 1800 900 604800 86400'));
    expect([soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum]).toEqual([2026082200, 1800, 900, 604800, 86400]);
    const sig = decodeRrsig(wire('RRSIG', 'SOA 8 0 86400 20260904050000 20260822040000 57780 . AAAA'));
    expect(sig.typeCovered).toBe(RRType.SOA);
    expect(sig.expiration).toBe(Date.UTC(2026, 8, 4, 5) / 1000);
    expect(sig.keyTag).toBe(57780);
    expect(sig.signerName.isRoot()).toBe(true);
    expect(decodeNsec(wire('NSEC', 'aarp. NS DS RRSIG NSEC')).types).toEqual([2, 43, 46, 47]);
    expect(decodeZonemd(wire('ZONEMD', '1 1 1 ABCDEF')).digest.length).toBe(3);
    const key = wire('DNSKEY', '257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kv');
    expect(decodeDnskey(key).flags).toBe(257);
  });

  it('computes RFC 4034 Appendix B key tags (the real root KSK-2017 is 20326)', () => {
    const ksk2017 =
      '257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=';
    expect(dnskeyKeyTag(wire('DNSKEY', ksk2017))).toBe(20326);
  });

  it('canonical form lower-cases names in RRSIG and NS but not in NSEC next names (RFC 6840 §5.1)', () => {
    const ns = canonicalRdata(RRType.NS, wire('NS', 'NS1.Example.'));
    expect(Buffer.from(ns).toString('latin1')).toContain('ns1');
    const nsec = canonicalRdata(RRType.NSEC, wire('NSEC', 'NeXt.example. A'));
    expect(Buffer.from(nsec).toString('latin1')).toContain('NeXt');
    const sig = canonicalRdata(RRType.RRSIG, wire('RRSIG', 'A 8 1 1 20260101000000 20250101000000 1 EXAMPLE. AAAA'));
    expect(Buffer.from(sig).toString('latin1')).toContain('example');
  });

  it.each([
    ['A', '192.0.2', /IPv4/],
    ['A', '256.0.0.1', /IPv4/],
    ['AAAA', '2001:db8::g', /IPv6/],
    ['MX', '70000 mail.example.', /range/],
    ['DS', '1 8 2 ABC', /hex/],
    ['DNSKEY', '257 3 8 not*base64', /base64/],
    ['SOA', 'a. b. 1 2 3 4', /missing minimum/],
    ['NSEC', 'next. A BOGUS', /unknown type/],
    ['RRSIG', 'A 8 1 1 20261301000000 20250101000000 1 . AAAA', /expiration/],
    ['TXT', '"' + 'x'.repeat(256) + '"', /255/],
    ['NS', 'a..b.', /empty label/],
    ['A', '192.0.2.1 extra', /too many/],
  ])('%s %s is rejected with a clear error', (type, text, msg) => {
    expect(() => wire(type, text)).toThrow(RdataError);
    expect(() => wire(type, text)).toThrow(msg);
  });

  it('rejects truncated RDATA read from a message', () => {
    const w = wire('SOA', 'a.example. b.example. 1 2 3 4 5');
    expect(() => rdataFromMessage(RRType.SOA, w.subarray(0, w.length - 1), 0, w.length - 1)).toThrow(RdataError);
    expect(() => rdataFromMessage(RRType.A, Uint8Array.of(1, 2, 3), 0, 3)).toThrow(RdataError);
  });

  it('prints unknown types in RFC 3597 generic form', () => {
    expect(rdataToText(65280, Uint8Array.of(10, 0, 0, 1))).toBe('\\# 4 0A000001');
    expect(rdataToText(65280, new Uint8Array(0))).toBe('\\# 0');
  });
});

describe('Name', () => {
  // RFC 4034 §6.1: "the following names are sorted in canonical DNS name order".
  it('sorts the RFC 4034 §6.1 example in canonical order', () => {
    const ordered = ['example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.'];
    const names = ordered.map((n) => Name.fromText(n));
    const shuffled = [...names].reverse().sort(compareCanonical);
    expect(shuffled.map((n) => n.toString())).toEqual(names.map((n) => n.toString()));
  });

  it('handles escapes and limits', () => {
    expect(Name.fromText('a\\.b.example.').labelCount).toBe(2);
    expect(Name.fromText('\\065bc.').key).toBe('abc.');
    expect(() => Name.fromText('x'.repeat(64) + '.')).toThrow(NameError);
    expect(() => Name.fromText(('x'.repeat(63) + '.').repeat(4))).toThrow(/255/);
    expect(Name.fromText('WWW.Example.').equals(Name.fromText('www.example.'))).toBe(true);
    expect(Name.fromText('WWW.Example.').toString()).toBe('WWW.Example.');
  });

  it('rejects compression loops and forward pointers', () => {
    expect(() => Name.fromWire(Uint8Array.of(0xc0, 0x00), 0)).toThrow(/backwards/);
    expect(() => Name.fromWire(Uint8Array.of(1, 0x61, 0xc0, 0x00), 0)).toThrow(/backwards/);
    expect(() => Name.fromWire(Uint8Array.of(5, 0x61), 0)).toThrow(/past the end/);
  });
});

describe('MessageWriter', () => {
  const rr = (name: string, type: string, text: string) => ({ name: Name.fromText(name), type: typeFromString(type)!, class: 1, ttl: 3600, rdata: wire(type, text) });

  it('compresses repeated names and dns-packet reads the same records back', () => {
    const records = ['a', 'b', 'c', 'd'].map((l) => rr('com.', 'NS', `${l}.gtld-servers.net.`));
    const w = new MessageWriter();
    w.addQuestion(Name.fromText('www.example.com.'), RRType.A, 1);
    for (const r of records) expect(w.addRecord(r, Section.authority)).toBe(true);
    w.addRecord(rr('a.gtld-servers.net.', 'A', '192.5.6.30'), Section.additional);
    const msg = w.finish({ id: 7, flags: 0x8000 });
    const plain = 12 + 21 + records.reduce((n, r) => n + r.name.wire.length + 10 + r.rdata.length, 0) + 20 + 14;
    expect(msg.length).toBeLessThan(plain * 0.7);
    const p = packet.decode(Buffer.from(msg));
    expect(p.authorities!.map((a) => a.data)).toEqual(['a.gtld-servers.net', 'b.gtld-servers.net', 'c.gtld-servers.net', 'd.gtld-servers.net']);
    expect(p.additionals![0]!.name).toBe('a.gtld-servers.net');
  });

  it('refuses a record that does not fit and leaves the message intact', () => {
    const w = new MessageWriter(60);
    w.addQuestion(Name.fromText('com.'), RRType.NS, 1);
    expect(w.addRecord(rr('com.', 'NS', 'a.gtld-servers.net.'), Section.authority)).toBe(true);
    const before = w.length;
    expect(w.addRecord(rr('com.', 'NS', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.gtld-servers.net.'), Section.authority)).toBe(false);
    expect(w.length).toBe(before);
    const p = packet.decode(Buffer.from(w.finish({ id: 1, flags: 0x8000 })));
    expect(p.authorities).toHaveLength(1);
  });
});
