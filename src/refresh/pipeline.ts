// What the refresher needs from verification and zone building, as one
// injectable step. The production implementation (src/refresh/zone-pipeline.ts)
// calls src/verify and src/zone; keeping the refresher behind this interface
// keeps its policies (single flight, rollback, same-serial alarm, storage,
// swap) testable on their own.

import type { Zone } from '../zone/zone.js';
import type { Layer, LayerVerdicts } from './data-dir.js';
import { OperatorError } from '../errors.js';

export interface Candidate {
  /** The exact bytes downloaded (inflated if gzip). */
  readonly bytes: Uint8Array;
  /** Detached OpenPGP signature over `bytes`, when the source has one. */
  readonly signature: Uint8Array | undefined;
  readonly source: string;
  /** AXFR copies carry no PGP signature: that layer does not apply to them (ZONEMD and DNSSEC are then mandatory). */
  readonly transport: Transport;
}

export type Transport = 'http' | 'axfr';

export interface CheckedZone {
  readonly zone: Zone;
  readonly serial: number;
  readonly layers: LayerVerdicts;
  /** Earliest expiration (ms since epoch) of the apex SOA/ZONEMD RRSIGs, if signed. */
  readonly signaturesExpireAt: number | undefined;
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

export interface ZonePipeline {
  /** The layers this pipeline requires (from `--verify`). */
  readonly layers: readonly Layer[];
  /** Verify, parse and build `c` as of time `at` (ms). Throws CheckError (or ParseError/ZoneCheckError). */
  check(c: Candidate, at: number): Promise<CheckedZone>;
}

export const ALL_LAYERS: readonly Layer[] = ['pgp', 'zonemd', 'dnssec'];

/** Parse `--verify`: a comma list of pgp, zonemd, dnssec, or `none`. */
export function parseLayers(text: string): Layer[] {
  const parts = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (parts.length === 1 && parts[0] === 'none') return [];
  if (parts.length === 1 && parts[0] === 'all') return [...ALL_LAYERS];
  const out: Layer[] = [];
  for (const p of parts) {
    if (p !== 'pgp' && p !== 'zonemd' && p !== 'dnssec') {
      throw new RangeError(`--verify: unknown layer "${p}" (use a comma list of pgp, zonemd, dnssec, or none)`);
    }
    if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new RangeError('--verify: empty list (use none to verify nothing)');
  return out;
}

/**
 * Check a source list against `--verify` before anything runs: an axfr://
 * source has no PGP signature, so ZONEMD and DNSSEC are both mandatory for it.
 */
export function checkSourcesAgainstLayers(sources: readonly string[], layers: readonly Layer[]): void {
  for (const s of sources) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new RangeError(`--source ${s}: not a URL`);
    }
    if (u.protocol === 'axfr:') {
      if (!layers.includes('zonemd') || !layers.includes('dnssec')) {
        throw new RangeError(`--source ${s}: AXFR copies have no PGP signature, so --verify must include both zonemd and dnssec for them`);
      }
    } else if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new RangeError(`--source ${s}: unsupported scheme ${u.protocol} (use http://, https:// or axfr://)`);
    }
  }
}

/** The layers that apply to one candidate: PGP is not applicable to AXFR copies. */
export function layersFor(transport: Transport, layers: readonly Layer[]): Layer[] {
  return transport === 'axfr' ? layers.filter((l) => l !== 'pgp') : [...layers];
}
