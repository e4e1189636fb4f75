// Prometheus text exposition format 0.0.4, hand-written: HELP and TYPE once per
// family, then its samples; label values escaped (\\, \", \n), HELP text
// escaped (\\, \n); counters end in `_total`. No client library needed for a
// few dozen series computed on each scrape.

export type MetricType = 'gauge' | 'counter';

/** One labelled series of a histogram: cumulative counts per upper bound (+Inf added), sum, count. */
export interface HistogramSeries {
  readonly labels: Labels;
  /** [upper bound, observations <= it], bounds ascending. */
  readonly buckets: readonly (readonly [number, number])[];
  readonly sum: number;
  readonly count: number;
}
export type Labels = Readonly<Record<string, string>>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class Exposition {
  private readonly out: string[] = [];
  private readonly seen = new Set<string>();

  /** One metric family; `samples` may be empty (HELP/TYPE still describe it). */
  family(name: string, type: MetricType, help: string, samples: Iterable<readonly [Labels, number]>): this {
    if (type === 'counter' && !name.endsWith('_total')) throw new RangeError(`counter ${name} must end in _total`);
    if (type !== 'counter' && name.endsWith('_total')) throw new RangeError(`only counters end in _total: ${name}`);
    this.header(name, type, help);
    for (const [labels, value] of samples) this.sample(name, labels, value);
    return this;
  }

  /** A histogram family: `_bucket{le}` (cumulative, ending in +Inf), `_sum` and `_count` per series. */
  histogram(name: string, help: string, series: Iterable<HistogramSeries>): this {
    this.header(name, 'histogram', help);
    for (const h of series) {
      for (const [le, n] of h.buckets) this.sample(`${name}_bucket`, { ...h.labels, le: formatValue(le) }, n);
      this.sample(`${name}_bucket`, { ...h.labels, le: '+Inf' }, h.count);
      this.sample(`${name}_sum`, h.labels, h.sum);
      this.sample(`${name}_count`, h.labels, h.count);
    }
    return this;
  }

  private header(name: string, type: MetricType | 'histogram', help: string): void {
    if (!NAME.test(name)) throw new RangeError(`bad metric name ${name}`);
    if (this.seen.has(name)) throw new RangeError(`metric family ${name} written twice`);
    this.seen.add(name);
    this.out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  private sample(name: string, labels: Labels, value: number): void {
    const ls = Object.entries(labels);
    for (const [k] of ls) if (!LABEL.test(k) || k.startsWith('__')) throw new RangeError(`bad label name ${k}`);
    const l = ls.length === 0 ? '' : `{${ls.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
    this.out.push(`${name}${l} ${formatValue(value)}`);
  }

  /** A family with one unlabelled sample, skipped entirely when the value is unknown. */
  single(name: string, type: MetricType, help: string, value: number | undefined): this {
    return this.family(name, type, help, value === undefined ? [] : [[{}, value]]);
  }

  text(): string {
    return this.out.join('\n') + '\n';
  }
}
