import { describe, expect, it } from 'vitest';
import { CheckError } from '../verify/candidate.js';
import type { LayerVerifiers } from '../verify/layer-verifiers.js';
import { createZonePipeline } from './zone-pipeline.js';

describe('createZonePipeline: cheap checks before the parse', () => {
  const verifiers = (pgpOk: boolean): LayerVerifiers => ({
    pgp: () => Promise.resolve({ ok: pgpOk, detail: pgpOk ? 'good signature' : 'bad signature', ms: 0 }),
    zonemd: () => Promise.reject(new Error('not reached in these tests')),
    dnssec: () => Promise.reject(new Error('not reached in these tests')),
  });
  // Not a zone at all: parsing it would throw a ParseError, so a CheckError proves the parser was not reached.
  const garbage = new TextEncoder().encode('this is not a master file (((\n');
  const candidate = { bytes: garbage, signature: new Uint8Array([1]), source: 'test', pgpApplies: true };

  it('a failed PGP check stops before the parser', async () => {
    const p = createZonePipeline({ layers: ['pgp', 'zonemd'], dnssec: 'keep', verifiers: verifiers(false) });
    await expect(p.check(candidate, 0)).rejects.toThrow(/^pgp: bad signature$/);
    expect(p.lastTimings.parse).toBeUndefined();
  });
  it('a copy with no ZONEMD record is refused before the parser when zonemd is verified', async () => {
    const p = createZonePipeline({ layers: ['pgp', 'zonemd'], dnssec: 'keep', verifiers: verifiers(true) });
    const err = await p.check(candidate, 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toMatch(/^zonemd: no ZONEMD record in the copy \(fail closed, found before parsing\)/);
    expect((err as CheckError).layers.zonemd?.ok).toBe(false);
    expect(p.lastTimings.parse).toBeUndefined();
  });
  it('--max-records reaches the parser', async () => {
    const zone = new TextEncoder().encode(['. 60 IN SOA a. b. 1 2 3 4 5', '. 60 IN NS a.', 'a. 60 IN A 192.0.2.1'].join('\n') + '\n');
    const p = createZonePipeline({ layers: [], dnssec: 'keep', verifiers: verifiers(true), maxRecords: 2 });
    await expect(p.check({ ...candidate, bytes: zone }, 0)).rejects.toThrow(/more than 2 records.*raise --max-records/);
  });
});
