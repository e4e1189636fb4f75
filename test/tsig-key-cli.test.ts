// `--tsig-key FILE` and `axfr://HOST?tsig=NAME` through the CLI: every way the
// key configuration can be wrong is a configuration error (exit 78, one line)
// found before anything is fetched or bound.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

const KEY_FILE = `key "xfr-key." {
    algorithm hmac-sha256;
    secret "NHC1SvqwNisA9kmmMLSsmvxeaiqZFWO0FEcxcT2/KfU=";
};
`;

let dir: string;
let err: string[];
const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t) };
// Port 1 on loopback: nothing there, so reaching the network would be a different error than the one expected.
const fetch = (...extra: string[]): Promise<number> => main(['fetch', '--data-dir', join(dir, 'data'), '--verify', 'zonemd,dnssec', ...extra], io);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-tsig-cli-'));
  err = [];
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('--tsig-key and ?tsig=', () => {
  it('a missing key file: exit 78, one line naming the option and the file', async () => {
    const missing = join(dir, 'nope.key');
    expect(await fetch('--source', 'axfr://127.0.0.1:1?tsig=xfr-key', '--tsig-key', missing)).toBe(78);
    expect(err.join('')).toMatch(new RegExp(`--tsig-key ${missing.replace(/[.\\]/g, '\\$&')}: cannot read it \\(ENOENT\\)`));
    expect(err.join('').trim().split('\n')).toHaveLength(1);
  });

  it('a malformed key file: exit 78, the parser names file:line', async () => {
    const bad = join(dir, 'bad.key');
    await writeFile(bad, 'key "xfr-key." {\n  algorithm hmac-md5;\n  secret "AAAA";\n};\n');
    expect(await fetch('--source', 'axfr://127.0.0.1:1?tsig=xfr-key', '--tsig-key', bad)).toBe(78);
    expect(err.join('')).toMatch(/bad\.key:2: unknown TSIG algorithm "hmac-md5"/);
  });

  it('?tsig=NAME naming a key that no --tsig-key file holds: exit 78, names the key and the files', async () => {
    const file = join(dir, 'xfr.key');
    await writeFile(file, KEY_FILE);
    expect(await fetch('--source', 'axfr://127.0.0.1:1?tsig=other-key', '--tsig-key', file)).toBe(78);
    expect(err.join('')).toMatch(/tsig=other-key\.: no such key in --tsig-key .*xfr\.key \(it holds xfr-key\.\)/);
  });

  it('?tsig=NAME with no --tsig-key at all: exit 78, says to give one', async () => {
    expect(await fetch('--source', 'axfr://127.0.0.1:1?tsig=xfr-key')).toBe(78);
    expect(err.join('')).toMatch(/tsig=xfr-key\.: no --tsig-key file given; add --tsig-key FILE holding key "xfr-key\."/);
  });

  it('the same key name in two files: exit 78', async () => {
    const a = join(dir, 'a.key');
    const b = join(dir, 'b.key');
    await writeFile(a, KEY_FILE);
    await writeFile(b, KEY_FILE);
    expect(await fetch('--source', 'axfr://127.0.0.1:1?tsig=xfr-key', '--tsig-key', a, '--tsig-key', b)).toBe(78);
    expect(err.join('')).toMatch(/key "xfr-key\." is in both .*a\.key and .*b\.key/);
  });
});
