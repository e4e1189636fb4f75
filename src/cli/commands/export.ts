// `rootmirror export FILE --format tinydns|bind [--dnssec strip|keep] [-o OUT]`.

import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { loadZoneFile } from '../../zone/build.js';
import { exportBind } from '../../zone/export-bind.js';
import { exportTinydns } from '../../zone/export-tinydns.js';
import type { DnssecMode } from '../../zone/zone.js';
import { UsageError, defaultedStr, str, type Command } from '../options.js';
import { dnssecOption } from '../shared-options.js';

export const command: Command = {
  name: 'export',
  summary: 'write a zone file as tinydns-data "data" or as a BIND master file',
  usage: 'FILE --format tinydns|bind',
  options: [
    { name: 'format', short: 'f', type: 'string', choices: ['tinydns', 'bind'], help: 'output format (required)' },
    dnssecOption({ help: 'drop DNSSEC records (strip) or keep them (bind only)' }),
    { name: 'output', short: 'o', type: 'string', metavar: 'OUT', help: 'write to OUT (atomically) instead of stdout', env: false },
  ],
  async run(args) {
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    const format = str(args, 'format');
    if (format === undefined) throw new UsageError('--format tinydns|bind is required');
    const dnssec = defaultedStr(args, 'dnssec') as DnssecMode;
    if (format === 'tinydns' && dnssec === 'keep') throw new UsageError('tinydns cannot serve DNSSEC records; use --dnssec strip');
    const zone = await loadZoneFile(args.positionals[0]!, { dnssec, onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
    const lines = format === 'tinydns' ? exportTinydns(zone) : exportBind(zone);
    const out = str(args, 'output');
    if (out === undefined) {
      for (const chunk of batches(lines)) if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
      return 0;
    }
    // Write aside, then rename: a reader (tinydns-data, named) never sees half a file.
    const tmp = `${out}.tmp-${process.pid}`;
    const ws = createWriteStream(tmp);
    try {
      for (const chunk of batches(lines)) if (!ws.write(chunk)) await once(ws, 'drain');
      ws.end();
      await once(ws, 'finish');
      await rename(tmp, out);
    } catch (err) {
      ws.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
    return 0;
  },
};

/** Join lines into ~64 KiB chunks: one write per line would dominate the run time. */
function* batches(lines: Iterable<string>): Generator<string> {
  let buf = '';
  for (const l of lines) {
    buf += l;
    if (buf.length >= 65536) {
      yield buf;
      buf = '';
    }
  }
  if (buf !== '') yield buf;
}
