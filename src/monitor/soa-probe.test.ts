import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRoot } from '../../test/helpers/fake-root.js';
import { canonicalAddress } from '../fetch/dns-exchange.js';
import { buildSoaQuery, parseSoaResponse, probeSoa, ProbeError } from './soa-probe.js';
import { parseRootHints, rootTargets, RootHintsError } from './root-hints.js';
import { readFileSync } from 'node:fs';

const fast = { timeoutMs: 300, retryDelayMs: 50 };

describe('probeSoa against a fake root', () => {
  let root: FakeRoot;
  beforeAll(async () => {
    root = await FakeRoot.start('127.0.2.1', 0, { serial: 2026082201 });
  });
  afterAll(() => root.close());
  const target = () => ({ server: 'x.', address: '127.0.2.1', port: root.port });

  it('reads the serial over UDP', async () => {
    root.config = { serial: 2026082201 };
    expect(await probeSoa(target(), fast)).toMatchObject({ ok: true, serial: 2026082201, transport: 'udp' });
  });

  it('falls back to TCP on TC', async () => {
    root.config = { serial: 7, mode: 'truncate' };
    expect(await probeSoa(target(), fast)).toMatchObject({ ok: true, serial: 7, transport: 'tcp' });
  });

  it('reads the SOA RRSIG inception', async () => {
    const inc = Date.UTC(2026, 7, 22, 16);
    root.config = { serial: 7, sigInception: inc };
    const r = await probeSoa(target(), { ...fast, nowMs: inc + 3600_000 });
    expect(r).toMatchObject({ ok: true, sigInception: inc });
  });

  it('times out on silence, retrying once (two queries, not more)', async () => {
    root.config = { serial: 7, mode: 'silent' };
    root.queries = 0;
    const r = await probeSoa(target(), fast);
    expect(r).toMatchObject({ ok: false, error: 'timeout after 300 ms (udp)' });
    expect(root.queries).toBe(2);
  });

  it('ignores an answer with the wrong ID (then times out)', async () => {
    root.config = { serial: 7, mode: 'bad-id' };
    expect(await probeSoa(target(), { ...fast, retries: 0 })).toMatchObject({ ok: false, error: /timeout/ });
  });

  it('refuses a non-authoritative answer and a SERVFAIL without retrying', async () => {
    root.config = { serial: 7, mode: 'no-aa' };
    root.queries = 0;
    expect(await probeSoa(target(), fast)).toMatchObject({ ok: false, error: /AA bit clear/ });
    expect(root.queries).toBe(1);
    root.config = { serial: 7, mode: 'servfail' };
    expect(await probeSoa(target(), fast)).toMatchObject({ ok: false, error: 'rcode 2' });
  });

  it('classifies what a captive network sends as intercepted, once, without retrying: NXDOMAIN without AA, REFUSED, a non-AA SOA', async () => {
    for (const [mode, error] of [
      ['captive-nxdomain', /^looks intercepted: NXDOMAIN without AA/],
      ['refused', /^looks intercepted: REFUSED/],
      ['captive-soa', /^looks intercepted: .*AA bit clear/],
      ['no-aa', /^looks intercepted: .*AA bit clear/],
    ] as const) {
      root.config = { serial: 7, mode };
      root.queries = 0;
      expect(await probeSoa(target(), fast), mode).toMatchObject({ ok: false, intercepted: true, error });
      expect(root.queries, mode).toBe(1);
    }
  });

  it('silence and SERVFAIL are not interception', async () => {
    root.config = { serial: 7, mode: 'silent' };
    expect(await probeSoa(target(), { ...fast, retries: 0 })).toMatchObject({ ok: false, intercepted: false });
    root.config = { serial: 7, mode: 'servfail' };
    expect(await probeSoa(target(), fast)).toMatchObject({ ok: false, intercepted: false });
  });

});

describe('canonicalAddress', () => {
  it('compares IPv6 sources in RFC 5952 form', () => {
    expect(canonicalAddress('2001:0503:BA3E:0:0:0:2:30')).toBe('2001:503:ba3e::2:30');
    expect(canonicalAddress('::1')).toBe('::1');
    expect(canonicalAddress('127.0.1.1')).toBe('127.0.1.1');
  });
});

describe('parseSoaResponse', () => {
  const q = buildSoaQuery(0x1234, true);
  it('rejects a short packet, a query echoed back, and a wrong question', () => {
    expect(() => parseSoaResponse(new Uint8Array(5), 0x1234)).toThrow(ProbeError);
    expect(() => parseSoaResponse(q, 0x1234)).toThrow(/QR bit clear/);
    const r = Uint8Array.from(q);
    r[2] = 0x84;
    r[14] = 2; // qtype NS
    expect(() => parseSoaResponse(r, 0x1234)).toThrow(/not `\. IN SOA`/);
  });
  it('rejects an authoritative empty answer', () => {
    const r = Uint8Array.from(q.subarray(0, 17));
    r[2] = 0x84;
    r[11] = 0;
    expect(() => parseSoaResponse(r, 0x1234)).toThrow(/no SOA/);
  });
});

describe('root hints', () => {
  it('reads the IANA hints: 13 servers, each with IPv4 and IPv6', () => {
    const s = parseRootHints(readFileSync(new URL('../../test/fixtures/keys/root.hints', import.meta.url), 'utf8'));
    expect(s.map((x) => x.name[0]).join('')).toBe('abcdefghijklm');
    expect(s[0]).toEqual({ name: 'a.root-servers.net.', ipv4: ['198.41.0.4'], ipv6: ['2001:503:ba3e::2:30'] });
    expect(s.every((x) => x.ipv4.length === 1 && x.ipv6.length === 1)).toBe(true);
    expect(rootTargets(s)).toHaveLength(26);
    expect(rootTargets(s, 53, '4').every((t) => t.port === 53 && !t.address.includes(':'))).toBe(true);
  });
  it('reads the fake-roots file and refuses broken ones with file:line', () => {
    const s = parseRootHints(readFileSync(new URL('../../test/fixtures/monitor/fake-roots.hints', import.meta.url), 'utf8'));
    expect(rootTargets(s, 5353).map((t) => t.address)).toEqual(Array.from({ length: 13 }, (_, i) => `127.0.1.${i + 1}`));
    expect(() => parseRootHints('. NS a.\na. A 300.1.1.1\n', 'h')).toThrow(new RootHintsError('h:2: "300.1.1.1" is not an IPv4 address'));
    expect(() => parseRootHints('. NS a.\n', 'h')).toThrow(/no address for a\./);
    expect(() => parseRootHints('a. A 192.0.2.1\n', 'h')).toThrow(/no "\." NS/);
    expect(() => parseRootHints('. 3600 IN MX a.\n', 'h')).toThrow(/unexpected type MX/);
  });
});

describe('parseSoaResponse on hostile input', () => {
  // A valid answer: header (ID 0x1234, QR AA), `. IN SOA`, one SOA with a compressed RNAME.
  const valid = Uint8Array.from([
    0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
    0, 0, 6, 0, 1,
    0, 0, 6, 0, 1, 0, 1, 0x51, 0x80, 0, 30,
    1, 97, 4, 114, 111, 111, 116, 0, // a.root.
    0xc0, 30, // pointer back to "root."
    0x78, 0xc2, 0x9b, 0x59, 0, 0, 7, 8, 0, 0, 3, 0x84, 0, 9, 0x3a, 0x80, 0, 1, 0x51, 0x80,
  ]);

  it('reads the hand-built answer (compressed RNAME)', () => {
    expect(parseSoaResponse(valid, 0x1234)).toEqual({ serial: 2026019673 });
  });

  it('every truncation is refused with an Error', () => {
    for (let n = 0; n < valid.length; n++) expect(() => parseSoaResponse(valid.subarray(0, n), 0x1234)).toThrow(Error);
  });

  it('random corruption never escapes as anything but an Error, and a returned serial always came from an SOA', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      const m = Uint8Array.from(valid);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      try {
        const r = parseSoaResponse(m, 0x1234);
        if (r !== 'truncated') {
          accepted++;
          expect(typeof r.serial).toBe('number');
        }
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
    expect(accepted).toBeGreaterThan(0); // corruption of the serial or TTL bytes is undetectable, and fine
  });
});
