// `--alert-webhook URL`: POST one JSON document per monitor state change (and
// on recovery), retried with exponential backoff, plus at most one reminder a
// day while a problem lasts. Deliveries go out one at a time, in order, so a
// receiver never sees a recovery before the alert it recovers from.
//
// Reminders need no timer of their own: `observe()` is called after every
// monitor run (every few minutes) and compares the injected clock with the
// last delivery.

import os from 'node:os';
import { systemClock, type Clock } from '../clock.js';
import type { DriftReport, MonitorState } from '../monitor/drift.js';
import { nullLogger, type Logger } from '../log.js';

export type AlertKind = 'change' | 'recovery' | 'reminder';

/** The POSTed document. */
export interface AlertPayload {
  kind: AlertKind;
  state: MonitorState;
  previous: MonitorState | null;
  reason: string;
  serial: number | null;
  liveSerial: number | null;
  behindSeconds: number;
  /** ISO 8601 UTC. */
  at: string;
  host: string;
}

/** POST a body, resolve with the HTTP status; reject on a network error or timeout. */
export type PostFn = (url: string, body: string) => Promise<number>;

export interface WebhookOptions {
  url: string;
  clock?: Clock;
  log?: Logger;
  /** Total tries per delivery. Default 3. */
  tries?: number;
  /** First backoff; doubles each retry. Default 2000 ms. */
  backoffMs?: number;
  /** Minimum spacing of reminders while a problem lasts. Default 24 h. */
  reminderMs?: number;
  /** Per-try timeout. Default 10 s. */
  timeoutMs?: number;
  host?: string;
  post?: PostFn;
  sleep?: (ms: number) => Promise<void>;
}

export function undiciPost(timeoutMs: number): PostFn {
  return async (url, body) => {
    // Loaded on the first alert: most daemons never send one (undici is ~18 MB resident).
    const { request } = await import('undici');
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'rootmirror' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // undici's request() does not follow redirects: a 3xx counts as a failure.
    });
    await res.body.dump();
    return res.statusCode;
  };
}

export class WebhookAlerter {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly tries: number;
  private readonly backoffMs: number;
  private readonly reminderMs: number;
  private readonly host: string;
  private readonly post: PostFn;
  private readonly sleep: (ms: number) => Promise<void>;
  private lastState: MonitorState | undefined;
  private lastSentAt = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Deliveries that did not succeed after all tries (exported as a metric). */
  failures = 0;
  sent = 0;

  constructor(private readonly opts: WebhookOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`--alert-webhook must be an http(s) URL, got ${opts.url}`);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? nullLogger;
    this.tries = Math.max(1, opts.tries ?? 3);
    this.backoffMs = opts.backoffMs ?? 2000;
    this.reminderMs = opts.reminderMs ?? 24 * 3600_000;
    this.host = opts.host ?? os.hostname();
    this.post = opts.post ?? undiciPost(opts.timeoutMs ?? 10_000);
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Feed one monitor report. Resolves when any delivery it caused is done (or
   * given up): the daemon need not wait; tests do.
   */
  observe(report: DriftReport): Promise<void> {
    const previous = this.lastState;
    const now = this.clock.now();
    let kind: AlertKind | undefined;
    if (report.state !== previous) {
      // A first report that is OK says nothing worth a page.
      if (previous !== undefined || report.state !== 'OK') kind = report.state === 'OK' ? 'recovery' : 'change';
    } else if (report.state !== 'OK' && now - this.lastSentAt >= this.reminderMs) {
      kind = 'reminder';
    }
    this.lastState = report.state;
    if (kind === undefined) return this.queue;
    this.lastSentAt = now;
    const payload: AlertPayload = {
      kind,
      state: report.state,
      previous: kind === 'reminder' ? report.state : (previous ?? null),
      reason: report.reason,
      serial: report.ourSerial ?? null,
      liveSerial: report.liveSerial ?? null,
      behindSeconds: Math.round(report.behindMs / 1000),
      at: new Date(now).toISOString(),
      host: this.host,
    };
    this.queue = this.queue.then(() => this.deliver(payload));
    return this.queue;
  }

  private async deliver(p: AlertPayload): Promise<void> {
    const body = JSON.stringify(p);
    let why = '';
    for (let i = 0; i < this.tries; i++) {
      if (i > 0) await this.sleep(this.backoffMs * 2 ** (i - 1));
      try {
        const status = await this.post(this.opts.url, body);
        if (status >= 200 && status < 300) {
          this.sent++;
          this.log.info('alert webhook delivered', { kind: p.kind, state: p.state, tries: i + 1 });
          return;
        }
        why = `HTTP ${status}`;
      } catch (e) {
        why = (e as Error).message;
      }
      this.log.warn('alert webhook try failed', { kind: p.kind, state: p.state, try: i + 1, of: this.tries, error: why });
    }
    this.failures++;
    this.log.error('alert webhook gave up; the alert is only in the log', { kind: p.kind, state: p.state, reason: p.reason, error: why });
  }
}
