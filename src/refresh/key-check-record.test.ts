import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignatureError } from '../verify/pgp.js';
import type { VerifierFiles } from '../verify/layer-verifiers.js';
import { KEY_CHECK_FILE, checkVerifierFiles } from './key-check-record.js';

const INTERNIC_KEY = new URL('../../keys/registry-admin.key', import.meta.url).pathname;
const ROOT_KEY = new URL('../../keys/root.key', import.meta.url).pathname;
const ANCHORS = new URL('../../keys/root-anchors.xml', import.meta.url).pathname;

let dir: string;
let keyFile: string;
const files = (pgpKeys: string[], layers: VerifierFiles['layers'] = ['pgp']): VerifierFiles => ({ layers, pgpKeys, trustAnchors: [ANCHORS] });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-keycheck-'));
  keyFile = join(dir, 'internic.key');
  await copyFile(INTERNIC_KEY, keyFile);
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('checkVerifierFiles', () => {
  it('parses the keys the first time, then remembers the same files as passed', async () => {
    const first = await checkVerifierFiles(files([keyFile]), dir);
    expect(first.pgpKeysRemembered).toBe(false);
    expect(await checkVerifierFiles(files([keyFile]), dir)).toMatchObject({ pgpKeysRemembered: false }); // not yet remembered
    await first.remember();
    expect(JSON.parse(await readFile(join(dir, KEY_CHECK_FILE), 'utf8'))).toMatchObject({ version: 1, files: [{ file: keyFile }] });
    expect(await checkVerifierFiles(files([keyFile]), dir)).toMatchObject({ pgpKeysRemembered: true });
  });

  it('checks a key file again when one byte of it changed, and refuses it if it is bad', async () => {
    await (await checkVerifierFiles(files([keyFile]), dir)).remember();
    await writeFile(keyFile, 'not a key\n');
    await expect(checkVerifierFiles(files([keyFile]), dir)).rejects.toThrow(SignatureError);
  });

  it('checks again for another list of files, another openpgp.js version, or a record that is not ours', async () => {
    await (await checkVerifierFiles(files([keyFile]), dir)).remember();
    const both = await checkVerifierFiles(files([keyFile, INTERNIC_KEY]), dir);
    expect(both.pgpKeysRemembered).toBe(false);
    await both.remember();
    expect(await checkVerifierFiles(files([keyFile, INTERNIC_KEY]), dir)).toMatchObject({ pgpKeysRemembered: true });
    const record = JSON.parse(await readFile(join(dir, KEY_CHECK_FILE), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, KEY_CHECK_FILE), JSON.stringify({ ...record, openpgp: '0.0.1' }));
    expect(await checkVerifierFiles(files([keyFile, INTERNIC_KEY]), dir)).toMatchObject({ pgpKeysRemembered: false });
    await writeFile(join(dir, KEY_CHECK_FILE), 'garbage');
    expect(await checkVerifierFiles(files([keyFile, INTERNIC_KEY]), dir)).toMatchObject({ pgpKeysRemembered: false });
  });

  it('refuses an unreadable or missing key file with the full check\'s error, record or not', async () => {
    await (await checkVerifierFiles(files([keyFile]), dir)).remember();
    await rm(keyFile);
    await expect(checkVerifierFiles(files([keyFile]), dir)).rejects.toThrow(/cannot read OpenPGP key file/);
    await expect(checkVerifierFiles(files([]), dir)).rejects.toThrow(/no OpenPGP key file given/);
  });

  it('still reads the trust anchors every time', async () => {
    await checkVerifierFiles(files([keyFile], ['pgp', 'dnssec']), dir);
    const bad = join(dir, 'anchors.xml');
    await writeFile(bad, '<TrustAnchor>');
    await expect(checkVerifierFiles({ layers: ['pgp', 'dnssec'], pgpKeys: [keyFile], trustAnchors: [bad] }, dir)).rejects.toThrow();
  });

  it('passes without a record when the data dir does not exist yet, and remember() does not throw', async () => {
    const missing = join(dir, 'not-yet');
    const checked = await checkVerifierFiles(files([keyFile]), missing);
    expect(checked.pgpKeysRemembered).toBe(false);
    await checked.remember();
    expect(await checkVerifierFiles(files([ROOT_KEY]), missing).catch((e: Error) => e.name)).toBe('SignatureError');
  });
});
