// The production ZonePipeline, cheapest and most refusing checks first, so
// that a copy we will refuse never costs the memory of a parsed zone: PGP
// over the exact bytes (stops anything unsigned before the parser sees it),
// then whether the text holds a ZONEMD record at all (a scan of the bytes),
// then parse (capped at maxRecords while parsing), then ZONEMD/DNSSEC over
// the records, then build. Verification itself is
// src/verify's; this file only orders the steps, times them, and turns a
// failed layer into a CheckError that names it.

import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { buildZone } from '../zone/build.js';
import { parseZoneText } from '../zone/parser.js';
import type { DnssecMode } from '../zone/zone.js';
import type { Layer, LayerVerdict, LayerVerdicts } from './data-dir.js';
import { apexSignatureExpiry } from './expiry.js';
import { CheckError, layersFor, type Candidate, type CheckedZone, type ZonePipeline } from './pipeline.js';

/** What verification of one copy is given. */
export interface VerifyInput {
  readonly bytes: Uint8Array;
  readonly signature: Uint8Array | undefined;
  readonly records: readonly ResourceRecord[];
  readonly origin: Name;
}

/**
 * The verification layers as this pipeline needs them; src/verify provides them
 * (see loadVerifiers in src/refresh/verifier.ts). Each returns a verdict and
 * never throws for a bad zone (only for a bug).
 */
export interface LayerVerifiers {
  pgp(input: VerifyInput, at: number): Promise<LayerVerdict>;
  zonemd(input: VerifyInput): Promise<LayerVerdict>;
  dnssec(input: VerifyInput, at: number): Promise<LayerVerdict>;
}

export interface ZonePipelineOptions {
  readonly layers: readonly Layer[];
  readonly dnssec: DnssecMode;
  readonly verifiers: LayerVerifiers;
  readonly origin?: Name;
  /** Refuse a zone with more records than this while parsing (--max-records). */
  readonly maxRecords?: number;
}

/**
 * Could this master file hold a ZONEMD record? Its type is written `ZONEMD`
 * or, RFC 3597, `TYPE63`, in any case. False means the ZONEMD layer must fail,
 * so it fails before parsing; true proves nothing (the full check follows).
 */
export function mayHoldZonemd(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return /\b(?:zonemd|type63)\b/i.test(text);
}

/** Per-step wall time of the last check (ms), for logs and bench/refresh.mjs. */
export interface StepTimings {
  pgp?: number;
  parse?: number;
  zonemd?: number;
  dnssec?: number;
  build?: number;
}

export function createZonePipeline(opts: ZonePipelineOptions): ZonePipeline & { readonly lastTimings: StepTimings } {
  const origin = opts.origin ?? Name.root;
  let lastTimings: StepTimings = {};
  return {
    layers: opts.layers,
    get lastTimings() {
      return lastTimings;
    },
    async check(c: Candidate, at: number): Promise<CheckedZone> {
      const timings: StepTimings = {};
      lastTimings = timings;
      const layers = layersFor(c.transport, opts.layers);
      const verdicts: { -readonly [K in Layer]?: LayerVerdict } = {};
      const input0 = { bytes: c.bytes, signature: c.signature, records: [] as readonly ResourceRecord[], origin };
      const run = async (layer: Layer, f: () => Promise<LayerVerdict>): Promise<void> => {
        const t0 = performance.now();
        let v: LayerVerdict;
        try {
          v = await f();
        } catch (err) {
          v = { ok: false, detail: `verifier failed: ${(err as Error).message}`, ms: performance.now() - t0 };
        }
        timings[layer] = performance.now() - t0;
        verdicts[layer] = v;
        if (!v.ok) throw new CheckError(`${layer}: ${v.detail}`, { ...verdicts } as LayerVerdicts);
      };

      if (layers.includes('pgp')) {
        if (c.signature === undefined) {
          verdicts.pgp = { ok: false, detail: 'no signature for this copy (fail closed)', ms: 0 };
          throw new CheckError('pgp: no signature for this copy (fail closed)', { ...verdicts });
        }
        await run('pgp', () => opts.verifiers.pgp(input0, at));
      }
      if (layers.includes('zonemd') && !mayHoldZonemd(c.bytes)) {
        verdicts.zonemd = { ok: false, detail: 'no ZONEMD record in the copy (fail closed, found before parsing): use a source that publishes ZONEMD, or leave zonemd out of --verify', ms: 0 };
        throw new CheckError(`zonemd: ${verdicts.zonemd.detail}`, { ...verdicts });
      }
      let t0 = performance.now();
      const records = parseZoneText(c.bytes, {
        file: c.source,
        origin,
        ...(opts.maxRecords !== undefined ? { maxRecords: opts.maxRecords, maxRecordsOption: '--max-records' } : {}),
      });
      timings.parse = performance.now() - t0;
      const input = { ...input0, records };
      if (layers.includes('zonemd')) await run('zonemd', () => opts.verifiers.zonemd(input));
      if (layers.includes('dnssec')) await run('dnssec', () => opts.verifiers.dnssec(input, at));
      t0 = performance.now();
      const zone = buildZone(records, { dnssec: opts.dnssec, origin });
      timings.build = performance.now() - t0;
      return { zone, serial: zone.serial, layers: verdicts, signaturesExpireAt: apexSignatureExpiry(records, origin, at) };
    },
  };
}
