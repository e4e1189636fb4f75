// What a refresher reports: one 'refresh' event per cycle (with each source's
// attempt and its step timings), 'alarm' when a source is refused by policy,
// 'load' once at start. ops/ and monitor/ subscribe to them.

import type { LayerVerdicts } from '../verify/verdict.js';
import type { Slot } from './data-dir.js';

export type RefreshOutcome = 'updated' | 'unchanged' | 'failed';

export interface SourceAttempt {
  readonly source: string;
  readonly outcome: RefreshOutcome;
  /** One line: why this source failed, or what it confirmed. */
  readonly reason: string;
  readonly error?: Error | undefined;
  readonly layers?: LayerVerdicts | undefined;
  /** Wall time of each step of this attempt (ms). */
  readonly timings?: AttemptTimings;
}

export interface AttemptTimings {
  download?: number;
  signature?: number;
  check?: number;
  store?: number;
  swap?: number;
}

/** The 'refresh' event (ops/monitor subscribe to it). */
export interface RefreshEvent {
  readonly outcome: RefreshOutcome;
  /** Serial held after the cycle (undefined when none). */
  readonly serial: number | undefined;
  /** The source that updated or confirmed, or undefined when all failed. */
  readonly source: string | undefined;
  readonly layers: LayerVerdicts | undefined;
  readonly durationMs: number;
  readonly error: Error | undefined;
  readonly attempts: readonly SourceAttempt[];
}

export type AlarmKind = 'same-serial-different-content' | 'serial-rollback';
export interface AlarmEvent {
  readonly kind: AlarmKind;
  readonly source: string;
  readonly serial: number;
  readonly message: string;
}

export interface LoadEvent {
  /** The slot served, or undefined when no stored copy verified. */
  readonly slot: Slot | undefined;
  readonly serial: number | undefined;
  /** One line per ignored copy (corrupt, unverifiable). */
  readonly problems: readonly string[];
  readonly removedLeftovers: readonly string[];
}

export interface RefresherEvents {
  refresh: [RefreshEvent];
  alarm: [AlarmEvent];
  load: [LoadEvent];
}
