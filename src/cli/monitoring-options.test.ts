import { describe, expect, it } from 'vitest';
import { monitoringConfig } from '../ops/monitoring.js';
import { MONITORING_OPTIONS, monitoringSettings } from './monitoring-options.js';
import { parseArgs } from './options.js';
import { DEFAULT_ROOT_HINTS } from './shared-options.js';

const specs = MONITORING_OPTIONS;
const cfg = (argv: string[]) => monitoringConfig(monitoringSettings(parseArgs(argv, specs, {})));

describe('serve options for monitoring', () => {
  it('defaults: loopback 8053, the packaged hints, real roots on 53, 5 min, 2h/12h, no webhook', () => {
    expect(DEFAULT_ROOT_HINTS).toMatch(/\/keys\/root\.hints$/);
    expect(cfg([])).toEqual({
      http: '127.0.0.1:8053',
      rootHints: DEFAULT_ROOT_HINTS,
      rootPort: 53,
      family: 'both',
      monitorIntervalMs: 300_000,
      thresholds: { warnBehindMs: 7_200_000, critBehindMs: 43_200_000 },
    });
  });
  it('reads flags and the ROOTMIRROR_* environment', () => {
    const v = parseArgs(['--monitor-interval', '15m', '--warn-behind', '1h', '--alert-webhook', 'https://hooks.example/x'], specs, { ROOTMIRROR_ROOT_PORT: '5353' });
    expect(monitoringConfig(monitoringSettings(v))).toMatchObject({ rootPort: 5353, monitorIntervalMs: 900_000, thresholds: { warnBehindMs: 3_600_000 }, webhook: 'https://hooks.example/x' });
  });
  it('refuses what cannot work, saying why', () => {
    expect(() => cfg(['--monitor-interval', '7m'])).toThrow(/does not divide a minute, hour or day/);
    expect(() => cfg(['--warn-behind', '13h'])).toThrow(/--crit-behind \(43200s\) is shorter than --warn-behind/);
    expect(() => cfg(['--alert-webhook', 'ftp://x/'])).toThrow(/must be http\(s\)/);
    expect(() => cfg(['--root-port', '70000'])).toThrow(/not a port number/);
    expect(cfg(['--monitor-interval', '0']).monitorIntervalMs).toBe(0);
  });
});
