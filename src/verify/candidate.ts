// Verify one candidate copy of a zone: the only implementation, used by the
// refresher (every download and every stored copy at start), by
// `rootmirror verify` and by `serve --zone-file --verify`.
//
// Cheapest and most refusing steps first, so that a copy we will refuse never
// costs the memory of a parsed zone: PGP over the exact bytes (stops anything
// unsigned before the parser sees it), then whether the text holds a ZONEMD
// record at all (a scan of the bytes), then parse (capped at maxRecords while
// parsing), then ZONEMD and DNSSEC over the records, then build. This file
// orders the steps, times them and turns a failed layer into a CheckError
// that names it; the layers themselves are layer-verifiers.ts.
//
// `stopAtFirstFailure: false` (rootmirror verify) runs every requested layer
// even after one failed and reports each verdict, so the operator sees the
// whole picture; it checks the zone instead of building it (no zone to serve),
// and runs PGP after parse and checks (nothing is saved by refusing early).

import { Name } from '../dns/name.js';
import { RRType } from '../dns/types.js';
import { OperatorError } from '../errors.js';
import { buildZone } from '../zone/build.js';
import { findZoneProblems } from '../zone/checks.js';
import { parseZoneText } from '../zone/parser.js';
import type { DnssecMode, Zone } from '../zone/zone.js';
import type { LayerVerifiers, VerifyInput } from './layer-verifiers.js';
import { apexSignatureExpiry } from './signature-expiry.js';
import type { Layer, LayerVerdicts, Verdict } from './verdict.js';

export interface Candidate {
  /** The exact bytes downloaded (inflated if gzip) or read. */
  readonly bytes: Uint8Array;
  /** Detached OpenPGP signature over `bytes`, when the source has one. */
  readonly signature: Uint8Array | undefined;
  /** Where the copy came from, for messages (a URL or a file name). */
  readonly source: string;
  /** False for copies that carry no detached signature (AXFR): the PGP layer does not apply to them, so ZONEMD and DNSSEC are mandatory. */
  readonly pgpApplies: boolean;
  /** Why `signature` is missing, for the failed PGP verdict (default: no signature for this copy). */
  readonly noSignature?: string;
}

export interface CheckedZone {
  readonly zone: Zone;
  readonly serial: number;
  readonly layers: LayerVerdicts;
  /** Earliest expiration (ms since epoch) of the apex SOA/ZONEMD RRSIGs, if signed. */
  readonly signaturesExpireAt: number | undefined;
  /** The zone's image (zone/image.ts), when the check wrote one (the refresh worker does): stored beside the copy. */
  readonly image?: Uint8Array;
  /** Its sha256 (hex), computed where it was written, so the serving thread does not hash it again. */
  readonly imageSha256?: string;
}

/** A layer failed, or the zone did not parse/build. The served zone is untouched. */
export class CheckError extends OperatorError {
  override readonly name = 'CheckError';
  constructor(
    message: string,
    readonly layers: LayerVerdicts = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A step of the check, in the order they run. */
export type Step = 'pgp' | 'parse' | 'checks' | 'zonemd' | 'dnssec' | 'build';

/** Per-step wall time (ms), for logs and bench/refresh.mjs; `image`: writing the zone image, `change`: what changed from the served zone (refresh/refresh-worker.ts), after the check. */
export type StepTimings = { [S in Step | 'image' | 'change']?: number };

export interface VerifyCandidateOptions {
  readonly layers: readonly Layer[];
  readonly verifiers: LayerVerifiers;
  /** How the zone is built (the server's --dnssec). */
  readonly dnssec: DnssecMode;
  /** Origin of relative names; without it relative names are errors and the zone's origin is its SOA owner. */
  readonly origin?: Name;
  /** Refuse a zone with more records than this while parsing (--max-records). */
  readonly maxRecords?: number;
  /** Each step as it ends, with its verdict (parse and checks too). */
  readonly onStep?: (step: Step, verdict: Verdict) => void;
  /** Receives the timings of this check (filled in as the steps run). */
  readonly timings?: StepTimings;
  /** What the parser accepted but the operator should hear about (a zone without TTLs), one line each. */
  readonly onWarning?: (warning: string) => void;
}

/** What a check that runs every layer found (`stopAtFirstFailure: false`). */
export interface CandidateReport {
  readonly origin: Name;
  readonly records: number;
  readonly layers: LayerVerdicts;
  /** The steps that failed, in order (`checks` and layers). */
  readonly failed: readonly Step[];
}

/** The layers that apply to one candidate: PGP does not apply to copies without a detached signature. */
export function layersFor(pgpApplies: boolean, layers: readonly Layer[]): Layer[] {
  return pgpApplies ? [...layers] : layers.filter((l) => l !== 'pgp');
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

const NO_ZONEMD = 'no ZONEMD record in the copy (fail closed, found before parsing): use a source that publishes ZONEMD, or leave zonemd out of --verify';

/** Verify, parse and build `c` as of time `at` (ms). Throws CheckError at the first failed layer (or ParseError/ZoneCheckError). */
export function verifyCandidate(c: Candidate, at: number, opts: VerifyCandidateOptions & { readonly stopAtFirstFailure?: true }): Promise<CheckedZone>;
/** Run every requested layer even after one fails; report, do not build. Throws only when the copy does not parse. */
export function verifyCandidate(c: Candidate, at: number, opts: VerifyCandidateOptions & { readonly stopAtFirstFailure: false }): Promise<CandidateReport>;
export async function verifyCandidate(
  c: Candidate,
  at: number,
  opts: VerifyCandidateOptions & { readonly stopAtFirstFailure?: boolean },
): Promise<CheckedZone | CandidateReport> {
  const stop = opts.stopAtFirstFailure !== false;
  const timings: StepTimings = opts.timings ?? {};
  const layers = layersFor(c.pgpApplies, opts.layers);
  const verdicts: { -readonly [L in Layer]?: Verdict } = {};
  const failed: Step[] = [];
  const settle = (step: Step, v: Verdict, wallMs = v.ms): void => {
    timings[step] = wallMs;
    if (step === 'pgp' || step === 'zonemd' || step === 'dnssec') verdicts[step] = v;
    opts.onStep?.(step, v);
    if (v.ok) return;
    failed.push(step);
    if (stop) throw new CheckError(`${step}: ${v.detail}`, { ...verdicts });
  };
  const run = async (layer: Layer, f: () => Promise<Verdict>): Promise<void> => {
    const t0 = performance.now();
    let v: Verdict;
    try {
      v = await f();
    } catch (err) {
      v = { ok: false, detail: `verifier failed: ${(err as Error).message}`, ms: performance.now() - t0 };
    }
    settle(layer, v, performance.now() - t0);
  };

  const unparsed: VerifyInput = { bytes: c.bytes, signature: c.signature, records: [], origin: opts.origin ?? Name.root };
  const pgp = async (): Promise<void> => {
    if (!layers.includes('pgp')) return;
    if (c.signature === undefined) settle('pgp', { ok: false, detail: c.noSignature ?? 'no signature for this copy (fail closed)', ms: 0 });
    else await run('pgp', () => opts.verifiers.pgp(unparsed, at));
  };
  if (stop) await pgp();
  // Only worth it when a missing ZONEMD stops the check: a report parses anyway and lets the layer say so.
  if (stop && layers.includes('zonemd') && !mayHoldZonemd(c.bytes)) settle('zonemd', { ok: false, detail: NO_ZONEMD, ms: 0 });

  let t0 = performance.now();
  const records = parseZoneText(c.bytes, {
    file: c.source,
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
    ...(opts.maxRecords !== undefined ? { maxRecords: opts.maxRecords, maxRecordsOption: '--max-records' } : {}),
    ...(opts.onWarning !== undefined ? { onWarning: opts.onWarning } : {}),
  });
  const soa = records.find((r) => r.type === RRType.SOA);
  const origin = opts.origin ?? soa?.name ?? Name.root;
  settle('parse', { ok: true, detail: `${records.length} records, origin ${origin.toString()}${soa === undefined ? ', no SOA' : ''}`, ms: performance.now() - t0 });
  if (!stop) {
    // Building checks the zone too (and throws); a report lists the problems instead.
    t0 = performance.now();
    const problems = findZoneProblems(records, origin);
    const detail = problems.length === 0 ? 'zone checks pass' : `${problems.length} problem(s): ${problems.slice(0, 3).map((p) => p.message).join('; ')}`;
    settle('checks', { ok: problems.length === 0, detail, ms: performance.now() - t0 });
    // A report reads as the operator asks: is it a zone, then is it signed (nothing to save by refusing early).
    await pgp();
  }
  const input: VerifyInput = { ...unparsed, records, origin };
  if (layers.includes('zonemd')) await run('zonemd', () => opts.verifiers.zonemd(input));
  if (layers.includes('dnssec')) await run('dnssec', () => opts.verifiers.dnssec(input, at));
  if (!stop) return { origin, records: records.length, layers: verdicts, failed };

  t0 = performance.now();
  const zone = buildZone(records, { dnssec: opts.dnssec, ...(opts.origin !== undefined ? { origin: opts.origin } : {}) });
  timings.build = performance.now() - t0;
  return { zone, serial: zone.serial, layers: verdicts, signaturesExpireAt: apexSignatureExpiry(records, zone.origin, at) };
}
