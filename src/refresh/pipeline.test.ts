import { describe, expect, it } from 'vitest';
import { CheckError, checkSourcesAgainstLayers, layersFor, parseLayers } from './pipeline.js';
import { createZonePipeline, mayHoldZonemd, type LayerVerifiers } from './zone-pipeline.js';

describe('--verify and sources', () => {
  it('parses layer lists', () => {
    expect(parseLayers('pgp,zonemd,dnssec')).toEqual(['pgp', 'zonemd', 'dnssec']);
    expect(parseLayers('none')).toEqual([]);
    expect(parseLayers('all')).toEqual(['pgp', 'zonemd', 'dnssec']);
    expect(parseLayers('DNSSEC, zonemd,dnssec')).toEqual(['dnssec', 'zonemd']);
    expect(() => parseLayers('pgp,md5')).toThrow(/unknown layer "md5"/);
    expect(() => parseLayers('')).toThrow(/empty/);
  });
  it('refuses axfr:// sources unless both zonemd and dnssec are verified', () => {
    expect(() => checkSourcesAgainstLayers(['axfr://lax.xfr.dns.icann.org'], ['pgp', 'zonemd', 'dnssec'])).not.toThrow();
    expect(() => checkSourcesAgainstLayers(['axfr://lax.xfr.dns.icann.org'], ['pgp', 'dnssec'])).toThrow(/must include both zonemd and dnssec/);
    expect(() => checkSourcesAgainstLayers(['axfr://127.0.0.1:53'], [])).toThrow(/must include both/);
    expect(() => checkSourcesAgainstLayers(['https://www.internic.net/domain/root.zone'], [])).not.toThrow();
    expect(() => checkSourcesAgainstLayers(['ftp://x/root.zone'], ['pgp'])).toThrow(/unsupported scheme ftp:/);
  });
  it('PGP does not apply to AXFR copies', () => {
    expect(layersFor('axfr', ['pgp', 'zonemd', 'dnssec'])).toEqual(['zonemd', 'dnssec']);
    expect(layersFor('http', ['pgp', 'zonemd', 'dnssec'])).toEqual(['pgp', 'zonemd', 'dnssec']);
  });
});

describe('createZonePipeline: cheap checks before the parse', () => {
  const verifiers = (pgpOk: boolean): LayerVerifiers => ({
    pgp: () => Promise.resolve({ ok: pgpOk, detail: pgpOk ? 'good signature' : 'bad signature', ms: 0 }),
    zonemd: () => Promise.reject(new Error('not reached in these tests')),
    dnssec: () => Promise.reject(new Error('not reached in these tests')),
  });
  // Not a zone at all: parsing it would throw a ParseError, so a CheckError proves the parser was not reached.
  const garbage = new TextEncoder().encode('this is not a master file (((\n');
  const candidate = { bytes: garbage, signature: new Uint8Array([1]), source: 'test', transport: 'http' as const };

  it('a failed PGP check stops before the parser', async () => {
    const p = createZonePipeline({ layers: ['pgp', 'zonemd'], dnssec: 'keep', verifiers: verifiers(false) });
    await expect(p.check(candidate, 0)).rejects.toThrow(/^pgp: bad signature$/);
    expect(p.lastTimings.parse).toBeUndefined();
  });
  it('a copy with no ZONEMD record is refused before the parser when zonemd is verified', async () => {
    const p = createZonePipeline({ layers: ['pgp', 'zonemd'], dnssec: 'keep', verifiers: verifiers(true) });
    const err = await p.check(candidate, 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toMatch(/^zonemd: no ZONEMD record in the copy \(fail closed, found before parsing\)/);
    expect((err as CheckError).layers.zonemd?.ok).toBe(false);
    expect(p.lastTimings.parse).toBeUndefined();
  });
  it('ZONEMD or TYPE63 in any case may be a ZONEMD record; the full check decides', () => {
    expect(mayHoldZonemd(new TextEncoder().encode('. 86400 IN zonemd 1 1 1 AB'))).toBe(true);
    expect(mayHoldZonemd(new TextEncoder().encode('. 86400 IN TYPE63 \\# 0'))).toBe(true);
    expect(mayHoldZonemd(new TextEncoder().encode('. 86400 IN SOA a. b. 1 2 3 4 5\nzonemdx. 1 IN A 1.2.3.4'))).toBe(false);
  });
  it('--max-records reaches the parser', async () => {
    const zone = new TextEncoder().encode(['. 60 IN SOA a. b. 1 2 3 4 5', '. 60 IN NS a.', 'a. 60 IN A 192.0.2.1'].join('\n') + '\n');
    const p = createZonePipeline({ layers: [], dnssec: 'keep', verifiers: verifiers(true), maxRecords: 2 });
    await expect(p.check({ ...candidate, bytes: zone }, 0)).rejects.toThrow(/more than 2 records.*raise --max-records/);
  });
});
