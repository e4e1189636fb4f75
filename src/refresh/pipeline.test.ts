import { describe, expect, it } from 'vitest';
import { checkSourcesAgainstLayers, layersFor, parseLayers } from './pipeline.js';

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
