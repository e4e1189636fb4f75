import { describe, expect, it } from 'vitest';
import { CheckError, layersFor, mayHoldZonemd, verifyCandidate, type Step } from './candidate.js';
import type { LayerVerifiers } from './layer-verifiers.js';
import type { Verdict } from './verdict.js';

describe('which layers apply', () => {
  it('PGP does not apply to AXFR copies', () => {
    expect(layersFor(false, ['pgp', 'zonemd', 'dnssec'])).toEqual(['zonemd', 'dnssec']);
    expect(layersFor(true, ['pgp', 'zonemd', 'dnssec'])).toEqual(['pgp', 'zonemd', 'dnssec']);
  });
  it('ZONEMD or TYPE63 in any case may be a ZONEMD record; the full check decides', () => {
    expect(mayHoldZonemd(new TextEncoder().encode('. 86400 IN zonemd 1 1 1 AB'))).toBe(true);
    expect(mayHoldZonemd(new TextEncoder().encode('. 86400 IN TYPE63 \\# 0'))).toBe(true);
    expect(mayHoldZonemd(new TextEncoder().encode('. 86400 IN SOA a. b. 1 2 3 4 5\nzonemdx. 1 IN A 1.2.3.4'))).toBe(false);
  });
});

describe('verifyCandidate', () => {
  const zone = new TextEncoder().encode(['. 60 IN SOA a. b. 7 2 3 4 5', '. 60 IN NS a.', 'a. 60 IN A 192.0.2.1'].join('\n') + '\n');
  const verdict = (ok: boolean, detail: string): Promise<Verdict> => Promise.resolve({ ok, detail, ms: 1 });
  const failing: LayerVerifiers = {
    pgp: () => verdict(false, 'bad signature'),
    zonemd: () => verdict(false, 'digest mismatch'),
    dnssec: () => verdict(true, 'chain ok'),
  };
  const candidate = { bytes: zone, signature: new Uint8Array([1]), source: 'test.zone', pgpApplies: true };

  it('stops at the first failed layer by default (the refresher)', async () => {
    const err = await verifyCandidate(candidate, 0, { layers: ['pgp', 'zonemd', 'dnssec'], verifiers: failing, dnssec: 'keep' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toBe('pgp: bad signature');
    expect(Object.keys((err as CheckError).layers)).toEqual(['pgp']);
  });
  it('with stopAtFirstFailure: false runs every layer and reports each verdict in order (rootmirror verify)', async () => {
    const steps: string[] = [];
    const report = await verifyCandidate(candidate, 0, {
      layers: ['pgp', 'zonemd', 'dnssec'],
      verifiers: failing,
      dnssec: 'keep',
      stopAtFirstFailure: false,
      onStep: (step: Step, v: Verdict) => steps.push(`${step} ${v.ok ? 'ok' : 'FAILED'} ${v.detail}`),
    });
    expect(steps).toEqual(['parse ok 3 records, origin .', 'checks ok zone checks pass', 'pgp FAILED bad signature', 'zonemd FAILED digest mismatch', 'dnssec ok chain ok']);
    expect(report.failed).toEqual(['pgp', 'zonemd']);
    expect(report.origin.toString()).toBe('.');
  });
  it('a missing signature fails PGP closed, with the reason the caller gives', async () => {
    const err = await verifyCandidate({ ...candidate, signature: undefined, noSignature: 'no signature: x.sig not found' }, 0, { layers: ['pgp'], verifiers: failing, dnssec: 'keep' }).catch((e: unknown) => e);
    expect((err as CheckError).message).toBe('pgp: no signature: x.sig not found');
  });
  it('builds the zone and records the step timings when every layer passes', async () => {
    const timings = {};
    const ok: LayerVerifiers = { pgp: () => verdict(true, 'good'), zonemd: () => verdict(true, 'ok'), dnssec: () => verdict(true, 'ok') };
    const checked = await verifyCandidate({ ...candidate, bytes: new TextEncoder().encode(new TextDecoder().decode(zone) + '. 60 IN ZONEMD 7 1 1 ' + 'ab'.repeat(48) + '\n') }, 0, { layers: ['pgp', 'zonemd'], verifiers: ok, dnssec: 'keep', timings });
    expect(checked.serial).toBe(7);
    expect(Object.keys(checked.layers)).toEqual(['pgp', 'zonemd']);
    expect(Object.keys(timings).sort()).toEqual(['build', 'parse', 'pgp', 'zonemd']);
  });
});
