import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKey, sign, type TestKey } from '../../test/refresh-kit.js';
import { INTERNIC_KEY_FINGERPRINT, loadPgpKeys, SignatureError, verifyDetachedSignature, type PgpKeyring, CLOCK_SKEW_MS } from './pgp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const REAL_KEY = join(root, 'keys/registry-admin.key');
const ZONE_SIG = join(root, 'test/fixtures/internic-signed/2019101300.root.zone.sig');
const HINTS = join(root, 'test/fixtures/keys/root.hints');
const HINTS_SIG = join(root, 'test/fixtures/keys/root.hints.sig');
const AT = new Date('2026-11-29T00:00:00Z');

const zone = gunzipSync(readFileSync(join(root, 'test/fixtures/internic-signed/2019101300.root.zone.gz')));
const zoneSig = readFileSync(ZONE_SIG);
const hints = readFileSync(HINTS);
const hintsSig = readFileSync(HINTS_SIG);

let tmp: string;
let real: PgpKeyring;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rootmirror-pgp-'));
  real = await loadPgpKeys([REAL_KEY]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

function hasCommand(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error === undefined;
}

describe('the real InterNIC key and files', () => {
  it('loads the binary key with its fingerprint and user id', () => {
    expect(real.keys).toHaveLength(1);
    expect(real.keys[0]).toMatchObject({
      fingerprint: INTERNIC_KEY_FINGERPRINT,
      keyId: '937BB869E3A238C5',
      userIds: ['Registry Administrator <nstld@verisign-grs.com>'],
      algorithm: 'DSA-1024',
    });
  });

  it('verifies the 2019 root.zone (2.2 MB), weak', async () => {
    expect(zone.length).toBe(2223738);
    const v = await verifyDetachedSignature(zone, zoneSig, real, { at: AT });
    const again = await verifyDetachedSignature(zone, zoneSig, real, { at: AT });
    console.log(`pgp: verified the ${zone.length}-byte InterNIC root.zone signature in ${v.ms.toFixed(1)} ms (first call), ${again.ms.toFixed(1)} ms (second)`);
    expect(again.ok).toBe(true);
    expect(v.ok, v.detail).toBe(true);
    expect(v.weak).toBe(true);
    expect(v.detail).toContain(INTERNIC_KEY_FINGERPRINT);
    expect(v.detail).toContain('Registry Administrator <nstld@verisign-grs.com>');
    expect(v.detail).toContain('made 2019-10-13T06:09:03Z');
    expect(v.detail).toContain('DSA-1024/SHA-1');
    expect(v.detail).toMatch(/weak layer .*ZONEMD and DNSSEC carry the trust/);
  });

  it('verifies root.hints at the real clock (no `at`)', async () => {
    const v = await verifyDetachedSignature(hints, hintsSig, real);
    expect(v).toMatchObject({ ok: true, weak: true });
    expect(v.detail).toContain('made 2024-05-21T05:52:24Z');
  });

  it('does not change the global openpgp config', () => {
    expect(openpgp.config.rejectMessageHashAlgorithms.has(openpgp.enums.hash.sha1)).toBe(true);
    expect(openpgp.config.rejectPublicKeyAlgorithms.has(openpgp.enums.publicKey.dsa)).toBe(true);
    expect(openpgp.config.allowInsecureVerificationWithReformattedKeys).toBe(false);
  });

  const cases = [
    { name: 'root.zone', data: () => zone, sig: () => zoneSig },
    { name: 'root.hints', data: () => hints, sig: () => hintsSig },
  ];
  for (const c of cases) {
    for (const where of ['middle', 'last'] as const) {
      it(`rejects ${c.name} with one byte changed (${where})`, async () => {
        const data = c.data();
        const v = await verifyDetachedSignature(flipped(data, where === 'middle' ? data.length >> 1 : data.length - 1), c.sig(), real, { at: AT });
        expect(v.ok).toBe(false);
        expect(v.weak).toBeUndefined();
        expect(v.detail).toMatch(/^bad signature by F0CB1A326BDF3F3EFA3A01FA937BB869E3A238C5 .*not the ones signed/);
      });
    }
  }

  it('rejects the root.hints signature over root.zone, and one byte less', async () => {
    expect((await verifyDetachedSignature(zone, hintsSig, real, { at: AT })).detail).toMatch(/^bad signature/);
    expect((await verifyDetachedSignature(hints.subarray(0, -1), hintsSig, real, { at: AT })).ok).toBe(false);
  });

  it('accepts the signatures armoured too', async () => {
    const armored = new TextEncoder().encode(openpgp.armor(openpgp.enums.armor.signature, zoneSig));
    expect((await verifyDetachedSignature(zone, armored, real, { at: AT })).ok).toBe(true);
  });

  it('says "check the clock" when the signature is newer than the host time', async () => {
    const v = await verifyDetachedSignature(hints, hintsSig, real, { at: new Date('2024-05-21T05:00:00Z') });
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/made 2024-05-21T05:52:24Z, 3144 s after this host's time .*check the clock/);
  });

  it('tolerates a few minutes of clock skew (CLOCK_SKEW_MS), not more', async () => {
    const made = Date.parse('2024-05-21T05:52:24Z');
    expect((await verifyDetachedSignature(hints, hintsSig, real, { at: new Date(made - CLOCK_SKEW_MS + 1000) })).ok).toBe(true);
    expect((await verifyDetachedSignature(hints, hintsSig, real, { at: new Date(made - CLOCK_SKEW_MS - 1000) })).ok).toBe(false);
  });

  it('rejects the real signatures with a keyring that lacks the InterNIC key', async () => {
    const other = await makeKey('other');
    const file = join(tmp, 'other-only.asc');
    writeFileSync(file, other.publicKey.armor());
    const v = await verifyDetachedSignature(zone, zoneSig, await loadPgpKeys([file]), { at: AT });
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/^signed by key id 937BB869E3A238C5, which is not in the keyring \(have: [0-9A-F]{40}\)/);
  });
});

describe('throw-away keys (library defaults)', () => {
  const data = new TextEncoder().encode('.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 2026112900 1800 900 604800 86400\n');
  let alice: TestKey;
  let mallory: TestKey;
  let ring: PgpKeyring;

  beforeAll(async () => {
    [alice, mallory] = await Promise.all([makeKey('alice'), makeKey('mallory')]);
    writeFileSync(join(tmp, 'alice.asc'), alice.publicKey.armor());
    writeFileSync(join(tmp, 'alice.gpg'), alice.publicKey.write());
    ring = await loadPgpKeys([join(tmp, 'alice.asc')]);
  });

  it('loads an armoured and a binary key file; the same key once', async () => {
    const binary = await loadPgpKeys([join(tmp, 'alice.gpg')]);
    expect(binary.keys.map((k) => k.fingerprint)).toEqual(ring.keys.map((k) => k.fingerprint));
    expect(ring.keys[0]!.fingerprint).toBe(alice.publicKey.getFingerprint().toUpperCase());
    expect((await loadPgpKeys([join(tmp, 'alice.asc'), join(tmp, 'alice.gpg')])).keys).toHaveLength(1);
  });

  it('verifies a signature by a key in the keyring, not weak', async () => {
    const v = await verifyDetachedSignature(data, await sign(alice, data), ring, { at: new Date() });
    expect(v.ok, v.detail).toBe(true);
    expect(v.weak).toBeUndefined();
    expect(v.detail).toMatch(/^good signature by [0-9A-F]{40} "alice", made \S+Z, EdDSA ed25519Legacy\/SHA-512$/);
  });

  it('verifies an armoured signature', async () => {
    const message = await openpgp.createMessage({ binary: data });
    const armored = await openpgp.sign({ message, signingKeys: alice.privateKey, detached: true });
    expect((await verifyDetachedSignature(data, new TextEncoder().encode(armored), ring)).ok).toBe(true);
  });

  it('rejects a signature by a key not in the keyring, naming its key id', async () => {
    const v = await verifyDetachedSignature(data, await sign(mallory, data), ring);
    expect(v.ok).toBe(false);
    const id = mallory.publicKey.getKeyID().toHex().toUpperCase();
    expect(v.detail).toContain(`signed by key id ${id}`);
    expect(v.detail).toContain('not in the keyring');
  });

  it('a bad signature by a keyring key fails even next to a good one', async () => {
    const good = await sign(alice, data);
    const bad = await sign(alice, flipped(data, 3));
    const both = new Uint8Array([...good, ...bad]);
    expect((await verifyDetachedSignature(data, both, ring)).detail).toMatch(/^bad signature/);
    const withStranger = new Uint8Array([...(await sign(mallory, data)), ...good]);
    const v = await verifyDetachedSignature(data, withStranger, ring);
    expect(v.ok).toBe(true);
    expect(v.detail).toContain('ignored 1 more signature(s) by keys not in the keyring');
  });

  it('rejects a text-mode signature (it does not cover the exact bytes)', async () => {
    const message = await openpgp.createMessage({ text: new TextDecoder().decode(data) });
    const sig = (await openpgp.sign({ message, signingKeys: alice.privateKey, detached: true, format: 'binary' })) as Uint8Array;
    const v = await verifyDetachedSignature(data, sig, ring);
    expect(v.ok).toBe(false);
    expect(v.detail).toContain('type 0x01, not a binary document signature');
  });

  it('rejects a signature from the future, a hard-revoked key; accepts a signature made before the key expired', async () => {
    const message = await openpgp.createMessage({ binary: data });
    const future = (await openpgp.sign({ message, signingKeys: alice.privateKey, detached: true, format: 'binary', date: new Date(Date.now() + 3_600_000) })) as Uint8Array;
    expect((await verifyDetachedSignature(data, future, ring)).detail).toMatch(/after this host's time .*check the clock/);

    const sig = await sign(alice, data);
    const { publicKey: revoked } = await openpgp.revokeKey({ key: alice.privateKey, format: 'object' });
    writeFileSync(join(tmp, 'alice-revoked.asc'), revoked.armor());
    const v = await verifyDetachedSignature(data, sig, await loadPgpKeys([join(tmp, 'alice-revoked.asc')]));
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/^signature by [0-9A-F]{40} "alice" .* rejected: Primary key is revoked$/);

    const created = new Date('2026-01-01T00:00:00Z');
    const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'short-lived' }], date: created, keyExpirationTime: 86_400, format: 'object' });
    const old = (await openpgp.sign({ message, signingKeys: privateKey, detached: true, format: 'binary', date: new Date('2026-01-01T12:00:00Z') })) as Uint8Array;
    writeFileSync(join(tmp, 'short.asc'), publicKey.armor());
    const e = await verifyDetachedSignature(data, old, await loadPgpKeys([join(tmp, 'short.asc')]), { at: AT });
    expect(e.ok, e.detail).toBe(true);
    expect(e.detail).toContain('note: the key expired 2026-01-02T00:00:00Z');
  });

  it('garbage, empty, or packet-less signatures are verdicts, not exceptions', async () => {
    for (const garbage of [new TextEncoder().encode('not a signature\n'), new Uint8Array([0x88, 0x40, 4, 0]), new Uint8Array(0)]) {
      const v = await verifyDetachedSignature(data, garbage, ring);
      expect(v.ok).toBe(false);
      expect(v.detail).toMatch(/^malformed signature: /);
    }
    // A lone marker packet (RFC 9580 §5.8, "PGP"): valid OpenPGP, no signature.
    const marker = new Uint8Array([0xa8, 0x03, 0x50, 0x47, 0x50]);
    expect((await verifyDetachedSignature(data, marker, ring)).detail).toBe('no signature packet in the signature file');
    // Version 1 signature packet: openpgp keeps it as unparseable.
    expect((await verifyDetachedSignature(data, new Uint8Array([0x88, 0x05, 1, 2, 3, 4, 5]), ring)).detail).toMatch(/^malformed signature: 1 signature packet\(s\) that openpgp cannot parse/);
  });
});

describe('loadPgpKeys failures throw SignatureError naming the file', () => {
  it.each([
    ['garbage', 'garbage.key', new TextEncoder().encode('this is not a key\n')],
    ['binary garbage', 'garbage.gpg', new Uint8Array([0x99, 0x00, 0x01, 0xff])],
    ['empty', 'empty.key', new Uint8Array(0)],
    ['a signature', 'a-signature.key', readFileSync(HINTS_SIG)],
  ])('%s', async (_what, name, bytes) => {
    const file = join(tmp, name);
    writeFileSync(file, bytes);
    const err = await loadPgpKeys([REAL_KEY, file]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignatureError);
    expect((err as SignatureError).name).toBe('SignatureError');
    expect((err as SignatureError).file).toBe(file);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')} is not an OpenPGP public key`));
  });

  it('a missing file', async () => {
    const err = await loadPgpKeys([join(tmp, 'nope.key')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignatureError);
    expect((err as Error).message).toMatch(/^cannot read OpenPGP key file .*nope\.key: ENOENT.*check the --pgp-key path$/);
  });

  it('a private key, and no file at all', async () => {
    const k = await makeKey('secret');
    const file = join(tmp, 'secret.asc');
    writeFileSync(file, k.privateKey.armor());
    await expect(loadPgpKeys([file])).rejects.toThrow(/secret\.asc holds a private key/);
    await expect(loadPgpKeys([])).rejects.toThrow(SignatureError);
  });
});

// openpgp v6 cannot generate DSA keys; gpg can. A DSA-1024/SHA-1 signature by
// any key other than the pinned one must get the library defaults (rejected).
describe.skipIf(!hasCommand('gpg'))('a DSA-1024 key that is not the pinned one (made with gpg)', () => {
  const home = mkdtempSync(join(tmpdir(), 'rootmirror-gnupg-'));
  const env = { ...process.env, GNUPGHOME: home };
  const data = new TextEncoder().encode('hello zone\n');
  const gpg = (args: string[], input?: Uint8Array): Buffer => {
    const r = spawnSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env, input });
    if (r.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${r.stderr.toString()}`);
    return r.stdout;
  };
  let dsa: PgpKeyring;

  beforeAll(async () => {
    gpg(['--quick-gen-key', 'Not Pinned <dsa@example.invalid>', 'dsa1024', 'sign', 'never']);
    writeFileSync(join(home, 'dsa.gpg'), gpg(['--export']));
    dsa = await loadPgpKeys([join(home, 'dsa.gpg')]);
  });
  afterAll(() => {
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env });
    rmSync(home, { recursive: true, force: true });
  });

  it('is a DSA-1024 key', () => {
    expect(dsa.keys[0]!.algorithm).toBe('DSA-1024');
    expect(dsa.keys[0]!.fingerprint).not.toBe(INTERNIC_KEY_FINGERPRINT);
  });

  it('its SHA-1 signature is rejected, also with the pinned key in the keyring', async () => {
    const sig = gpg(['--digest-algo', 'SHA1', '--detach-sign', '-o', '-'], data);
    const both = await loadPgpKeys([REAL_KEY, join(home, 'dsa.gpg')]);
    for (const ring of [dsa, both]) {
      const v = await verifyDetachedSignature(data, sig, ring);
      expect(v.ok).toBe(false);
      expect(v.detail).toMatch(/DSA-1024\/SHA-1\) rejected: Insecure message hash algorithm: SHA1 \(openpgp's defaults; only the pinned InterNIC key/);
    }
  });

  it('its SHA-256 signature is rejected for the DSA key itself', async () => {
    const sig = gpg(['--digest-algo', 'SHA256', '--detach-sign', '-o', '-'], data);
    const v = await verifyDetachedSignature(data, sig, dsa);
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/DSA-1024\/SHA-256\) rejected: Could not verify primary key: dsa keys are considered too weak/);
  });
});

// gpgv reads a binary key file as a keyring (old pubring.gpg format); an
// absolute path keeps it from looking in the homedir.
describe.skipIf(!hasCommand('gpgv'))('gpgv agrees', () => {
  const gpgv = (sig: string, data: string): number => {
    const home = mkdtempSync(join(tmpdir(), 'rootmirror-gpgv-'));
    try {
      return spawnSync('gpgv', ['--homedir', home, '--keyring', REAL_KEY, sig, data], { stdio: 'ignore' }).status ?? -1;
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  it('on the real files, and on one changed byte', async () => {
    const zoneFile = join(tmp, 'root.zone');
    writeFileSync(zoneFile, zone);
    const badFile = join(tmp, 'root.zone.bad');
    const bad = flipped(zone, zone.length >> 1);
    writeFileSync(badFile, bad);
    const cases: [string, string, Uint8Array, Uint8Array][] = [
      [ZONE_SIG, zoneFile, zoneSig, zone],
      [HINTS_SIG, HINTS, hintsSig, hints],
      [ZONE_SIG, badFile, zoneSig, bad],
      [HINTS_SIG, zoneFile, hintsSig, zone],
    ];
    for (const [sigFile, dataFile, sig, bytes] of cases) {
      const ours = await verifyDetachedSignature(bytes, sig, real, { at: AT });
      expect(gpgv(sigFile, dataFile) === 0, `${dataFile}: ${ours.detail}`).toBe(ours.ok);
    }
    expect(gpgv(ZONE_SIG, zoneFile)).toBe(0);
    expect(gpgv(ZONE_SIG, badFile)).not.toBe(0);
  });
});
