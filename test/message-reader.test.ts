import packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { MessageError, readMessage } from './helpers/message-reader.js';
import { MessageWriter, Section } from '../src/dns/message-writer.js';
import { Name } from '../src/dns/name.js';
import { rdataFromText, rdataToText } from '../src/dns/rdata.js';
import type { TextToken } from '../src/dns/rdata/text-token.js';
import { RRType, typeFromString } from '../src/dns/types.js';

const tok = (text: string): TextToken[] => text.split(' ').map((t, i) => ({ text: t, quoted: false, line: 1, col: i + 1 }));
const rr = (name: string, type: string, text: string) => ({
  name: Name.fromText(name),
  type: typeFromString(type)!,
  class: 1,
  ttl: 172800,
  rdata: rdataFromText(typeFromString(type)!, tok(text), Name.root),
});

describe('readMessage', () => {
  it('reads a compressed dns-packet response with EDNS, record for record', () => {
    const buf = packet.encode({
      type: 'response',
      id: 0xbeef,
      flags: packet.AUTHORITATIVE_ANSWER | packet.DNSSEC_OK,
      questions: [{ type: 'NS', name: 'com' }],
      answers: [
        { type: 'NS', name: 'com', ttl: 172800, data: 'a.gtld-servers.net' },
        { type: 'NS', name: 'com', ttl: 172800, data: 'b.gtld-servers.net' },
      ],
      additionals: [
        { type: 'A', name: 'a.gtld-servers.net', ttl: 172800, data: '192.5.6.30' },
        { type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK, options: [{ code: 10, data: Buffer.alloc(8, 1) }] },
      ],
    });
    const m = readMessage(Uint8Array.from(buf));
    expect(m.header.id).toBe(0xbeef);
    expect(m.header.qr && m.header.aa).toBe(true);
    expect(m.questions.map((q) => [q.name.toString(), q.type, q.class])).toEqual([['com.', RRType.NS, 1]]);
    // dns-packet compresses the NS targets' common suffix; we hand back uncompressed RDATA.
    expect(m.answers.map((a) => rdataToText(a.type, a.rdata))).toEqual(['a.gtld-servers.net.', 'b.gtld-servers.net.']);
    expect(m.answers[1]!.rdata.length).toBe(20);
    expect(m.additionals).toHaveLength(1);
    expect(rdataToText(RRType.A, m.additionals[0]!.rdata)).toBe('192.5.6.30');
    expect(m.edns).toMatchObject({ udpPayloadSize: 1232, version: 0, dnssecOk: true });
    expect(m.edns!.options.length).toBe(12);
    expect(m.rcode).toBe(0);
  });

  it('reads back what MessageWriter wrote (SOA with both names compressed)', () => {
    const w = new MessageWriter();
    w.addQuestion(Name.root, RRType.SOA, 1);
    const soa = rr('.', 'SOA', 'a.root-servers.net. nstld.verisign-grs.com. 2026082200 1800 900 604800 86400');
    const ns = rr('.', 'NS', 'a.root-servers.net.');
    w.addRecord(soa, Section.answer);
    w.addRecord(ns, Section.authority);
    const m = readMessage(w.finish({ id: 1, flags: 0x8400 }));
    expect(Buffer.from(m.answers[0]!.rdata)).toEqual(Buffer.from(soa.rdata));
    expect(Buffer.from(m.authorities[0]!.rdata)).toEqual(Buffer.from(ns.rdata));
  });

  it('combines the extended RCODE from OPT (BADVERS = 16)', () => {
    const buf = packet.encode({
      type: 'response',
      id: 1,
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 512, extendedRcode: 1 } as packet.Answer],
    });
    expect(readMessage(Uint8Array.from(buf)).rcode).toBe(16);
  });

  const base = (): Uint8Array =>
    Uint8Array.from(
      packet.encode({
        type: 'response',
        id: 2,
        questions: [{ type: 'A', name: 'x' }],
        answers: [{ type: 'A', name: 'x', ttl: 1, data: '192.0.2.1' }],
      }),
    );

  it.each<[string, (m: Uint8Array) => Uint8Array, RegExp]>([
    ['a short header', (m) => m.subarray(0, 11), /shorter than a DNS header/],
    ['a truncated record', (m) => m.subarray(0, m.length - 1), /runs past the end/],
    ['trailing octets', (m) => Uint8Array.from([...m, 0]), /1 octets after the last record/],
    ['a count larger than the records', (m) => ((m = Uint8Array.from(m)), (m[7] = 2), m), /ends inside|bad owner/],
    ['an A record with 3 octets of RDATA', (m) => ((m = Uint8Array.from(m.subarray(0, m.length - 1))), (m[m.length - 4] = 3), m), /bad RDATA/],
    ['a forward compression pointer', (m) => ((m = Uint8Array.from(m)), (m[12] = 0xc0), (m[13] = 0x20), m), /points backwards|bad question name/],
  ])('rejects %s', (_what, mangle, msg) => {
    const m = mangle(base());
    expect(() => readMessage(m)).toThrow(MessageError);
    expect(() => readMessage(m)).toThrow(msg);
  });

  it('rejects OPT outside the additional section and a second OPT', () => {
    const opt = { type: 'OPT', name: '.', udpPayloadSize: 1232 } as packet.Answer;
    expect(() => readMessage(Uint8Array.from(packet.encode({ type: 'response', answers: [opt] })))).toThrow(/OPT record in the answer/);
    expect(() => readMessage(Uint8Array.from(packet.encode({ type: 'response', additionals: [opt, opt] })))).toThrow(/more than one OPT/);
  });

  it('rejects a compressed RRSIG signer name (RFC 4034 §3.1.7)', () => {
    const sig = rdataFromText(RRType.RRSIG, tok('A 8 1 3600 20260101000000 20250101000000 1 example. AAAA'), Name.root);
    const w = new MessageWriter();
    w.addQuestion(Name.fromText('example.'), RRType.A, 1);
    w.addRecord({ name: Name.fromText('example.'), type: RRType.RRSIG, class: 1, ttl: 1, rdata: sig }, Section.answer);
    const ok = w.finish({ id: 0, flags: 0x8000 });
    expect(readMessage(ok).answers).toHaveLength(1);
    // Replace the signer name (9 octets: 7example0) by a pointer to the question name at 12.
    const at = ok.length - 3 - 9;
    expect(ok[at]).toBe(7);
    const bad = Uint8Array.from([...ok.subarray(0, at), 0xc0, 12, ...ok.subarray(at + 9)]);
    const rdlenAt = at - 18 - 2;
    bad[rdlenAt + 1] = bad[rdlenAt + 1]! - 7;
    expect(() => readMessage(bad)).toThrow(/compress/);
  });
});
