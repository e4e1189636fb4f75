// A tiny structured logger shared by every component. JSON lines when stderr is
// not a terminal (journald, Docker, Kubernetes collect those), one readable line
// when it is. No dependency; `fields` are flat key/values added to the line.

import { redactUrlsIn } from './redact-url.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export const LogLevel = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevelName = keyof typeof LogLevel;

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` (e.g. `{ component: 'monitor' }`) to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevelName;
  /** `json` or `text`; default: text when the sink is a TTY, json otherwise. */
  format?: 'json' | 'text';
  /** Where lines go; default process.stderr. */
  sink?: { write(line: string): unknown; isTTY?: boolean };
  clock?: Clock;
  /** Fields added to every line. */
  fields?: LogFields;
}

/** Error objects do not survive JSON.stringify: keep their message (and cause). */
function plain(v: unknown): unknown {
  if (v instanceof Error) {
    const cause = (v as { cause?: unknown }).cause;
    return cause === undefined ? v.message : `${v.message} (cause: ${String(plain(cause))})`;
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function textValue(v: unknown): string {
  const p = plain(v);
  if (typeof p === 'string') return /^[^\s"=]+$/.test(p) ? p : JSON.stringify(p);
  if (p === undefined) return 'undefined';
  return JSON.stringify(p) ?? String(p);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const sink = opts.sink ?? process.stderr;
  const format = opts.format ?? (sink.isTTY ? 'text' : 'json');
  const min = LogLevel[opts.level ?? 'info'];
  const clock = opts.clock ?? systemClock;

  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevelName, msg: string, fields?: LogFields): void => {
      if (LogLevel[level] < min) return;
      const all: Record<string, unknown> = { ...base, ...fields };
      const time = new Date(clock.now()).toISOString();
      let line: string;
      if (format === 'json') {
        const obj: Record<string, unknown> = { time, level, msg };
        for (const [k, v] of Object.entries(all)) if (!(k in obj)) obj[k] = plain(v);
        line = JSON.stringify(obj);
      } else {
        const kv = Object.entries(all)
          .map(([k, v]) => `${k}=${textValue(v)}`)
          .join(' ');
        line = `${time} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? ' ' + kv : ''}`;
      }
      try {
        // A --source URL may carry a password: no log line ever shows it.
        sink.write(redactUrlsIn(line) + '\n');
      } catch {
        // A closed stderr must not take the daemon down.
      }
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(opts.fields ?? {});
}

/** Keeps every line in memory (tests assert that a rejection "shows in the logs"; benches stay quiet). */
export class MemoryLog implements Logger {
  readonly lines: { level: LogLevelName; msg: string; fields: LogFields | undefined }[] = [];
  constructor(private readonly base: LogFields | undefined = undefined) {}
  private push(level: LogLevelName, msg: string, fields?: LogFields): void {
    this.lines.push({ level, msg, fields: this.base === undefined ? fields : { ...this.base, ...fields } });
  }
  debug(msg: string, fields?: LogFields): void {
    this.push('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.push('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.push('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.push('error', msg, fields);
  }
  child(fields: LogFields): Logger {
    const parent = this;
    const base = { ...this.base, ...fields };
    return {
      debug: (m, f) => parent.push('debug', m, { ...base, ...f }),
      info: (m, f) => parent.push('info', m, { ...base, ...f }),
      warn: (m, f) => parent.push('warn', m, { ...base, ...f }),
      error: (m, f) => parent.push('error', m, { ...base, ...f }),
      child: (more) => parent.child({ ...base, ...more }),
    };
  }
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.msg} ${l.fields === undefined ? '' : JSON.stringify(l.fields, (_k, v: unknown) => plain(v))}`).join('\n');
  }
}

/** A logger that drops everything (library default, tests that do not look). */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};

/**
 * Rate limit for log lines driven by network input (malformed packets, refused
 * queries): at most `burst` lines per `intervalMs` per key; the first line after
 * a quiet spell reports how many were suppressed.
 *
 *   const limited = rateLimited(log, { intervalMs: 60_000, burst: 5 });
 *   limited.warn('malformed', 'malformed query dropped', { from });
 */
export interface RateLimitedLogger {
  debug(key: string, msg: string, fields?: LogFields): void;
  info(key: string, msg: string, fields?: LogFields): void;
  warn(key: string, msg: string, fields?: LogFields): void;
  error(key: string, msg: string, fields?: LogFields): void;
}

export function rateLimited(
  log: Logger,
  opts: { intervalMs?: number; burst?: number; clock?: Clock; maxKeys?: number } = {},
): RateLimitedLogger {
  const intervalMs = opts.intervalMs ?? 60_000;
  const burst = opts.burst ?? 5;
  const clock = opts.clock ?? systemClock;
  const maxKeys = opts.maxKeys ?? 1024;
  const windows = new Map<string, { start: number; count: number; suppressed: number }>();

  const emit = (level: LogLevelName, key: string, msg: string, fields?: LogFields): void => {
    const now = clock.now();
    let w = windows.get(key);
    if (w === undefined || now - w.start >= intervalMs) {
      const suppressed = w?.suppressed ?? 0;
      // Bounded memory whatever the keys an attacker makes us see.
      if (w === undefined && windows.size >= maxKeys) windows.clear();
      w = { start: now, count: 0, suppressed: 0 };
      windows.set(key, w);
      if (suppressed > 0) fields = { ...fields, suppressed };
    }
    if (w.count < burst) {
      w.count++;
      log[level](msg, fields);
    } else {
      w.suppressed++;
    }
  };
  return {
    debug: (k, m, f) => emit('debug', k, m, f),
    info: (k, m, f) => emit('info', k, m, f),
    warn: (k, m, f) => emit('warn', k, m, f),
    error: (k, m, f) => emit('error', k, m, f),
  };
}
