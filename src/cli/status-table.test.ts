// The status table from a /status document of a refreshing daemon in trouble:
// an alarm, a failed layer in the last refresh, an expired copy, a silent root.

import { describe, expect, it } from 'vitest';
import { formatStatus, humanDuration, type StatusView } from './status-table.js';

const doc: StatusView = {
  now: '2026-08-22T18:00:00.000Z',
  ready: false,
  reason: 'serial 2026082201 is served but has expired: not confirmed current since 2026-08-15T17:00:00.000Z',
  serial: 2026082201,
  source: 'https://user:***@example.test/root.zone',
  confirmedAt: '2026-08-15T17:00:00.000Z',
  expiresAt: '2026-08-22T17:00:00.000Z',
  signaturesExpireAt: '2026-09-01T00:00:00.000Z',
  layers: { pgp: { ok: true, detail: 'signed by 0x937BB869E3A238C5', ms: 31.4 }, zonemd: { ok: true, detail: 'SHA384 ok', ms: 812 } },
  lastRefresh: {
    at: '2026-08-22T17:30:00.000Z',
    outcome: 'failed',
    durationMs: 4200,
    source: 'https://user:***@example.test/root.zone',
    error: 'ZONEMD digest mismatch',
    layers: { pgp: { ok: true, detail: 'ok', ms: 30 }, zonemd: { ok: false, detail: 'digest mismatch', ms: 790 } },
  },
  failedVerificationStreak: 4,
  monitor: {
    at: '2026-08-22T17:55:00.000Z',
    state: 'CRITICAL',
    reason: 'expired',
    liveSerial: 2026082300,
    behindSeconds: 90_000,
    rootsAsked: 3,
    rootsAnswered: 2,
    roots: [
      { server: 'a.root-servers.net.', serial: 2026082300, addresses: [{ address: '198.41.0.4', serial: 2026082300 }] },
      { server: 'b.root-servers.net.', addresses: [{ address: '170.247.170.2', error: 'timeout' }] },
    ],
  },
  alarm: { kind: 'serial-rollback', serial: 2026082100, source: 'https://mirror.test/root.zone', message: 'serial 2026082100 is lower than the held 2026082201; refused', at: '2026-08-22T16:00:00.000Z' },
  lastError: { at: '2026-08-22T17:30:00.000Z', message: 'ZONEMD digest mismatch' },
};

describe('formatStatus', () => {
  it('says what is wrong in words: not ready, expired, the failed layer, the alarm, behind, the silent root', () => {
    expect(formatStatus(doc)).toBe(
      [
        'state                 NOT READY: serial 2026082201 is served but has expired: not confirmed current since 2026-08-15T17:00:00.000Z',
        'serial                2026082201',
        'source                https://user:***@example.test/root.zone',
        'age                   confirmed current 7d 1h ago (2026-08-15T17:00:00.000Z)',
        'expires in            EXPIRED 1h ago (2026-08-22T17:00:00.000Z)',
        'signatures expire in  9d 6h (2026-09-01T00:00:00.000Z)',
        'verified              pgp ok 31 ms, zonemd ok 812 ms',
        'last refresh          failed 30m ago (2026-08-22T17:30:00.000Z), took 4s: ZONEMD digest mismatch',
        'last refresh layers   pgp ok 30 ms, zonemd FAILED (digest mismatch) 790 ms',
        'failed verifications  4 in a row',
        'ALARM                 serial-rollback (serial 2026082100, https://mirror.test/root.zone) 2h ago (2026-08-22T16:00:00.000Z): serial 2026082100 is lower than the held 2026082201; refused',
        'last error            30m ago (2026-08-22T17:30:00.000Z): ZONEMD digest mismatch',
        'monitor               CRITICAL: expired (checked 5m ago (2026-08-22T17:55:00.000Z))',
        'live serial           2026082300, behind for 1d 1h; 2 of 3 root addresses answered',
        '',
        'root                 serial      addresses',
        'a.root-servers.net.  2026082300  198.41.0.4 2026082300',
        'b.root-servers.net.  -           170.247.170.2 silent (timeout)',
        '',
      ].join('\n'),
    );
  });

  it('humanDuration keeps the two largest units', () => {
    expect([humanDuration(0), humanDuration(45_000), humanDuration(3_725_000), humanDuration(90_061_000), humanDuration(-61_000)]).toEqual(['0s', '45s', '1h 2m', '1d 1h', '-1m 1s']);
  });
});
