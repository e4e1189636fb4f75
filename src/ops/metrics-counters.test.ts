// Every counter the server keeps reaches /metrics: each numeric field of
// src/server/counters.ts gets a distinct value, and each value must show up as
// a sample in the exposition (so a counter added later cannot be dropped silently),
// which promtool must still accept.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ServerCounters } from '../server/counters.js';
import { renderMetrics } from './metrics.js';
import { OpsState } from './status.js';

describe('server counters in /metrics', () => {
  it('every numeric counter of the server has a sample with its value', () => {
    const c = new ServerCounters();
    const fields = Object.keys(c).filter((k) => typeof (c as unknown as Record<string, unknown>)[k] === 'number');
    expect(fields.length).toBeGreaterThanOrEqual(13);
    fields.forEach((k, i) => ((c as unknown as Record<string, number>)[k] = 1000 + i));
    c.countQuery('udp', 1, 0);
    const state = new OpsState();
    state.counters = c;
    const text = renderMetrics(state.snapshot());
    const samples = new Map(
      text
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => [Number(l.slice(l.lastIndexOf(' ') + 1)), l.slice(0, l.lastIndexOf(' '))] as const),
    );
    const missing = fields.filter((k, i) => !samples.has(1000 + i));
    expect(missing, `server counters without a metric: ${missing.join(', ')}`).toEqual([]);
    expect(text).toContain('rootmirror_dns_queries_total{transport="udp",qtype="A",rcode="NOERROR"} 1\n');
    if (spawnSync('promtool', ['--version']).status === 0) {
      const p = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(p.stdout + p.stderr).toBe('');
      expect(p.status).toBe(0);
    }
  });
});
