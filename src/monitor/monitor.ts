// The drift monitor inside `serve`: every --monitor-interval (default 5 min,
// node-cron with a random delay so a fleet of mirrors does not probe the roots
// in lockstep) ask every root address for `. SOA`, compute the drift report,
// keep it, and emit/log state changes. One run at a time; a run that is still
// going when the next is due is skipped, not stacked.

import { EventEmitter } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import { systemClock, type Clock } from '../clock.js';
import { nullLogger, type Logger } from '../log.js';
import { computeDrift, INTERCEPTED_REASON, type DriftReport, type MonitorState, type OurZone, type Thresholds, DEFAULT_MONITOR_INTERVAL_MS, DEFAULT_THRESHOLDS } from './drift.js';
import { probeSoa, type ProbeOptions, type ProbeResult, type ProbeTarget } from './soa-probe.js';

export interface MonitorEvents {
  report: [DriftReport];
  /** State changed (previous undefined on the first report). */
  change: [report: DriftReport, previous: MonitorState | undefined];
}

export interface MonitorOptions {
  targets: readonly ProbeTarget[];
  /** What we serve, read at each run. */
  ours: () => OurZone;
  clock?: Clock;
  thresholds?: Thresholds;
  probe?: ProbeOptions;
  intervalMs?: number;
  /** Upper bound of the random delay added to each scheduled run. Default min(20% of the interval, 60 s). */
  jitterMs?: number;
  log?: Logger;
  /** For tests: replace the network probe. */
  probeFn?: (t: ProbeTarget, o: ProbeOptions) => Promise<ProbeResult>;
}

/** A cron expression firing every `ms`; only intervals that divide a minute, hour or day evenly. */
export function cronFor(ms: number): string {
  const s = ms / 1000;
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`monitor interval must be whole seconds, got ${ms} ms`);
  if (s < 60 && 60 % s === 0) return `*/${s} * * * * *`;
  const m = s / 60;
  if (Number.isInteger(m) && m < 60 && 60 % m === 0) return `0 */${m} * * * *`;
  const h = m / 60;
  if (Number.isInteger(h) && h <= 24 && 24 % h === 0) return h === 24 ? '0 0 0 * * *' : `0 0 */${h} * * *`;
  throw new RangeError(`--monitor-interval ${s}s does not divide a minute, hour or day evenly (e.g. 30s, 1m, 5m, 15m, 1h)`);
}

export class DriftMonitor extends EventEmitter<MonitorEvents> {
  private readonly clock: Clock;
  private readonly log: Logger;
  private last: DriftReport | undefined;
  private inFlight: Promise<DriftReport> | undefined;
  private task: ScheduledTask | undefined;

  constructor(private readonly opts: MonitorOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? nullLogger;
  }

  get report(): DriftReport | undefined {
    return this.last;
  }

  /** One run now (joins a run already going). */
  runOnce(): Promise<DriftReport> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async run(): Promise<DriftReport> {
    const probe = this.opts.probeFn ?? probeSoa;
    const answers = await Promise.all(this.opts.targets.map((t) => probe(t, { ...this.opts.probe, nowMs: this.clock.now() })));
    const previous = this.last;
    const report = computeDrift({
      now: this.clock.now(),
      ours: this.opts.ours(),
      answers,
      thresholds: this.opts.thresholds ?? DEFAULT_THRESHOLDS,
      previous,
    });
    this.last = report;
    this.emit('report', report);
    if (report.state !== previous?.state) {
      const fields = { state: report.state, previous: previous?.state ?? null, serial: report.ourSerial, liveSerial: report.liveSerial, behindSeconds: Math.round(report.behindMs / 1000) };
      const msg = `monitor ${previous?.state ?? 'start'} -> ${report.state}: ${report.reason}`;
      if (report.state === 'CRITICAL') this.log.error(msg, fields);
      else if (report.state === 'OK') this.log.info(msg, fields);
      else this.log.warn(msg, fields);
      this.emit('change', report, previous?.state);
    }
    // Once per change, not per run; not twice when the state line just said it (its reason is the interception, or was).
    const flipped = report.looksIntercepted !== (previous?.looksIntercepted ?? false);
    const stateLineSaidIt = report.state !== previous?.state && (report.looksIntercepted ? report.reason : (previous?.reason ?? '')).startsWith(INTERCEPTED_REASON);
    if (flipped && !stateLineSaidIt) {
      if (report.looksIntercepted) this.log.warn(`answers from the roots look intercepted: ${report.intercepted.length} address(es), e.g. ${report.intercepted[0]!.address}: ${report.intercepted[0]!.error}`, { state: report.state });
      else this.log.info('answers from the roots no longer look intercepted', { state: report.state });
    }
    for (const d of report.disagreeing)
      if (previous?.disagreeing.every((p) => p.address !== d.address || p.serial !== d.serial) ?? true)
        this.log.info('root instance disagrees with the majority', { server: d.server, address: d.address, serial: d.serial, liveSerial: report.liveSerial });
    return report;
  }

  /**
   * Schedule runs, and one right away unless `runNow` is false (the daemon
   * passes false while no zone is loaded yet, so a fresh install's first
   * download does not page anyone as "not serving").
   */
  start(runNow = true): void {
    if (this.task) return;
    const interval = this.opts.intervalMs ?? DEFAULT_MONITOR_INTERVAL_MS;
    const jitter = this.opts.jitterMs ?? Math.min(interval * 0.2, 60_000);
    this.task = cron.schedule(cronFor(interval), () => this.tick(), { noOverlap: true, maxRandomDelay: jitter, name: 'rootmirror-monitor' });
    if (runNow) void this.tick();
  }

  private tick(): Promise<void> {
    return this.runOnce().then(
      () => undefined,
      (e: unknown) => this.log.error('monitor run failed', { error: e }),
    );
  }

  async stop(): Promise<void> {
    const t = this.task;
    this.task = undefined;
    if (t) await t.destroy();
    await this.inFlight?.catch(() => undefined);
  }
}
