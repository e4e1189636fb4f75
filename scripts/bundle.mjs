#!/usr/bin/env node
// Bundle the build (dist/, from tsc) into dist/bundle/ with rolldown, which
// bin/rootmirror runs: the CLI entry and every child process entry
// (childEntry('x.js') in dist/refresh/ is found by scanning, so a new child
// needs nothing here), each command and the serve daemon as their own chunks
// (main.ts and serve.ts import them lazily, so `healthcheck` or the --workers
// primary still load only what they run). Why: an ES module costs Node a
// resolve, a stat, a read and a compile of its own, and `serve` is ~100 of
// them: bundled, a start spends ~90 ms less CPU before its first answer, and
// every refresh child as much less (README "Dependencies").
//
// Every chunk lands two levels below the package root, as every module of
// dist/ does, so `new URL('../../keys/', import.meta.url)` and the like mean
// the same in both. openpgp, undici and node-cron stay external (node_modules).
//
//   node scripts/bundle.mjs        (npm run build runs it after tsc)

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'bundle');

const input = { main: join(DIST, 'cli/main.js') };
for (const file of readdirSync(join(DIST, 'refresh'))) {
  if (!file.endsWith('.js')) continue;
  for (const m of readFileSync(join(DIST, 'refresh', file), 'utf8').matchAll(/childEntry\('([a-z-]+)\.js'\)/g)) input[m[1]] = join(DIST, 'refresh', `${m[1]}.js`);
}
if (Object.keys(input).length < 2) throw new Error('scripts/bundle.mjs: no childEntry(...) found in dist/refresh/: run tsc first');

rmSync(OUT, { recursive: true, force: true });
await build({
  input,
  platform: 'node',
  external: [/^node:/, 'openpgp', 'undici', 'node-cron'],
  output: { dir: OUT, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true },
  logLevel: 'warn',
});
