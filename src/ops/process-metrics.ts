// The process and Node runtime metrics a Node service is expected to export,
// named as prom-client's default collectors name them (process_*, nodejs_*) so
// the standard Node.js dashboards and alerts work unchanged. Written here
// rather than taking prom-client as a dependency: a dozen families from
// node:perf_hooks, process.memoryUsage() and /proc/self. Cheap by design:
// nothing runs per DNS query; the event-loop delay histogram and the GC
// observer aggregate inside V8/libuv and in a few counters, and everything
// else is read when /metrics is scraped.

import { readFileSync, readdirSync } from 'node:fs';
import { PerformanceObserver, constants, monitorEventLoopDelay, type PerformanceEntry } from 'node:perf_hooks';
import type { Exposition, HistogramSeries } from './prom.js';

/** prom-client's GC buckets (seconds), so its dashboards' heatmaps line up. */
export const GC_BUCKETS: readonly number[] = [0.001, 0.01, 0.1, 1, 2, 5];

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** One histogram of GC pauses for one kind, in seconds. */
class GcPauses {
  readonly counts = GC_BUCKETS.map(() => 0);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < GC_BUCKETS.length; i++) if (seconds <= GC_BUCKETS[i]!) this.counts[i]!++;
  }
}

/** Open file descriptors: the entries of /proc/self/fd, less the one readdir itself holds. Undefined off Linux. */
export function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files, from /proc/self/limits (`Max open files  1024  524288  files`). */
export function maxFds(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const NS = 1e9;
/** How often the event-loop delay is sampled, ms. */
const LOOP_RESOLUTION_MS = 10;

export class ProcessMetrics {
  private readonly loop: ReturnType<typeof monitorEventLoopDelay> = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private readonly gc = new Map<string, GcPauses>();
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.onGc(e);
  });
  /** Unix time the process started, fixed once (prom-client's process_start_time_seconds). */
  private readonly startTime = Math.round(Date.now() / 1000 - process.uptime());

  start(): this {
    this.loop.enable();
    this.observer.observe({ entryTypes: ['gc'] });
    return this;
  }

  stop(): void {
    this.loop.disable();
    this.observer.disconnect();
  }

  private onGc(e: PerformanceEntry): void {
    const kind = GC_KINDS[(e as PerformanceEntry & { readonly detail?: { readonly kind?: number } }).detail?.kind ?? -1] ?? 'unknown';
    let h = this.gc.get(kind);
    if (h === undefined) this.gc.set(kind, (h = new GcPauses()));
    h.observe(e.duration / 1000);
  }

  /** Write every family into `e`; the event-loop figures cover the time since the previous scrape, then reset (as prom-client does). */
  write(e: Exposition): void {
    const cpu = process.cpuUsage();
    e.single('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent in seconds.', cpu.user / 1e6);
    e.single('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent in seconds.', cpu.system / 1e6);
    e.single('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
    e.single('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', this.startTime);
    const mem = process.memoryUsage();
    e.single('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', mem.rss);
    e.single('process_open_fds', 'gauge', 'Number of open file descriptors.', openFds());
    e.single('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', maxFds());
    e.single('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.', mem.heapTotal);
    e.single('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', mem.heapUsed);
    e.single('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.', mem.external);
    const [major, minor, patch] = process.versions.node.split('.');
    e.family('nodejs_version_info', 'gauge', 'Node.js version info.', [[{ version: process.version, major: major ?? '', minor: minor ?? '', patch: patch ?? '' }, 1]]);

    // monitorEventLoopDelay records nanoseconds between timer runs, the sampling
    // interval included (an idle loop reads 10.1 ms at a 10 ms resolution);
    // the delay is what exceeds the interval. prom-client exports the raw
    // figures; ours are lower by the resolution. An empty window has no figures.
    const h = this.loop;
    const has = h.count > 0;
    const s = (ns: number) => (has ? Math.max(0, ns / NS - LOOP_RESOLUTION_MS / 1000) : undefined);
    const sd = (ns: number) => (has ? ns / NS : undefined);
    e.single('nodejs_eventloop_lag_seconds', 'gauge', 'Mean event loop delay since the previous scrape, in seconds.', s(h.mean));
    e.single('nodejs_eventloop_lag_min_seconds', 'gauge', 'The minimum recorded event loop delay.', s(h.min));
    e.single('nodejs_eventloop_lag_max_seconds', 'gauge', 'The maximum recorded event loop delay.', s(h.max));
    e.single('nodejs_eventloop_lag_mean_seconds', 'gauge', 'The mean of the recorded event loop delays.', s(h.mean));
    e.single('nodejs_eventloop_lag_stddev_seconds', 'gauge', 'The standard deviation of the recorded event loop delays.', sd(h.stddev));
    e.single('nodejs_eventloop_lag_p50_seconds', 'gauge', 'The 50th percentile of the recorded event loop delays.', s(h.percentile(50)));
    e.single('nodejs_eventloop_lag_p90_seconds', 'gauge', 'The 90th percentile of the recorded event loop delays.', s(h.percentile(90)));
    e.single('nodejs_eventloop_lag_p99_seconds', 'gauge', 'The 99th percentile of the recorded event loop delays.', s(h.percentile(99)));
    h.reset();

    const series: HistogramSeries[] = [...this.gc].map(([kind, g]) => ({
      labels: { kind },
      buckets: GC_BUCKETS.map((le, i) => [le, g.counts[i]!] as const),
      sum: g.sum,
      count: g.count,
    }));
    e.histogram('nodejs_gc_duration_seconds', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', series);
  }
}
