// The `serve` options of the ops endpoint and the drift monitor. A module of
// its own, light on imports, so that parsing `serve` options (the --workers
// primary does only that) loads neither the HTTP server nor the monitor.
// `serve` spreads MONITORING_OPTIONS into its table and hands
// monitoringSettings(args) to src/ops/monitoring.ts's monitoringConfig().

import { DEFAULT_MONITOR_INTERVAL_MS } from '../monitor/drift.js';
import type { MonitoringSettings } from '../ops/monitoring.js';
import { defaultedNum, defaultedStr, str, type OptionSpec, type ParsedArgs } from './options.js';
import { critBehindOption, httpOption, rootFamilyOption, rootHintsOption, rootPortOption, warnBehindOption } from './shared-options.js';

export const MONITORING_OPTIONS: readonly OptionSpec[] = [
  httpOption(),
  rootHintsOption({ help: 'root hints listing the live roots the monitor asks' }),
  rootPortOption(),
  rootFamilyOption(),
  { name: 'monitor-interval', type: 'duration', default: DEFAULT_MONITOR_INTERVAL_MS / 1000, metavar: 'D', help: 'how often to compare our serial with the live roots (0: never); must divide a minute, hour or day' },
  warnBehindOption({ help: 'monitor WARNING when behind the live serial longer than this' }),
  critBehindOption({ help: 'monitor CRITICAL when behind the live serial longer than this' }),
  { name: 'alert-webhook', type: 'string', metavar: 'URL', help: 'POST a JSON document on each monitor state change and recovery (3 tries, backoff; reminder at most daily)' },
];

/** The parsed values of MONITORING_OPTIONS, as monitoringConfig() takes them (durations in seconds). */
export function monitoringSettings(args: ParsedArgs): MonitoringSettings {
  const webhook = str(args, 'alert-webhook');
  return {
    http: defaultedStr(args, 'http'),
    rootHints: defaultedStr(args, 'root-hints'),
    rootPort: defaultedNum(args, 'root-port'),
    family: defaultedStr(args, 'root-family'),
    monitorIntervalSec: defaultedNum(args, 'monitor-interval'),
    warnBehindSec: defaultedNum(args, 'warn-behind'),
    critBehindSec: defaultedNum(args, 'crit-behind'),
    ...(webhook !== undefined ? { webhook } : {}),
  };
}
