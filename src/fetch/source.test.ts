import { describe, expect, it } from 'vitest';
import { parseSource } from './source.js';

describe('parseSource: one --source URL, parsed once', () => {
  it('http(s) sources: kind, address, display with the password redacted', () => {
    const s = parseSource('https://user:secret@www.internic.net/domain/root.zone');
    expect(s.kind).toBe('http');
    expect(s.url).toBe('https://user:secret@www.internic.net/domain/root.zone');
    expect(s.display).toBe('https://user:***@www.internic.net/domain/root.zone');
    expect(s.axfr).toBeUndefined();
    expect(parseSource('http://127.0.0.1:8080/root.zone.gz').kind).toBe('http');
  });
  it('axfr:// sources: kind and target; PGP does not apply', () => {
    const s = parseSource('axfr://[2001:500:2::c]:5353');
    expect(s.kind).toBe('axfr');
    expect(s.axfr).toEqual({ host: '2001:500:2::c', port: 5353 });
    expect(s.tsigKey).toBeUndefined();
  });
  it('an optional ?tsig=NAME on axfr:// is a key name, checked now', () => {
    expect(parseSource('axfr://127.0.0.1?tsig=xfr-key.example.').tsigKey?.toString()).toBe('xfr-key.example.');
    expect(() => parseSource('axfr://127.0.0.1?tsig=a..b')).toThrow(/--source axfr:\/\/127\.0\.0\.1\?tsig=a\.\.b: tsig=a\.\.b is not a key name/);
    expect(() => parseSource('axfr://127.0.0.1?tsig=')).toThrow(/is not a key name/);
  });
  it('refuses what is not a source, in one line naming the option', () => {
    expect(() => parseSource('not a url')).toThrow(/^--source not a url: not a URL$/);
    expect(() => parseSource('ftp://x/root.zone')).toThrow(/--source ftp:\/\/x\/root\.zone: unsupported scheme ftp: \(use http:\/\/, https:\/\/ or axfr:\/\/\)/);
    expect(() => parseSource('axfr://host/com')).toThrow(/no path/);
  });
});
