import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { createLogger, rateLimited } from './log.js';

function sink(isTTY = false) {
  const lines: string[] = [];
  return { lines, isTTY, write: (l: string) => lines.push(l) };
}

describe('createLogger', () => {
  const clock = new ManualClock(Date.UTC(2026, 7, 22, 12, 0, 0));

  it('writes JSON lines when the sink is not a TTY', () => {
    const s = sink(false);
    const log = createLogger({ sink: s, clock }).child({ component: 'monitor' });
    log.warn('state changed', { state: 'WARNING', err: new Error('boom', { cause: new Error('inner') }) });
    expect(s.lines).toHaveLength(1);
    expect(JSON.parse(s.lines[0]!)).toEqual({
      time: '2026-08-22T12:00:00.000Z',
      level: 'warn',
      msg: 'state changed',
      component: 'monitor',
      state: 'WARNING',
      err: 'boom (cause: inner)',
    });
  });

  it('writes readable lines on a TTY and filters by level', () => {
    const s = sink(true);
    const log = createLogger({ sink: s, clock, level: 'info' });
    log.debug('hidden');
    log.info('serving', { serial: 2026082201, reason: 'two words' });
    expect(s.lines).toEqual(['2026-08-22T12:00:00.000Z INFO  serving serial=2026082201 reason="two words"\n']);
  });

  it('does not let a field overwrite time, level or msg', () => {
    const s = sink(false);
    createLogger({ sink: s, clock }).info('m', { level: 'x', msg: 'y' });
    const o = JSON.parse(s.lines[0]!) as Record<string, unknown>;
    expect(o.level).toBe('info');
    expect(o.msg).toBe('m');
  });
});

describe('rateLimited', () => {
  it('lets a burst through, then reports the suppressed count in the next window', () => {
    const clock = new ManualClock(0);
    const s = sink(false);
    const rl = rateLimited(createLogger({ sink: s, clock }), { intervalMs: 1000, burst: 2, clock });
    for (let i = 0; i < 5; i++) rl.warn('bad', 'malformed');
    rl.warn('other', 'other key');
    expect(s.lines).toHaveLength(3);
    clock.advance(1000);
    rl.warn('bad', 'malformed');
    expect(s.lines).toHaveLength(4);
    expect(JSON.parse(s.lines[3]!).suppressed).toBe(3);
  });

  it('never writes the password of a URL (a --source with userinfo), in the message or a field, JSON or text', () => {
    for (const tty of [false, true]) {
      const s = sink(tty);
      const src = 'https://user:secret@mirror.example/root.zone';
      createLogger({ sink: s, clock: new ManualClock(0) }).error(`refresh from ${src} failed: HTTP 503`, { source: src, error: new Error(`GET ${src}: 503`) });
      expect(s.lines[0]).not.toContain('secret');
      expect(s.lines[0]).toContain('https://user:***@mirror.example/root.zone');
    }
  });
});
