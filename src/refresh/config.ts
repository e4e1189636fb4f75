// The mirror's configuration (data dir, sources, keys, layers, timers) and its
// defaults. The option table that fills it lives with the CLI
// (src/cli/mirror-options.ts: MIRROR_OPTIONS, mirrorConfigFromArgs).

import { fileURLToPath } from 'node:url';
import type { AxfrOptions } from '../fetch/axfr.js';
import { parseSource, type Source } from '../fetch/source.js';
import type { Layer } from '../verify/verdict.js';
import type { OnExpired } from '../zone/store.js';

/** Files shipped in the package's keys/ (src/refresh → ../../keys, also from dist/refresh). */
export const PACKAGE_KEYS_DIR = fileURLToPath(new URL('../../keys/', import.meta.url));
export const DEFAULT_SOURCE = 'https://www.internic.net/domain/root.zone';
export const DEFAULT_DATA_DIR = '/var/lib/rootmirror';
export const DEFAULT_PGP_KEY = PACKAGE_KEYS_DIR + 'registry-admin.key';
export const DEFAULT_TRUST_ANCHORS = PACKAGE_KEYS_DIR + 'root-anchors.xml';
export const DEFAULT_REFRESH_MS = 30 * 60_000; // root SOA refresh 1800
export const DEFAULT_RETRY_MS = 15 * 60_000; // root SOA retry 900
export const DEFAULT_JITTER_MS = 5 * 60_000;
/** Overall time for one HTTP source (zone + .sig); the 2–3 MB root zone at ~15 KB/s. */
export const DEFAULT_FETCH_TIMEOUT_MS = 3 * 60_000;
/** The root has ~25,000 records; 10× leaves room to grow and still bounds memory (~100 MB held). */
export const DEFAULT_MAX_RECORDS = 250_000;

export interface MirrorConfig {
  readonly dataDir: string;
  readonly sources: readonly string[];
  readonly pgpKeys: readonly string[];
  readonly trustAnchors: readonly string[];
  readonly layers: readonly Layer[];
  readonly onExpired: OnExpired;
  readonly refreshMs: number;
  readonly retryMs: number;
  readonly jitterMs: number;
  readonly maxBytes: number;
  /** Overall time for one source (--fetch-timeout). */
  readonly fetchTimeoutMs: number;
  /** Record-count cap while parsing (--max-records). */
  readonly maxRecords: number;
  /** --tsig-key files: the keys `axfr://HOST?tsig=NAME` sources name (read by refresh/tsig-key-files.ts). */
  readonly tsigKeyFiles?: readonly string[];
}

/** AXFR caps from the shared options: bytes (wire form is bigger than the text), records, overall time. */
export function axfrOptions(config: MirrorConfig): AxfrOptions {
  return {
    maxBytes: config.maxBytes * 4,
    maxRecords: config.maxRecords,
    totalTimeoutMs: config.fetchTimeoutMs,
  };
}

/**
 * Parse the sources and check them against `--verify` before anything runs: an
 * axfr:// source has no PGP signature, so ZONEMD and DNSSEC are both mandatory for it.
 */
export function checkSourcesAgainstLayers(sources: readonly string[], layers: readonly Layer[]): Source[] {
  return sources.map((text) => {
    const s = parseSource(text);
    if (s.kind === 'axfr' && (!layers.includes('zonemd') || !layers.includes('dnssec'))) {
      throw new RangeError(`--source ${s.display}: AXFR copies have no PGP signature, so --verify must include both zonemd and dnssec for them`);
    }
    return s;
  });
}

/** Validate a configuration (RangeError with a one-line reason). */
export function validateMirrorConfig(c: MirrorConfig): MirrorConfig {
  if (c.sources.length === 0) throw new RangeError('--source: at least one URL is needed');
  checkSourcesAgainstLayers(c.sources, c.layers);
  if (!(c.refreshMs > 0)) throw new RangeError('--refresh must be more than 0 seconds');
  if (!(c.retryMs > 0)) throw new RangeError('--retry must be more than 0 seconds');
  if (!(c.jitterMs >= 0)) throw new RangeError('--refresh-jitter must not be negative');
  if (!Number.isSafeInteger(c.maxBytes) || c.maxBytes < 1024) throw new RangeError('--max-size must be an integer of at least 1024');
  if (!(c.fetchTimeoutMs > 0)) throw new RangeError('--fetch-timeout must be more than 0 seconds');
  if (!Number.isSafeInteger(c.maxRecords) || c.maxRecords < 1) throw new RangeError('--max-records must be a positive integer');
  if (c.layers.includes('pgp') && c.pgpKeys.length === 0) throw new RangeError('--verify includes pgp but no --pgp-key is given');
  if (c.layers.includes('dnssec') && c.trustAnchors.length === 0) throw new RangeError('--verify includes dnssec but no --trust-anchors is given');
  return c;
}
