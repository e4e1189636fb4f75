// `rootmirror fetch`: one refresh cycle into --data-dir, then exit (for people
// who keep cron). Exit 0 when a verified copy was stored or the held one is
// still current; 1 with a one-line reason otherwise.
//
// MIRROR_OPTIONS and mirrorConfigFromArgs are shared with `serve` (daemon mode)
// and `verify`: spread the table into theirs.

import { DEFAULT_DATA_DIR, DEFAULT_PGP_KEY, DEFAULT_SOURCE, DEFAULT_TRUST_ANCHORS, validateMirrorConfig, type MirrorConfig } from '../../refresh/config.js';
import { DataDir, DataDirError } from '../../refresh/data-dir.js';
import type { Layer } from '../../refresh/data-dir.js';
import { stderrLog, type RefreshLog } from '../../refresh/log.js';
import { parseLayers } from '../../refresh/pipeline.js';
import { Refresher } from '../../refresh/refresher.js';
import { DEFAULT_JITTER_MS, DEFAULT_REFRESH_MS, DEFAULT_RETRY_MS } from '../../refresh/scheduler.js';
import { loadVerifiers, type VerifierOptions } from '../../refresh/verifier.js';
import { createZonePipeline } from '../../refresh/zone-pipeline.js';
import { ZoneStore, type OnExpired } from '../../server/zone-store.js';
import { UsageError, bool, list, num, str, type Command, type OptionSpec, type ParsedArgs } from '../options.js';

export const MIRROR_OPTIONS: readonly OptionSpec[] = [
  { name: 'data-dir', type: 'string', metavar: 'DIR', default: DEFAULT_DATA_DIR, help: 'where verified copies are kept (current/, previous/)' },
  {
    name: 'source',
    type: 'list',
    metavar: 'URL',
    default: [DEFAULT_SOURCE],
    help: 'where to get the root zone, tried in order: http(s)://… (signature at URL.sig; for X.gz at X.sig, over the uncompressed file) or axfr://HOST[:PORT]',
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
];

/** `--verify-all-signatures` for loadVerifiers. */
export function verifierOptions(args: ParsedArgs): VerifierOptions {
  return { allSignatures: bool(args, 'verify-all-signatures') };
}

/** Read the shared options; UsageError (exit 2) on nonsense. */
export function mirrorConfigFromArgs(args: ParsedArgs): MirrorConfig {
  let layers: Layer[];
  try {
    layers = parseLayers(str(args, 'verify') ?? 'pgp,zonemd,dnssec');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  try {
    return validateMirrorConfig({
      dataDir: str(args, 'data-dir') ?? DEFAULT_DATA_DIR,
      sources: list(args, 'source'),
      pgpKeys: list(args, 'pgp-key'),
      trustAnchors: list(args, 'trust-anchors'),
      layers,
      onExpired: (str(args, 'on-expired') ?? 'fallback') as OnExpired,
      refreshMs: (num(args, 'refresh') ?? 0) * 1000,
      retryMs: (num(args, 'retry') ?? 0) * 1000,
      jitterMs: (num(args, 'refresh-jitter') ?? 0) * 1000,
      maxBytes: num(args, 'max-size') ?? 16 * 1024 * 1024,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A log that stays quiet on success (cron mails stderr) unless --verbose. */
function quietLog(verbose: boolean): RefreshLog {
  return verbose ? stderrLog : { info: () => undefined, warn: stderrLog.warn, error: () => undefined };
}

export const command: Command = {
  name: 'fetch',
  summary: 'one refresh cycle into --data-dir (download, verify, store), then exit; for cron',
  usage: '',
  options: [
    ...MIRROR_OPTIONS,
    { name: 'dnssec', type: 'string', choices: ['keep', 'strip'], default: 'keep', help: 'build check mode (the zone is stored as downloaded either way)', env: false },
    { name: 'verbose', short: 'v', type: 'boolean', help: 'log each step on stderr', env: false },
  ],
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const config = mirrorConfigFromArgs(args);
    const verbose = bool(args, 'verbose');
    const log = quietLog(verbose);
    const verifiers = await loadVerifiers(config, verifierOptions(args));
    const pipeline = createZonePipeline({ layers: config.layers, dnssec: (str(args, 'dnssec') ?? 'keep') as 'keep' | 'strip', verifiers });
    const refresher = new Refresher({
      dataDir: new DataDir(config.dataDir),
      store: new ZoneStore(config.onExpired),
      pipeline,
      sources: config.sources,
      log,
      http: { maxBytes: config.maxBytes },
      axfr: { maxBytes: config.maxBytes * 4 },
      progress: process.stderr,
    });
    let ev;
    try {
      let loaded;
      try {
        loaded = await refresher.load();
      } catch (err) {
        if (err instanceof DataDirError) {
          process.stderr.write(`rootmirror fetch: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
      for (const p of loaded.problems) process.stderr.write(`rootmirror fetch: warning: stored copy ignored: ${p}\n`);
      ev = await refresher.refresh();
    } finally {
      await refresher.close();
    }
    const layers = Object.entries(ev.layers ?? {})
      .map(([l, v]) => `${l} ${v.ok ? 'ok' : 'FAILED'}${v.weak ? ' (weak)' : ''}`)
      .join(', ');
    if (ev.outcome === 'failed') {
      process.stderr.write(`rootmirror fetch: ${ev.error?.message ?? 'failed'}\n`);
      return 1;
    }
    const what = ev.outcome === 'updated' ? `stored serial ${ev.serial}` : `serial ${ev.serial} is current`;
    process.stdout.write(`${what} from ${ev.source}${layers !== '' ? ` (${layers})` : ''} in ${config.dataDir}\n`);
    return 0;
  },
};
