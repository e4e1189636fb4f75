import { describe, expect, it } from 'vitest';
import { checkSourcesAgainstLayers } from './config.js';

describe('sources against --verify', () => {
  it('refuses axfr:// sources unless both zonemd and dnssec are verified', () => {
    expect(() => checkSourcesAgainstLayers(['axfr://lax.xfr.dns.icann.org'], ['pgp', 'zonemd', 'dnssec'])).not.toThrow();
    expect(() => checkSourcesAgainstLayers(['axfr://lax.xfr.dns.icann.org'], ['pgp', 'dnssec'])).toThrow(/must include both zonemd and dnssec/);
    expect(() => checkSourcesAgainstLayers(['axfr://127.0.0.1:53'], [])).toThrow(/must include both/);
    expect(() => checkSourcesAgainstLayers(['https://www.internic.net/domain/root.zone'], [])).not.toThrow();
    expect(() => checkSourcesAgainstLayers(['ftp://x/root.zone'], ['pgp'])).toThrow(/unsupported scheme ftp:/);
  });
});
