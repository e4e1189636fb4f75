// `rootmirror fetch`: one refresh cycle into --data-dir, then exit (for people
// who keep cron). Exit 0 when a verified copy was stored or the held one is
// still current; 1 with a one-line reason otherwise.
//
// Its options (MIRROR_OPTIONS, src/cli/mirror-options.ts) are shared with
// `serve` (daemon mode) and `verify`.

import { axfrOptions, checkSourcesAgainstLayers } from '../../refresh/config.js';
import { readTsigKeyFiles } from '../../refresh/tsig-key-files.js';
import { DataDir, DataDirError } from '../../refresh/data-dir.js';
import { createLogger, nullLogger, type Logger } from '../../log.js';
import { Refresher } from '../../refresh/refresher.js';
import { checkVerifierFiles } from '../../refresh/key-check-record.js';
import type { Layer } from '../../verify/verdict.js';
import { createWorkerZonePipeline } from '../../refresh/worker-pipeline.js';
import { ZoneStore } from '../../zone/store.js';
import { MIRROR_OPTIONS, mirrorConfigFromArgs, verifierOptions } from '../mirror-options.js';
import { UsageError, bool, defaultedStr, type Command } from '../options.js';
import { dnssecOption } from '../shared-options.js';

/**
 * The same logger as `serve`'s, quiet on success (cron mails stderr) unless
 * --verbose: warnings only, since the command's own last line says why it failed.
 */
function quietLog(verbose: boolean): Logger {
  const log = createLogger({ fields: { cmd: 'fetch' } });
  if (verbose) return log;
  const quiet: Logger = { ...nullLogger, warn: log.warn, child: () => quiet };
  return quiet;
}

export const command: Command = {
  name: 'fetch',
  summary: 'one refresh cycle into --data-dir (download, verify, store), then exit; for cron',
  usage: '',
  options: [
    ...MIRROR_OPTIONS,
    // keep: fetch checks that the whole zone, signatures included, builds; and no ROOTMIRROR_DNSSEC, which is serve's mode, not this check's.
    dnssecOption({ default: 'keep', env: false, help: 'build check mode, and the mode of the zone image stored beside the copy (serve with the same --dnssec starts from it at once; the zone is stored as downloaded either way)' }),
    { name: 'verbose', short: 'v', type: 'boolean', help: 'log each step on stderr', env: false },
  ],
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const config = mirrorConfigFromArgs(args);
    const verbose = bool(args, 'verbose');
    const log = quietLog(verbose);
    // Read now so a bad key or anchor file is one line and exit 78; the check's own process reads them again.
    // A passed key check is remembered in the data dir, as `serve` remembers it (key-check-record.ts).
    const keyCheck = await checkVerifierFiles(config, config.dataDir);
    const tsigKeys = await readTsigKeyFiles(config.tsigKeyFiles ?? [], checkSourcesAgainstLayers(config.sources, config.layers));
    // As `serve` checks: in a child process, which also writes the zone image stored beside the copy, so a
    // `serve` started on this data dir answers at once.
    const pipeline = createWorkerZonePipeline({
      files: { layers: config.layers, pgpKeys: config.pgpKeys, trustAnchors: config.trustAnchors },
      allSignatures: verifierOptions(args).allSignatures ?? false,
      dnssec: defaultedStr(args, 'dnssec') as 'keep' | 'strip',
      maxRecords: config.maxRecords,
      onWarning: (w) => log.warn(w),
      scratchDir: config.dataDir,
    });
    const refresher = new Refresher({
      dataDir: new DataDir(config.dataDir),
      store: new ZoneStore(config.onExpired),
      pipeline,
      sources: config.sources,
      log,
      http: { maxBytes: config.maxBytes },
      fetchTimeoutMs: config.fetchTimeoutMs,
      axfr: axfrOptions(config),
      tsigKeys,
      progress: process.stderr,
    });
    let ev;
    try {
      let loaded;
      try {
        loaded = await refresher.load();
        await keyCheck.remember();
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
