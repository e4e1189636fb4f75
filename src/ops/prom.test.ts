import { describe, expect, it } from 'vitest';
import { Exposition, escapeLabelValue } from './prom.js';

describe('Exposition', () => {
  it('writes HELP/TYPE once and escapes label values and help text', () => {
    const t = new Exposition()
      .family('x_total', 'counter', 'a \\ help\nline', [[{ path: 'C:\\a"b"\nc' }, 3]])
      .single('y_seconds', 'gauge', 'y', undefined)
      .single('z', 'gauge', 'z', -Infinity)
      .text();
    expect(t).toBe(
      '# HELP x_total a \\\\ help\\nline\n# TYPE x_total counter\nx_total{path="C:\\\\a\\"b\\"\\nc"} 3\n' +
        '# HELP y_seconds y\n# TYPE y_seconds gauge\n# HELP z z\n# TYPE z gauge\nz -Inf\n',
    );
    expect(escapeLabelValue('plain')).toBe('plain');
  });
  it('refuses counters without _total, gauges with it, bad names, and a family twice', () => {
    expect(() => new Exposition().single('x', 'counter', 'h', 1)).toThrow(/_total/);
    expect(() => new Exposition().single('x_total', 'gauge', 'h', 1)).toThrow(/_total/);
    expect(() => new Exposition().single('1x', 'gauge', 'h', 1)).toThrow(/bad metric name/);
    expect(() => new Exposition().family('x', 'gauge', 'h', [[{ 'a-b': '1' }, 1]])).toThrow(/bad label name/);
    expect(() => new Exposition().single('x', 'gauge', 'h', 1).single('x', 'gauge', 'h', 1)).toThrow(/twice/);
  });
});

describe('Exposition.histogram', () => {
  it('writes cumulative buckets ending in +Inf, then _sum and _count, per labelled series', () => {
    const t = new Exposition().histogram('gc_seconds', 'h', [{ labels: { kind: 'minor' }, buckets: [[0.001, 1], [0.01, 3]], sum: 0.02, count: 4 }]).text();
    expect(t).toBe(
      '# HELP gc_seconds h\n# TYPE gc_seconds histogram\n' +
        'gc_seconds_bucket{kind="minor",le="0.001"} 1\ngc_seconds_bucket{kind="minor",le="0.01"} 3\ngc_seconds_bucket{kind="minor",le="+Inf"} 4\n' +
        'gc_seconds_sum{kind="minor"} 0.02\ngc_seconds_count{kind="minor"} 4\n',
    );
  });
});
