// The process collectors: prom-client's names and types, values that move
// with the process (a GC we force is counted, an FD we open is seen), and the
// event-loop window reset at each scrape.

import { closeSync, openSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Exposition } from './prom.js';
import { ProcessMetrics, maxFds, openFds } from './process-metrics.js';

const sample = (text: string, re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);

describe('ProcessMetrics', () => {
  const pm = new ProcessMetrics().start();
  afterAll(() => pm.stop());
  const scrape = () => {
    const e = new Exposition();
    pm.write(e);
    return e.text();
  };

  it('exports the prom-client default names with their types', async () => {
    await new Promise((r) => setTimeout(r, 50)); // let the 10 ms event-loop sampler take a few samples
    const t = scrape();
    for (const [name, type] of [
      ['process_cpu_seconds_total', 'counter'],
      ['process_start_time_seconds', 'gauge'],
      ['process_resident_memory_bytes', 'gauge'],
      ['process_open_fds', 'gauge'],
      ['process_max_fds', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
      ['nodejs_heap_size_total_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
      ['nodejs_gc_duration_seconds', 'histogram'],
    ])
      expect(t).toContain(`# TYPE ${name} ${type}\n`);
    expect(sample(t, /^process_resident_memory_bytes (\d+)$/m)).toBeGreaterThan(10e6);
    // A mostly idle loop: the least delay beyond the 10 ms sampling interval is small, not the interval itself.
    const min = sample(t, /^nodejs_eventloop_lag_min_seconds (\S+)$/m);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(min).toBeLessThan(0.005);
    expect(Math.abs(sample(t, /^process_start_time_seconds (\d+)$/m) - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
  });

  it('sees the event loop blocked: a 60 ms busy wait shows in max, and the window resets at the scrape', () => {
    scrape();
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        const until = Date.now() + 60;
        while (Date.now() < until);
        setTimeout(() => {
          const t = scrape();
          expect(sample(t, /^nodejs_eventloop_lag_max_seconds (\S+)$/m)).toBeGreaterThan(0.04);
          setTimeout(() => {
            expect(sample(scrape(), /^nodejs_eventloop_lag_max_seconds (\S+)$/m)).toBeLessThan(0.04);
            resolve();
          }, 50);
        }, 30);
      }, 30);
    });
  });

  it('counts the collections that garbage causes, by kind', async () => {
    // Tens of MB of short-lived objects: the young generation (a few MB) is scavenged many times.
    let keep: unknown[] = [];
    for (let i = 0; i < 200; i++) keep = Array.from({ length: 10_000 }, (_, j) => ({ j }));
    void keep;
    await new Promise((r) => setTimeout(r, 20)); // the observer reports on a later tick
    const t = scrape();
    const count = sample(t, /^nodejs_gc_duration_seconds_count\{kind="minor"\} (\d+)$/m);
    expect(count).toBeGreaterThan(0);
    expect(t).toMatch(/^nodejs_gc_duration_seconds_bucket\{kind="\w+",le="\+Inf"\} \d+$/m);
  });

  it('sees a file descriptor opened and closed; reads the soft limit', () => {
    const before = openFds();
    if (before === undefined) return; // not Linux: no /proc
    const fd = openSync('/proc/self/status', 'r');
    expect(openFds()).toBe(before + 1);
    closeSync(fd);
    expect(openFds()).toBe(before);
    expect(maxFds()).toBeGreaterThan(before);
  });
});
