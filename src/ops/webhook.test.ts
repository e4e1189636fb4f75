import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { DriftReport, MonitorState } from '../monitor/drift.js';
import { WebhookAlerter, type AlertPayload } from './webhook.js';

const H = 3600_000;

function report(state: MonitorState, at: number): DriftReport {
  return {
    at, state, reason: `${state} because`, ourSerial: 1, liveSerial: 2, behind: state !== 'OK', behindSince: undefined, behindMs: state === 'OK' ? 0 : 7_200_500,
    ageMs: 0, expiresInMs: undefined, rootsAsked: 13, rootsAnswered: 13, rootsMatching: 13, roots: [], disagreeing: [], silent: [],
  };
}

function harness(statuses: (number | Error)[]) {
  const clock = new ManualClock(0);
  const posts: AlertPayload[] = [];
  const sleeps: number[] = [];
  const a = new WebhookAlerter({
    url: 'http://127.0.0.1:9/hook',
    clock,
    host: 'h',
    backoffMs: 1000,
    post: async (_url, body) => {
      posts.push(JSON.parse(body) as AlertPayload);
      const s = statuses.shift() ?? 200;
      if (s instanceof Error) throw s;
      return s;
    },
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { clock, posts, sleeps, a };
}

describe('WebhookAlerter', () => {
  it('gives up after 3 tries with exponential backoff, counting a failure', async () => {
    const h = harness([500, new Error('ECONNREFUSED'), 503]);
    await h.a.observe(report('CRITICAL', 0));
    expect(h.posts).toHaveLength(3);
    expect(h.sleeps).toEqual([1000, 2000]);
    expect(h.a.failures).toBe(1);
    expect(h.a.sent).toBe(0);
  });

  it('says nothing for a first OK, alerts on change and recovery, reminds at most daily', async () => {
    const h = harness([]);
    await h.a.observe(report('OK', 0));
    await h.a.observe(report('OK', 1));
    expect(h.posts).toEqual([]);
    await h.a.observe(report('WARNING', 2));
    h.clock.set(23 * H);
    await h.a.observe(report('WARNING', 23 * H));
    h.clock.set(24 * H + 2);
    await h.a.observe(report('WARNING', 24 * H + 2));
    h.clock.set(25 * H);
    await h.a.observe(report('WARNING', 25 * H));
    await h.a.observe(report('OK', 25 * H));
    expect(h.posts.map((p) => `${p.kind}:${p.previous}->${p.state}`)).toEqual(['change:OK->WARNING', 'reminder:WARNING->WARNING', 'recovery:WARNING->OK']);
    expect(h.posts[0]).toEqual({ kind: 'change', state: 'WARNING', previous: 'OK', reason: 'WARNING because', serial: 1, liveSerial: 2, behindSeconds: 7201, at: '1970-01-01T00:00:00.000Z', host: 'h' });
  });

  it('a first non-OK report alerts with previous null', async () => {
    const h = harness([]);
    await h.a.observe(report('UNKNOWN', 0));
    expect(h.posts[0]).toMatchObject({ kind: 'change', state: 'UNKNOWN', previous: null });
  });

  it('refuses a non-HTTP URL', () => {
    expect(() => new WebhookAlerter({ url: 'file:///etc/passwd' })).toThrow(/http\(s\) URL/);
  });
});
