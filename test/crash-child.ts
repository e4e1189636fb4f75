// Child process for test/crash.test.ts (bundled with rolldown at test start):
// load the data dir like the daemon does, then refresh in a tight loop until
// killed. Prints `loaded <slot> <serial>` and `committed <serial>` lines.
//   argv: DATA_DIR SOURCE_URL ARMORED_PUBLIC_KEY_FILE

import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { ZoneStore } from '../src/zone/store.js';
import { DataDir } from '../src/refresh/data-dir.js';
import { MemoryLog } from '../src/log.js';
import { Refresher } from '../src/refresh/refresher.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from '../src/refresh/config.js';
import { pgpPipeline } from './refresh-kit.js';

const [dataDir, source, keyFile] = process.argv.slice(2) as [string, string, string];
const publicKey = await openpgp.readKey({ armoredKey: await readFile(keyFile, 'utf8') });
const refresher = new Refresher({
  dataDir: new DataDir(dataDir),
  store: new ZoneStore('servfail'),
  pipeline: pgpPipeline([{ publicKey }]),
  sources: [source],
  log: new MemoryLog(),
  fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
});
const loaded = await refresher.load();
process.stdout.write(`loaded ${loaded.slot ?? '-'} ${loaded.serial ?? '-'}\n`);
for (;;) {
  const ev = await refresher.refresh();
  if (ev.outcome === 'updated') process.stdout.write(`committed ${ev.serial}\n`);
  else if (ev.outcome === 'failed') process.stdout.write(`failed ${ev.error?.message}\n`);
}
