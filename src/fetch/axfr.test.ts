import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { FetchError } from './errors.js';
import { axfr, axfrQuery, querySoaSerial } from './axfr.js';
import { parseAxfrUrl } from './source.js';
import { systemClock } from '../clock.js';
import { TsigStreamSigner, verifyRequest } from '../dns/tsig.js';
import { TsigKeyring, algorithmByName, type TsigKey } from '../dns/tsig-keys.js';

// A tiny AXFR server for tests: writes the messages a scenario gives it, with
// compression pointers in owner names and NS/SOA RDATA.

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
const wire = (t: string): number[] => [...Name.fromText(t).wire];

interface Rec {
  owner: number[];
  type: number;
  cls?: number;
  ttl: number;
  rdata: number[];
}
function soa(serial: number): Rec {
  return { owner: [0], type: 6, ttl: 86400, rdata: [...wire('a.root-servers.net.'), ...wire('nstld.verisign-grs.com.'), ...u32(serial), ...u32(1800), ...u32(900), ...u32(604800), ...u32(86400)] };
}

/** One response message: header, the AXFR question for the root (optional), answers. */
function message(id: number, recs: Rec[], opts: { question?: boolean; rcode?: number; flags?: number; qtype?: number } = {}): Uint8Array {
  const question = opts.question ?? true;
  const flags = opts.flags ?? 0x8400 | (opts.rcode ?? 0);
  const out = [...u16(id), ...u16(flags), ...u16(question ? 1 : 0), ...u16(recs.length), 0, 0, 0, 0];
  if (question) out.push(0, ...u16(opts.qtype ?? 252), ...u16(1));
  for (const r of recs) out.push(...r.owner, ...u16(r.type), ...u16(r.cls ?? 1), ...u32(r.ttl), ...u16(r.rdata.length), ...r.rdata);
  return Uint8Array.from(out);
}

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

async function serve(respond: (id: number, sock: Socket, query: Uint8Array) => void): Promise<number> {
  server = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const q = buf.subarray(2, 2 + buf.readUInt16BE(0));
      respond(q.readUInt16BE(0), sock, new Uint8Array(q));
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function send(sock: Socket, ...msgs: Uint8Array[]): void {
  for (const m of msgs) sock.write(Buffer.from([...u16(m.length), ...m]));
}

// Owner "com." written at a known offset lets later names point to it.
function delegation(id: number, serial: number): Uint8Array {
  // header 12 + question 5 = 17: first record owner "com." at offset 17.
  const comOwner = wire('com.');
  const ns1 = { owner: comOwner, type: 2, ttl: 172800, rdata: [1, 0x61, 12, ...[...'gtld-servers'].map((c) => c.charCodeAt(0)), 0xc0, 17] }; // a.gtld-servers.com. via pointer to "com."
  const ns2 = { owner: [0xc0, 17], type: 2, ttl: 172800, rdata: [1, 0x62, 0xc0, 34] }; // b. + pointer into ns1's RDATA: 17 + owner 5 + fixed 10 + "\x01a" 2 = 34
  return message(id, [ns1, ns2, soa(serial)], { question: true });
}

describe('parseAxfrUrl / axfrQuery', () => {
  it('parses host, port, IPv6', () => {
    expect(parseAxfrUrl('axfr://lax.xfr.dns.icann.org')).toEqual({ host: 'lax.xfr.dns.icann.org', port: 53 });
    expect(parseAxfrUrl('axfr://127.0.0.2:5353')).toEqual({ host: '127.0.0.2', port: 5353 });
    expect(parseAxfrUrl('axfr://[2001:500:2::c]:53')).toEqual({ host: '2001:500:2::c', port: 53 });
    expect(() => parseAxfrUrl('axfr://host/com')).toThrow(/no path/);
  });
  it('builds an RD=0 AXFR query for the root', () => {
    expect([...axfrQuery(Name.root, 0x1234)]).toEqual([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 252, 0, 1]);
  });
});

describe('axfr', () => {
  it('transfers across several messages, decompressing names, dropping the closing SOA', async () => {
    const port = await serve((id, sock) => {
      send(sock, message(id, [soa(2026110100)]), delegation(id, 2026110100));
    });
    const r = await axfr({ host: '127.0.0.1', port });
    expect(r.serial).toBe(2026110100);
    expect(r.messages).toBe(2);
    expect(r.records.map((x) => `${x.name} ${x.type}`)).toEqual(['. 6', 'com. 2', 'com. 2']);
    expect(Name.fromUncompressedWire(r.records[1]!.rdata).toString()).toBe('a.gtld-servers.com.');
    expect(Name.fromUncompressedWire(r.records[2]!.rdata).toString()).toBe('b.gtld-servers.com.');
  });

  const cases: { name: string; respond: (id: number, s: Socket) => void; error: RegExp }[] = [
    { name: 'REFUSED', respond: (id, s) => send(s, message(id, [], { rcode: 5 })), error: /REFUSED: it does not allow AXFR/ },
    { name: 'wrong ID', respond: (id, s) => send(s, message(id ^ 1, [soa(1)])), error: /does not match the query ID/ },
    { name: 'first record not SOA', respond: (id, s) => send(s, message(id, [{ owner: wire('com.'), type: 2, ttl: 1, rdata: wire('a.b.') }])), error: /not the SOA/ },
    { name: 'closed before the closing SOA', respond: (id, s) => s.end(Buffer.from([...u16(message(id, [soa(1)]).length), ...message(id, [soa(1)])])), error: /closed mid-transfer/ },
    { name: 'closing SOA differs', respond: (id, s) => send(s, message(id, [soa(1), soa(2)])), error: /zone changed mid-transfer/ },
    { name: 'records after the closing SOA', respond: (id, s) => send(s, message(id, [soa(1), soa(1), soa(1)])), error: /after the closing SOA/ },
    { name: 'TC set', respond: (id, s) => send(s, message(id, [soa(1)], { flags: 0x8600 })), error: /TC set/ },
    {
      name: 'forward compression pointer',
      respond: (id, s) => send(s, message(id, [soa(1), { owner: [0xc0, 0x7f], type: 1, ttl: 1, rdata: [1, 2, 3, 4] }])),
      error: /does not point backwards/,
    },
    {
      name: 'RDATA past RDLENGTH',
      respond: (id, s) => {
        const m = message(id, [{ ...soa(1), rdata: soa(1).rdata.slice(0, 30) }]);
        send(s, m);
      },
      error: /RDATA|runs past the end/,
    },
  ];
  it.each(cases)('refuses: $name', async ({ respond, error }) => {
    const port = await serve(respond);
    const err = await axfr({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as Error).message).toMatch(error);
  });

  it('querySoaSerial asks for the SOA and insists on an authoritative answer', async () => {
    let port = await serve((id, s) => send(s, message(id, [soa(2026110107)], { qtype: 6 })));
    expect(await querySoaSerial({ host: '127.0.0.1', port })).toBe(2026110107);
    await new Promise((r) => server!.close(r));
    port = await serve((id, s) => send(s, message(id, [soa(2026110107)], { qtype: 6, flags: 0x8000 })));
    await expect(querySoaSerial({ host: '127.0.0.1', port })).rejects.toThrow(/not authoritative/);
  });

  it('caps total bytes and times out a stalled transfer', async () => {
    let port = await serve((id, s) => send(s, message(id, [soa(1)]), message(id, Array.from({ length: 200 }, () => ({ owner: wire('x.'), type: 1, ttl: 1, rdata: [1, 2, 3, 4] })), { question: false })));
    await expect(axfr({ host: '127.0.0.1', port }, { maxBytes: 1000 })).rejects.toThrow(/exceeds the 1000-byte cap/);
    await new Promise((r) => server!.close(r));
    port = await serve((id, s) => send(s, message(id, [soa(1)])));
    await expect(axfr({ host: '127.0.0.1', port }, { idleTimeoutMs: 200 })).rejects.toThrow(/stalled transfer/);
  });

  describe('with a TSIG key: the stream as a whole (RFC 8945 §5.3.1)', () => {
    const key: TsigKey = { name: Name.fromText('xfr-key.'), algorithm: algorithmByName('hmac-sha256')!, secret: new Uint8Array(randomBytes(32)), line: 0 };
    const opts = { clock: systemClock };

    /** Verifies our signed query, then writes each message signed ('s') or passed unsigned ('u'). */
    function signedServer(plan: readonly ('s' | 'u')[], messages: (id: number) => Uint8Array[]): (id: number, s: Socket, q: Uint8Array) => void {
      return (id, sock, query) => {
        const request = verifyRequest(query, new TsigKeyring([key]), opts);
        if (request.status !== 'verified') return void sock.destroy();
        const signer = new TsigStreamSigner(request, opts);
        send(sock, ...messages(id).map((m, i) => (plan[i] === 's' ? signer.sign(m) : signer.pass(m))));
      };
    }
    const three = (id: number): Uint8Array[] => [message(id, [soa(7)]), message(id, [{ owner: wire('x.'), type: 1, ttl: 1, rdata: [192, 0, 2, 1] }], { question: false }), message(id, [soa(7)], { question: false })];

    it('unsigned messages between signed ones are accepted once the next MAC covers them', async () => {
      const port = await serve(signedServer(['s', 'u', 's'], three));
      const r = await axfr({ host: '127.0.0.1', port }, { tsig: key });
      expect(r.records.map((x) => `${x.name} ${x.type}`)).toEqual(['. 6', 'x. 1']);
      expect(r.tsig).toEqual({ key: key.name, signedMessages: 2 });
    });

    it('a last message left unsigned fails closed, though the records are all there', async () => {
      const port = await serve(signedServer(['s', 'u', 'u'], three));
      const err = await axfr({ host: '127.0.0.1', port }, { tsig: key }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FetchError);
      expect((err as Error).message).toMatch(/our TSIG check failed: UNSIGNED: the last 2 message\(s\) of the response are unsigned/);
    });
  });
});
