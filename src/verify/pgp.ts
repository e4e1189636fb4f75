// PGP layer: a detached OpenPGP signature over the exact bytes of a download
// (InterNIC's root.zone.sig, named.root.sig), checked with openpgp.js against
// the operator's keyring. Bad signatures are verdicts; only key files that
// cannot be loaded throw (SignatureError), so a misconfiguration fails at start.
//
// The InterNIC key is DSA-1024 and signs with SHA-1, both of which openpgp.js
// v6 rejects by default. That key alone, pinned by fingerprint, is verified
// with a relaxed per-call config; its verdicts are marked weak, and ZONEMD +
// DNSSEC carry the trust. Every other key gets the library defaults.

import { readFile } from 'node:fs/promises';
import type * as OpenPGP from 'openpgp';
import { bytesToHex } from '../dns/rdata/encoding.js';
import { isoTime, timed, type Verdict } from './verdict.js';
import { ConfigError } from '../errors.js';

// openpgp.js (~15 MB resident once loaded) is loaded by the first key load
// or verification, not with this module: `serve --zone-file` never needs it.
// Everything below that touches `openpgp` runs after one of those two.
let openpgp: typeof OpenPGP;
async function loadOpenpgp(): Promise<void> {
  openpgp ??= await import('openpgp');
}

/** Registry Administrator <nstld@verisign-grs.com>, DSA-1024, created 2016-01-20 (keys/README.md). */
export const INTERNIC_KEY_FINGERPRINT = 'F0CB1A326BDF3F3EFA3A01FA937BB869E3A238C5';

/** A key file that cannot be used: unreadable, not an OpenPGP public key, or a private key. */
export class SignatureError extends ConfigError {
  override readonly name = 'SignatureError';
  constructor(
    message: string,
    readonly file: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface PgpKey {
  /** Upper-case hex, as gpg prints it. */
  readonly fingerprint: string;
  /** The primary key's 64-bit key id, upper-case hex. */
  readonly keyId: string;
  readonly userIds: readonly string[];
  /** e.g. "DSA-1024", "EdDSA ed25519Legacy", "RSA-4096". */
  readonly algorithm: string;
  /** The file it was loaded from. */
  readonly file: string;
  readonly key: OpenPGP.PublicKey;
}

export interface PgpKeyring {
  readonly keys: readonly PgpKey[];
}

export interface PgpVerifyOptions {
  /** The time to check signature and key validity at (default: now). */
  readonly at?: Date;
}

/**
 * Read OpenPGP public keys (binary or ASCII-armoured, one or more per file).
 * Throws SignatureError naming the file when it cannot be read or holds no
 * public key. A key given twice is kept once.
 */
export async function loadPgpKeys(files: readonly string[]): Promise<PgpKeyring> {
  if (files.length === 0) throw new SignatureError('no OpenPGP key file given: pass --pgp-key FILE (rootmirror ships keys/registry-admin.key)', undefined);
  await loadOpenpgp();
  const keys: PgpKey[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new SignatureError(`cannot read OpenPGP key file ${file}: ${(err as Error).message}; check the --pgp-key path`, file, { cause: err });
    }
    let parsed: OpenPGP.Key[];
    try {
      if (bytes.length === 0) throw new Error('the file is empty');
      parsed = isArmored(bytes)
        ? await openpgp.readKeys({ armoredKeys: new TextDecoder().decode(bytes) })
        : await openpgp.readKeys({ binaryKeys: bytes });
    } catch (err) {
      throw new SignatureError(
        `${file} is not an OpenPGP public key (${oneLine(err)}); give a key as written by "gpg --export [--armor] FINGERPRINT"`,
        file,
        { cause: err },
      );
    }
    for (const key of parsed) {
      const fingerprint = key.getFingerprint().toUpperCase();
      if (key.isPrivate()) {
        throw new SignatureError(`${file} holds a private key (${fingerprint}); give only its public key ("gpg --export ${fingerprint}")`, file);
      }
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      keys.push({
        fingerprint,
        keyId: key.getKeyID().toHex().toUpperCase(),
        userIds: key.getUserIDs(),
        algorithm: algorithmName(key.getAlgorithmInfo()),
        file,
        key,
      });
    }
  }
  return { keys };
}

/**
 * Check a detached signature (binary or armoured) over exactly `bytes`.
 * Every signature packet whose key is in the keyring must verify, and at
 * least one must; packets by other keys are ignored when one verifies.
 */
export function verifyDetachedSignature(
  bytes: Uint8Array,
  signature: Uint8Array,
  keyring: PgpKeyring,
  opts: PgpVerifyOptions = {},
): Promise<Verdict> {
  // Signatures made up to CLOCK_SKEW_MS "in the future" are clock skew between
  // the signer and this host (a fresh InterNIC file is fetched minutes after
  // it is signed), not an attack; beyond that the clock needs fixing.
  const at = new Date((opts.at ?? new Date()).getTime() + CLOCK_SKEW_MS);
  return timed(() => verify(bytes, signature, keyring, at));
}

/** How far ahead of this host's clock a signature's creation time may be. */
export const CLOCK_SKEW_MS = 5 * 60_000;

type Outcome = { readonly ok: boolean; readonly detail: string; readonly weak?: boolean };

async function verify(bytes: Uint8Array, sigBytes: Uint8Array, keyring: PgpKeyring, at: Date): Promise<Outcome> {
  if (sigBytes.length === 0) return { ok: false, detail: 'malformed signature: the signature file is empty' };
  await loadOpenpgp();
  let packets: OpenPGP.SignaturePacket[];
  try {
    const sig = isArmored(sigBytes)
      ? await openpgp.readSignature({ armoredSignature: new TextDecoder().decode(sigBytes) })
      : await openpgp.readSignature({ binarySignature: sigBytes });
    // openpgp keeps packets it cannot parse (e.g. an unknown version) as UnparseablePacket.
    const all = [...sig.packets] as unknown[];
    packets = all.filter((p): p is OpenPGP.SignaturePacket => p instanceof openpgp.SignaturePacket);
    if (all.length > 0 && packets.length === 0) return { ok: false, detail: `malformed signature: ${all.length} signature packet(s) that openpgp cannot parse (unsupported version?)` };
  } catch (err) {
    return { ok: false, detail: `malformed signature: ${oneLine(err)}` };
  }
  if (packets.length === 0) return { ok: false, detail: 'no signature packet in the signature file' };

  const results: Outcome[] = [];
  const unknown: string[] = [];
  for (const packet of packets) {
    // getKeys() matches every key for a wildcard (all-zero) issuer; such a signature names no key.
    const issuer = packet.issuerKeyID;
    const signer = isWildcard(issuer) ? undefined : keyring.keys.find((k) => k.key.getKeys(issuer).length > 0);
    if (signer === undefined) {
      unknown.push(issuerText(packet));
      continue;
    }
    results.push(await verifyOne(bytes, packet, signer, at));
  }
  const bad = results.find((r) => !r.ok);
  if (bad !== undefined) return bad;
  const good = results[0];
  if (good === undefined) {
    const have = keyring.keys.map((k) => k.fingerprint).join(', ') || 'none';
    return { ok: false, detail: `signed by ${unknown.join(' and ')}, which is not in the keyring (have: ${have}); check --pgp-key` };
  }
  const others = unknown.length > 0 ? `; ignored ${unknown.length} more signature(s) by keys not in the keyring` : '';
  return { ...good, detail: good.detail + others };
}

async function verifyOne(bytes: Uint8Array, packet: OpenPGP.SignaturePacket, signer: PgpKey, at: Date): Promise<Outcome> {
  const pinned = signer.fingerprint === INTERNIC_KEY_FINGERPRINT;
  const who = `${signer.fingerprint} "${signer.userIds[0] ?? 'no user id'}"`;
  const created = packet.created instanceof Date ? packet.created : null;
  const what = `made ${created === null ? 'at an unknown time' : isoTime(created)}, ${signer.algorithm}/${hashName(packet.hashAlgorithm)}`;

  // Only binary-mode (0x00) signatures cover the exact bytes; a text-mode
  // (0x01) one hashes canonicalised line endings, so a CRLF-rewritten zone
  // would still verify (RFC 9580 §5.2.1).
  if (packet.signatureType !== openpgp.enums.signature.binary) {
    const type = packet.signatureType === null ? 'unknown' : `0x${packet.signatureType.toString(16).padStart(2, '0')}`;
    return { ok: false, detail: `signature by ${who} has type ${type}, not a binary document signature (0x00) over the exact bytes; re-sign without --textmode` };
  }

  const packetList = new openpgp.PacketList<OpenPGP.SignaturePacket>();
  packetList.push(packet);
  try {
    const message = await openpgp.createMessage({ binary: bytes });
    const result = await openpgp.verify({
      message,
      signature: new openpgp.Signature(packetList),
      // Only the signer: the relaxed config below can reach no other key.
      verificationKeys: [signer.key],
      date: at,
      format: 'binary',
      ...(pinned ? { config: pinnedKeyConfig() } : {}),
    });
    const [one] = result.signatures;
    if (one === undefined) throw new Error('openpgp returned no verification result');
    await one.verified;
  } catch (err) {
    return { ok: false, detail: rejection(err, who, what, created, at, pinned) };
  }

  const expiry = await signer.key.getExpirationTime().catch(() => null);
  const expired = expiry instanceof Date && expiry <= at ? ` (note: the key expired ${isoTime(expiry)}; the signature predates that)` : '';
  if (pinned) {
    return { ok: true, weak: true, detail: `good signature by ${who}, ${what}${expired}; weak layer (DSA-1024/SHA-1): ZONEMD and DNSSEC carry the trust` };
  }
  return { ok: true, detail: `good signature by ${who}, ${what}${expired}` };
}

/**
 * openpgp.js v6 defaults (config.ts in the package) reject, among others:
 * rejectPublicKeyAlgorithms {elgamal, dsa}; rejectMessageHashAlgorithms {md5,
 * ripemd, sha1}; rejectHashAlgorithms {md5, ripemd}; minRSABits 2047;
 * rejectCurves {secp256k1}. For the pinned key we drop only DSA and SHA-1 and
 * keep the rest (an MD5 signature by it still fails).
 *
 * allowInsecureVerificationWithReformattedKeys: the key as published carries
 * one self-signature, re-issued 2022-08-17 (the key dates from 2016 and never
 * expires). openpgp checks that the key was valid when the data was signed, so
 * every InterNIC signature made before 2022-08-17 (the 2019 fixture) fails with
 * "self-signature creation time is in the future". With this flag openpgp
 * accepts the key if it is valid now instead; gpgv accepts these signatures too.
 */
function pinnedKeyConfig(): OpenPGP.PartialConfig {
  const { enums, config } = openpgp;
  return {
    rejectPublicKeyAlgorithms: new Set([...config.rejectPublicKeyAlgorithms].filter((a) => a !== enums.publicKey.dsa)),
    rejectMessageHashAlgorithms: new Set([...config.rejectMessageHashAlgorithms].filter((h) => h !== enums.hash.sha1)),
    allowInsecureVerificationWithReformattedKeys: true,
  };
}

/** One line saying why openpgp refused, in an operator's words where we know them. */
function rejection(err: unknown, who: string, what: string, created: Date | null, at: Date, pinned: boolean): string {
  const msg = oneLine(err);
  if (/Signed digest did not match|Signature verification failed/.test(msg)) {
    return `bad signature by ${who} (${what}): the bytes are not the ones signed (changed, truncated, or the signature of another file)`;
  }
  if (created !== null && created > at) {
    const host = at.getTime() - CLOCK_SKEW_MS;
    return `signature by ${who} was made ${isoTime(created)}, ${Math.round((created.getTime() - host) / 1000)} s after this host's time ${isoTime(new Date(host))}: check the clock (NTP)`;
  }
  const hint =
    !pinned && /too weak|Insecure/i.test(msg) ? ` (openpgp's defaults; only the pinned InterNIC key ${INTERNIC_KEY_FINGERPRINT} may use DSA/SHA-1)` : '';
  return `signature by ${who} (${what}) rejected: ${msg}${hint}`;
}

function issuerText(packet: OpenPGP.SignaturePacket): string {
  if (isWildcard(packet.issuerKeyID)) return 'an unnamed key (no issuer key id in the signature)';
  const fp = packet.issuerFingerprint;
  const fpText = fp !== null ? ` (fingerprint ${bytesToHex(fp)})` : '';
  return `key id ${packet.issuerKeyID.toHex().toUpperCase()}${fpText}`;
}

/** KeyID.isWildcard() exists but is not in openpgp's typings. */
function isWildcard(id: OpenPGP.KeyID): boolean {
  return /^0+$/.test(id.toHex());
}

/** gpg's rule: a binary OpenPGP packet starts with bit 7 set; anything else is armour (text). */
function isArmored(bytes: Uint8Array): boolean {
  return bytes.length > 0 && (bytes[0]! & 0x80) === 0;
}

function algorithmName(info: OpenPGP.AlgorithmInfo): string {
  const names: Readonly<Record<string, string>> = {
    dsa: 'DSA',
    rsaEncryptSign: 'RSA',
    rsaSign: 'RSA',
    rsaEncrypt: 'RSA',
    elgamal: 'ElGamal',
    ecdsa: 'ECDSA',
    eddsaLegacy: 'EdDSA',
    ed25519: 'Ed25519',
    ed448: 'Ed448',
  };
  const name = names[info.algorithm] ?? info.algorithm;
  if (info.bits !== undefined) return `${name}-${info.bits}`;
  if (info.curve !== undefined) return `${name} ${info.curve}`;
  return name;
}

function hashName(h: OpenPGP.enums.hash | null): string {
  if (h === null) return 'unknown hash';
  const names: Readonly<Record<string, string>> = {
    md5: 'MD5',
    sha1: 'SHA-1',
    ripemd: 'RIPEMD-160',
    sha224: 'SHA-224',
    sha256: 'SHA-256',
    sha384: 'SHA-384',
    sha512: 'SHA-512',
    sha3_256: 'SHA3-256',
    sha3_512: 'SHA3-512',
  };
  let name: string;
  try {
    name = openpgp.enums.read(openpgp.enums.hash, h);
  } catch {
    return `hash ${h}`;
  }
  return names[name] ?? name;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}
