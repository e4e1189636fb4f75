// How to tell the operator to run rootmirror again: `rootmirror` when that
// name on PATH is this very program, else the command line that started this
// process (`npm run demo` from a checkout puts nothing on PATH).

import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The demo's files in the package. Every module of the build sits two levels
 * below the package root (dist/cli/, or dist/bundle/ from scripts/bundle.mjs;
 * src/cli/ under the test runner), so this is the one place that says where.
 */
export const PACKAGE_DEMO_DIR = new URL('../../demo/', import.meta.url);

function realpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** `rootmirror`, or `NODE /path/to/bin/rootmirror` when `rootmirror` on PATH is another program or none. */
export function selfCommand(argv1 = process.argv[1], pathVar = process.env.PATH ?? ''): string {
  const self = argv1 === undefined ? undefined : realpath(argv1);
  if (self === undefined) return 'rootmirror';
  for (const dir of pathVar.split(delimiter)) {
    if (dir !== '' && realpath(join(dir, 'rootmirror')) === self) return 'rootmirror';
  }
  return `${process.execPath} ${self}`;
}
