// The options of mirror mode, shared by `fetch`, `serve` (without
// --zone-file) and `verify`: spread MIRROR_OPTIONS into a command's table,
// read them back with mirrorConfigFromArgs(). A module of its own, light on
// imports, so that parsing `serve` options (the --workers primary does only
// that) does not load the refresh machinery.

import { DEFAULT_DATA_DIR, DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_JITTER_MS, DEFAULT_MAX_RECORDS, DEFAULT_PGP_KEY, DEFAULT_REFRESH_MS, DEFAULT_RETRY_MS, DEFAULT_SOURCE, DEFAULT_TRUST_ANCHORS, validateMirrorConfig, type MirrorConfig } from '../refresh/config.js';
import type { VerifierOptions } from '../verify/layer-verifiers.js';
import { ALL_LAYERS, type Layer } from '../verify/verdict.js';
import type { OnExpired } from '../zone/store.js';
import { UsageError, bool, defaultedNum, defaultedStr, list, type OptionSpec, type ParsedArgs } from './options.js';

export const MIRROR_OPTIONS: readonly OptionSpec[] = [
  { name: 'data-dir', type: 'string', metavar: 'DIR', default: DEFAULT_DATA_DIR, help: 'where verified copies are kept (current/, previous/)' },
  {
    name: 'source',
    type: 'list',
    metavar: 'URL',
    default: [DEFAULT_SOURCE],
    help: 'where to get the root zone, tried in order: http(s)://… (signature at URL.sig; for X.gz at X.sig, over the uncompressed file) or axfr://HOST[:PORT][?tsig=KEYNAME]',
  },
  {
    name: 'tsig-key',
    type: 'list',
    metavar: 'FILE',
    help: 'TSIG key file(s), BIND style as tsig-keygen writes them (several keys per file allowed); axfr://HOST?tsig=KEYNAME signs its transfer with that key, and serve then requires AXFR/IXFR out to be signed with one of them (RFC 8945)',
  },
  { name: 'pgp-key', type: 'list', metavar: 'FILE', default: [DEFAULT_PGP_KEY], help: 'OpenPGP public key(s) the zone signature must verify with' },
  { name: 'trust-anchors', type: 'list', metavar: 'FILE', default: [DEFAULT_TRUST_ANCHORS], help: 'DNSSEC trust anchors: DS/DNSKEY master file or IANA root-anchors.xml' },
  { name: 'verify', type: 'string', metavar: 'LAYERS', default: 'pgp,zonemd,dnssec', help: 'comma list of pgp, zonemd, dnssec, or none' },
  { name: 'verify-all-signatures', type: 'boolean', help: 'the dnssec layer also checks every RRSIG in the zone (the root: ~2800, a few hundred ms) and logs how long it took' },
  { name: 'on-expired', type: 'string', choices: ['fallback', 'servfail'], default: 'fallback', help: 'with no unexpired verified copy: forward to the root servers, or SERVFAIL (RFC 8806)' },
  { name: 'refresh', type: 'duration', default: DEFAULT_REFRESH_MS / 1000, help: 'refresh interval (root SOA refresh)' },
  { name: 'retry', type: 'duration', default: DEFAULT_RETRY_MS / 1000, help: 'retry after a failed refresh, starting with the next source (root SOA retry)' },
  { name: 'refresh-jitter', type: 'duration', default: DEFAULT_JITTER_MS / 1000, help: 'random delay up to this added to each refresh, so a fleet does not stampede the source' },
  { name: 'max-size', type: 'number', metavar: 'BYTES', default: 16 * 1024 * 1024, help: 'cap on the download and on its inflated size' },
  {
    name: 'fetch-timeout',
    type: 'duration',
    default: DEFAULT_FETCH_TIMEOUT_MS / 1000,
    help: 'overall time for one source (zone and .sig together, however slowly the bytes arrive); then the next source is tried',
  },
  { name: 'max-records', type: 'number', metavar: 'N', default: DEFAULT_MAX_RECORDS, help: 'refuse a zone with more records than this, while parsing (memory grows with records, not bytes)' },
];

/** `--verify-all-signatures` for loadVerifiers. */
export function verifierOptions(args: ParsedArgs): VerifierOptions {
  return { allSignatures: bool(args, 'verify-all-signatures') };
}

/** Parse `--verify`: a comma list of pgp, zonemd, dnssec, or `none` (or `all`). RangeError on nonsense. */
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

/** --verify as layers; UsageError (exit 2) on nonsense. */
export function layersFromArgs(args: ParsedArgs): Layer[] {
  try {
    return parseLayers(defaultedStr(args, 'verify'));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Read the shared options; UsageError (exit 2) on nonsense. */
export function mirrorConfigFromArgs(args: ParsedArgs): MirrorConfig {
  const layers = layersFromArgs(args);
  try {
    return validateMirrorConfig({
      dataDir: defaultedStr(args, 'data-dir'),
      sources: list(args, 'source'),
      pgpKeys: list(args, 'pgp-key'),
      trustAnchors: list(args, 'trust-anchors'),
      layers,
      onExpired: defaultedStr(args, 'on-expired') as OnExpired,
      refreshMs: defaultedNum(args, 'refresh') * 1000,
      retryMs: defaultedNum(args, 'retry') * 1000,
      jitterMs: defaultedNum(args, 'refresh-jitter') * 1000,
      maxBytes: defaultedNum(args, 'max-size'),
      fetchTimeoutMs: defaultedNum(args, 'fetch-timeout') * 1000,
      maxRecords: defaultedNum(args, 'max-records'),
      tsigKeyFiles: list(args, 'tsig-key'),
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
