import { describe, expect, it } from 'vitest';
import { parseLayers } from './mirror-options.js';

describe('--verify', () => {
  it('parses layer lists', () => {
    expect(parseLayers('pgp,zonemd,dnssec')).toEqual(['pgp', 'zonemd', 'dnssec']);
    expect(parseLayers('none')).toEqual([]);
    expect(parseLayers('all')).toEqual(['pgp', 'zonemd', 'dnssec']);
    expect(parseLayers('DNSSEC, zonemd,dnssec')).toEqual(['dnssec', 'zonemd']);
    expect(() => parseLayers('pgp,md5')).toThrow(/unknown layer "md5"/);
    expect(() => parseLayers('')).toThrow(/empty/);
  });
});
