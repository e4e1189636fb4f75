// The `serve` options of the ops endpoint and the drift monitor, with their
// defaults. A module of its own, light on imports, so that parsing `serve`
// options (the --workers primary does only that) loads neither the HTTP
// server nor the monitor.

import { DEFAULT_MONITOR_INTERVAL_MS, DEFAULT_THRESHOLDS } from '../monitor/drift.js';

export const DEFAULT_HTTP = '127.0.0.1:8053';

/**
 * The `serve` options this feature adds, in src/cli/options.ts's OptionSpec
 * shape (declared structurally here: nothing below cli imports from cli).
 * `serve` spreads them into its option table and passes its parsed values
 * to `monitoringConfig()`.
 */
export const MONITORING_OPTIONS = [
  { name: 'http', type: 'string', default: DEFAULT_HTTP, metavar: 'ADDR:PORT', help: 'ops endpoint: /metrics /healthz /readyz /status (loopback by default)' },
  { name: 'root-hints', type: 'string', metavar: 'FILE', help: 'root hints listing the live roots the monitor asks (default: keys/root.hints)' },
  { name: 'root-port', type: 'number', default: 53, metavar: 'PORT', help: 'port the roots in --root-hints answer on (53; other values for drills with fake roots)' },
  { name: 'root-family', type: 'string', default: 'both', choices: ['4', '6', 'both'], help: 'ask the roots over IPv4, IPv6 or both' },
  { name: 'monitor-interval', type: 'duration', default: DEFAULT_MONITOR_INTERVAL_MS / 1000, metavar: 'D', help: 'how often to compare our serial with the live roots (0: never); must divide a minute, hour or day' },
  { name: 'warn-behind', type: 'duration', default: DEFAULT_THRESHOLDS.warnBehindMs / 1000, metavar: 'D', help: 'monitor WARNING when behind the live serial longer than this' },
  { name: 'crit-behind', type: 'duration', default: DEFAULT_THRESHOLDS.critBehindMs / 1000, metavar: 'D', help: 'monitor CRITICAL when behind the live serial longer than this' },
  { name: 'alert-webhook', type: 'string', metavar: 'URL', help: 'POST a JSON document on each monitor state change and recovery (3 tries, backoff; reminder at most daily)' },
] as const;
