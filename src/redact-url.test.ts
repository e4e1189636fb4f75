import { describe, expect, it } from 'vitest';
import { statusDocument, OpsState } from './ops/status.js';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['https://user:secret@mirror.example/root.zone', 'https://user:***@mirror.example/root.zone'],
    ['https://:secret@mirror.example/root.zone', 'https://:***@mirror.example/root.zone'],
    ['https://user@mirror.example/root.zone', 'https://user@mirror.example/root.zone'],
    ['https://www.internic.net/domain/root.zone', 'https://www.internic.net/domain/root.zone'],
    ['axfr://192.0.2.1:53', 'axfr://192.0.2.1:53'],
    ['not a url', 'not a url'],
  ])('%s → %s', (input, out) => expect(redactUrl(input)).toBe(out));
});

describe('/status shows no password of a --source URL', () => {
  it('in the served source, the last refresh and its error', () => {
    const src = 'https://user:secret@mirror.example/root.zone';
    const s = new OpsState();
    s.serving = true;
    s.zone = { serial: 1, source: src };
    s.onRefresh({ outcome: 'failed', serial: 1, source: src, layers: undefined, durationMs: 1, error: new Error(`every source failed: ${src}: HTTP 503`) });
    s.onAlarm({ kind: 'serial-rollback', source: src, serial: 0, message: `serial 0 from ${src} is lower` });
    const text = JSON.stringify(statusDocument(s.snapshot()));
    expect(text).not.toContain('secret');
    expect(text).toContain('https://user:***@mirror.example/root.zone');
  });
});
