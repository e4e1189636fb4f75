// RRSIGs over one RRset (RFC 4034 §3, RFC 4035 §5.3): the zone's keys as the
// validator holds them, the §5.3.1 checks on each signature, the signed data
// of §3.1.8.1, the cryptography (synchronous, or on libuv's thread pool), and
// the §5.3.3 rule that an RRset is secure when one of its signatures verifies.

import type { KeyObject } from 'node:crypto';
import { concatBytes } from '../bytes.js';
import { canonicalRdata, canonicalRdataSet, canonicalRecordWire } from '../dns/canonical.js';
import type { Name } from '../dns/name.js';
import { decodeDnskey, dnskeyKeyTag, type Rrsig } from '../dns/rdata/dnssec-records.js';
import { rrsigTimeToMs, serialCompare } from '../dns/serial.js';
import { RRType } from '../dns/types.js';
import {
  algorithmName,
  algorithmUnusable,
  importDnskey,
  verifySignature,
  verifySignatureAsync,
  type AlgorithmPolicy,
  type ImportedKey,
} from './dnssec-algorithms.js';
import { DnskeyFlag } from './trust-anchors.js';
import { isoTime } from './verdict.js';

/** One DNSKEY of the zone, decoded once. */
export interface ZoneKey {
  readonly rdata: Uint8Array;
  readonly tag: number;
  readonly flags: number;
  readonly protocol: number;
  readonly algorithm: number;
  readonly publicKey: Uint8Array;
  /** node:crypto key, imported on first use (importDnskey also caches across calls). */
  imported?: ImportedKey;
}

export interface RRsetToCheck {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly rdatas: Uint8Array[];
  /** §6.3 canonical, sorted, deduplicated RDATAs; computed on first use. */
  canonical?: Uint8Array[];
}

export interface SigRecord {
  readonly rdata: Uint8Array;
  readonly sig: Rrsig;
}

export type SigResult =
  | { readonly ok: true; readonly key: ZoneKey; readonly expiration: number }
  | { readonly ok: false; readonly reason: string; readonly rank: number; readonly unusable?: true };

/** Which failure explains an RRset best when all of its signatures fail. */
const Rank = { UNUSABLE: 0, STRUCTURE: 1, NO_KEY: 2, TIME: 3, BAD: 4 } as const;

export interface ValidationContext {
  readonly origin: Name;
  readonly atMs: number;
  readonly now32: number;
  readonly policy: AlgorithmPolicy;
}

const role = (k: ZoneKey): string => (k.flags & DnskeyFlag.SEP ? 'KSK' : 'ZSK');
export const keyName = (k: ZoneKey): string => `${role(k)} ${k.tag}`;

/** RFC 4034 §2.1.1-2 and RFC 5011 §2.1: why this key may not verify signatures, or undefined if it may. */
export function keyUnusable(k: ZoneKey, ctx: ValidationContext): string | undefined {
  if (k.protocol !== 3) return `protocol ${k.protocol}, not 3`;
  if (!(k.flags & DnskeyFlag.ZONE)) return 'zone key flag clear';
  if (k.flags & DnskeyFlag.REVOKE) return 'REVOKE bit set (RFC 5011)';
  return algorithmUnusable(k.algorithm, ctx.policy);
}

export const usableKey = (k: ZoneKey, ctx: ValidationContext): boolean => keyUnusable(k, ctx) === undefined;

export function decodeKey(rdata: Uint8Array): ZoneKey | undefined {
  if (rdata.length < 5) return undefined;
  const k = decodeDnskey(rdata);
  return { rdata, tag: dnskeyKeyTag(rdata), flags: k.flags, protocol: k.protocol, algorithm: k.algorithm, publicKey: k.publicKey };
}

/** RFC 4034 §3.1.8.1: RRSIG_RDATA (signer lower-cased, no signature) | each RR in canonical form and order with the original TTL. */
function signedData(s: SigRecord, set: RRsetToCheck): Uint8Array {
  const head = canonicalRdata(RRType.RRSIG, s.rdata).subarray(0, s.sig.signedPartLength);
  const n = set.name.labelCount;
  // RFC 4035 §5.3.2: fewer labels than the owner means a wildcard expansion; rebuild "*.<closest encloser>".
  const ownerWire = s.sig.labels < n ? concatBytes([Uint8Array.of(1, 0x2a), set.name.parent(n - s.sig.labels).canonicalWire()]) : set.name.canonicalWire();
  set.canonical ??= canonicalRdataSet(set.type, set.rdatas);
  const parts: Uint8Array[] = [head];
  for (const rd of set.canonical) parts.push(canonicalRecordWire(set.name, set.type, set.class, s.sig.originalTtl, rd, ownerWire));
  return concatBytes(parts);
}

export type Failure = Extract<SigResult, { ok: false }>;

/** An RRSIG that passed every check but the cryptography. */
export interface Prepared {
  readonly sig: Rrsig;
  readonly data: Uint8Array;
  readonly candidates: readonly ZoneKey[];
  readonly expiration: number;
  readonly who: string;
}

/** RFC 4035 §5.3.1 checks on one RRSIG (signer, algorithm, key, labels, validity window), and the signed data. */
export function prepareSignature(s: SigRecord, set: RRsetToCheck, keys: readonly ZoneKey[], ctx: ValidationContext): Prepared | Failure {
  const sig = s.sig;
  if (!sig.signerName.equals(ctx.origin)) {
    return { ok: false, reason: `RRSIG signer ${sig.signerName.toString()} is not the zone ${ctx.origin.toString()}`, rank: Rank.STRUCTURE };
  }
  const unusable = algorithmUnusable(sig.algorithm, ctx.policy);
  if (unusable !== undefined) return { ok: false, reason: `RRSIG by key ${sig.keyTag}: ${unusable}`, rank: Rank.UNUSABLE, unusable: true };
  const candidates = keys.filter((k) => k.tag === sig.keyTag && k.algorithm === sig.algorithm);
  if (candidates.length === 0) {
    return { ok: false, reason: `RRSIG by key ${sig.keyTag} (algorithm ${algorithmName(sig.algorithm)}), which is not in the validated DNSKEY set`, rank: Rank.NO_KEY };
  }
  const who = keyName(candidates[0]!);
  if (sig.labels > set.name.labelCount) {
    return { ok: false, reason: `RRSIG by ${who} has labels ${sig.labels}, more than the owner's ${set.name.labelCount}`, rank: Rank.STRUCTURE };
  }
  if (serialCompare(ctx.now32, sig.expiration) === 1) {
    return { ok: false, reason: `signature by ${who} expired ${isoTime(rrsigTimeToMs(sig.expiration, ctx.atMs))} (checked at ${isoTime(ctx.atMs)})`, rank: Rank.TIME };
  }
  if (serialCompare(sig.inception, ctx.now32) === 1) {
    return { ok: false, reason: `signature by ${who} not valid before ${isoTime(rrsigTimeToMs(sig.inception, ctx.atMs))} (checked at ${isoTime(ctx.atMs)})`, rank: Rank.TIME };
  }
  return { sig, data: signedData(s, set), candidates, expiration: rrsigTimeToMs(sig.expiration, ctx.atMs), who };
}

/** Candidate keys as node:crypto keys, and the reason to give if none verifies. */
function cryptoKeys(p: Prepared): { keys: { zk: ZoneKey; key: KeyObject }[]; why: string } {
  let why = `bad signature by ${p.who}`;
  const keys: { zk: ZoneKey; key: KeyObject }[] = [];
  for (const zk of p.candidates) {
    const imported = (zk.imported ??= importDnskey(zk.algorithm, zk.publicKey));
    if (imported.ok) keys.push({ zk, key: imported.key });
    else if (keys.length === 0) why = `DNSKEY ${zk.tag} unusable: ${imported.reason}`;
  }
  return { keys, why };
}

/** One RRSIG, synchronously: the apex checks are a few signatures, not worth a thread hop. */
function checkSignature(s: SigRecord, set: RRsetToCheck, keys: readonly ZoneKey[], ctx: ValidationContext): SigResult {
  const p = prepareSignature(s, set, keys, ctx);
  if ('rank' in p) return p;
  const c = cryptoKeys(p);
  for (const { zk, key } of c.keys) if (verifySignature(zk.algorithm, key, p.data, p.sig.signature)) return { ok: true, key: zk, expiration: p.expiration };
  return { ok: false, reason: c.why, rank: Rank.BAD };
}

/** The cryptography of a prepared RRSIG on libuv's thread pool, off the event loop. */
export async function finishSignatureAsync(p: Prepared): Promise<SigResult> {
  const c = cryptoKeys(p);
  for (const { zk, key } of c.keys) if (await verifySignatureAsync(zk.algorithm, key, p.data, p.sig.signature)) return { ok: true, key: zk, expiration: p.expiration };
  return { ok: false, reason: c.why, rank: Rank.BAD };
}

type RRsetResult =
  | { readonly ok: true; readonly by: readonly ZoneKey[]; readonly until: number }
  | { readonly ok: false; readonly detail: string };

/** An RRset is secure when at least one of its signatures verifies (RFC 4035 §5.3.3). */
export function checkRRset(what: string, set: RRsetToCheck, sigs: readonly SigRecord[], keys: readonly ZoneKey[], ctx: ValidationContext): RRsetResult {
  if (sigs.length === 0) return { ok: false, detail: `${what} is unsigned (no RRSIG covers it)` };
  const by: ZoneKey[] = [];
  let until = -Infinity;
  let worst: { reason: string; rank: number } | undefined;
  for (const s of sigs) {
    const r = checkSignature(s, set, keys, ctx);
    if (r.ok) {
      if (!by.includes(r.key)) by.push(r.key);
      until = Math.max(until, r.expiration);
    } else if (worst === undefined || r.rank > worst.rank) {
      worst = r;
    }
  }
  if (by.length > 0) return { ok: true, by, until };
  return { ok: false, detail: `${what}: ${worst!.reason}` };
}
