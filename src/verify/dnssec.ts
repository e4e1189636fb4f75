// The DNSSEC layer (RFC 4033-4035): the apex DNSKEY RRset is signed by a key
// that matches a trust anchor; the apex SOA and ZONEMD RRsets are signed by a
// key of that validated set. Optionally every RRSIG in the zone is checked
// against the validated set (`rootmirror verify --verify-all-signatures`).
//
// A bad zone is a verdict with a one-line reason, never an exception.

import type { KeyObject } from 'node:crypto';
import { canonicalRdata, canonicalRdataSet, canonicalRecordWire } from '../dns/canonical.js';
import type { Name } from '../dns/name.js';
import { bytesEqual, concatBytes } from '../bytes.js';
import { decodeDnskey, decodeRrsig, dnskeyKeyTag, type Rrsig } from '../dns/rdata/dnssec-records.js';
import type { ResourceRecord } from '../dns/record.js';
import { rrsigTimeToMs, serialCompare } from '../dns/serial.js';
import { RRClass, RRType, typeToString } from '../dns/types.js';
import {
  algorithmName,
  algorithmUnusable,
  dsDigest,
  importDnskey,
  isWeakAlgorithm,
  verifySignature,
  verifySignatureAsync,
  type AlgorithmPolicy,
  type ImportedKey,
} from './dnssec-algorithms.js';
import { DnskeyFlag, describeAnchors, type DsAnchor, type KeyAnchor, type TrustAnchors } from './trust-anchors.js';
import { isoTime, type Verdict } from './verdict.js';

export interface DnssecOptions extends AlgorithmPolicy {
  /** Also check every RRSIG in the zone against the validated DNSKEY set. */
  readonly allSignatures?: boolean;
  /** How many failed signatures the report keeps (default 10). */
  readonly maxFailuresListed?: number;
}

export interface SignatureFailure {
  readonly owner: string;
  readonly type: string;
  readonly keyTag: number;
  readonly reason: string;
}

/** The result of checking every RRSIG; what `--verify-all-signatures` prints. */
export interface AllSignaturesReport {
  /** RRSIG records examined. */
  readonly count: number;
  readonly verified: number;
  readonly failed: number;
  /** Signatures with an algorithm we do not validate: treated as absent, neither verified nor failed. */
  readonly unusable: number;
  /** The first `maxFailuresListed` failures. */
  readonly failures: readonly SignatureFailure[];
  readonly ms: number;
}

export interface DnssecVerdict extends Verdict {
  /**
   * When the chain stops validating (ms since the epoch): for each of the apex
   * DNSKEY, SOA and ZONEMD RRsets the latest expiration among its signatures that
   * verified, and the earliest of those. Set when the required checks passed.
   */
  readonly signaturesValidUntil?: number;
  /** Tags of the DNSKEYs that matched a trust anchor and signed the DNSKEY RRset. */
  readonly anchoredBy?: readonly number[];
  readonly allSignatures?: AllSignaturesReport;
}

/** One DNSKEY of the zone, decoded once. */
interface ZoneKey {
  readonly rdata: Uint8Array;
  readonly tag: number;
  readonly flags: number;
  readonly protocol: number;
  readonly algorithm: number;
  readonly publicKey: Uint8Array;
  /** node:crypto key, imported on first use (importDnskey also caches across calls). */
  imported?: ImportedKey;
}

interface RRsetData {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly rdatas: Uint8Array[];
  /** §6.3 canonical, sorted, deduplicated RDATAs; computed on first use. */
  canonical?: Uint8Array[];
}

interface SigRecord {
  readonly rdata: Uint8Array;
  readonly sig: Rrsig;
}

type SigResult =
  | { readonly ok: true; readonly key: ZoneKey; readonly expiration: number }
  | { readonly ok: false; readonly reason: string; readonly rank: number; readonly unusable?: true };

/** Which failure explains an RRset best when all of its signatures fail. */
const Rank = { UNUSABLE: 0, STRUCTURE: 1, NO_KEY: 2, TIME: 3, BAD: 4 } as const;

interface Ctx {
  readonly origin: Name;
  readonly atMs: number;
  readonly now32: number;
  readonly policy: AlgorithmPolicy;
}

const role = (k: ZoneKey): string => (k.flags & DnskeyFlag.SEP ? 'KSK' : 'ZSK');
const keyName = (k: ZoneKey): string => `${role(k)} ${k.tag}`;

/** RFC 4034 §2.1.1-2 and RFC 5011 §2.1: why this key may not verify signatures, or undefined if it may. */
function keyUnusable(k: ZoneKey, ctx: Ctx): string | undefined {
  if (k.protocol !== 3) return `protocol ${k.protocol}, not 3`;
  if (!(k.flags & DnskeyFlag.ZONE)) return 'zone key flag clear';
  if (k.flags & DnskeyFlag.REVOKE) return 'REVOKE bit set (RFC 5011)';
  return algorithmUnusable(k.algorithm, ctx.policy);
}

const usableKey = (k: ZoneKey, ctx: Ctx): boolean => keyUnusable(k, ctx) === undefined;

function decodeKey(rdata: Uint8Array): ZoneKey | undefined {
  if (rdata.length < 5) return undefined;
  const k = decodeDnskey(rdata);
  return { rdata, tag: dnskeyKeyTag(rdata), flags: k.flags, protocol: k.protocol, algorithm: k.algorithm, publicKey: k.publicKey };
}

/** RFC 4034 §3.1.8.1: RRSIG_RDATA (signer lower-cased, no signature) | each RR in canonical form and order with the original TTL. */
function signedData(s: SigRecord, set: RRsetData): Uint8Array {
  const head = canonicalRdata(RRType.RRSIG, s.rdata).subarray(0, s.sig.signedPartLength);
  const n = set.name.labelCount;
  // RFC 4035 §5.3.2: fewer labels than the owner means a wildcard expansion; rebuild "*.<closest encloser>".
  const ownerWire = s.sig.labels < n ? concatBytes([Uint8Array.of(1, 0x2a), set.name.parent(n - s.sig.labels).canonicalWire()]) : set.name.canonicalWire();
  set.canonical ??= canonicalRdataSet(set.type, set.rdatas);
  const parts: Uint8Array[] = [head];
  for (const rd of set.canonical) parts.push(canonicalRecordWire(set.name, set.type, set.class, s.sig.originalTtl, rd, ownerWire));
  return concatBytes(parts);
}

type Failure = Extract<SigResult, { ok: false }>;

/** An RRSIG that passed every check but the cryptography. */
interface Prepared {
  readonly sig: Rrsig;
  readonly data: Uint8Array;
  readonly candidates: readonly ZoneKey[];
  readonly expiration: number;
  readonly who: string;
}

/** RFC 4035 §5.3.1 checks on one RRSIG (signer, algorithm, key, labels, validity window), and the signed data. */
function prepareSignature(s: SigRecord, set: RRsetData, keys: readonly ZoneKey[], ctx: Ctx): Prepared | Failure {
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
function checkSignature(s: SigRecord, set: RRsetData, keys: readonly ZoneKey[], ctx: Ctx): SigResult {
  const p = prepareSignature(s, set, keys, ctx);
  if ('rank' in p) return p;
  const c = cryptoKeys(p);
  for (const { zk, key } of c.keys) if (verifySignature(zk.algorithm, key, p.data, p.sig.signature)) return { ok: true, key: zk, expiration: p.expiration };
  return { ok: false, reason: c.why, rank: Rank.BAD };
}

/** The cryptography of a prepared RRSIG on libuv's thread pool, off the event loop. */
async function finishSignatureAsync(p: Prepared): Promise<SigResult> {
  const c = cryptoKeys(p);
  for (const { zk, key } of c.keys) if (await verifySignatureAsync(zk.algorithm, key, p.data, p.sig.signature)) return { ok: true, key: zk, expiration: p.expiration };
  return { ok: false, reason: c.why, rank: Rank.BAD };
}

type RRsetResult =
  | { readonly ok: true; readonly by: readonly ZoneKey[]; readonly until: number }
  | { readonly ok: false; readonly detail: string };

/** An RRset is secure when at least one of its signatures verifies (RFC 4035 §5.3.3). */
function checkRRset(what: string, set: RRsetData, sigs: readonly SigRecord[], keys: readonly ZoneKey[], ctx: Ctx): RRsetResult {
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


function dsMatches(a: DsAnchor, k: ZoneKey, origin: Name): boolean {
  if (a.keyTag !== k.tag || a.algorithm !== k.algorithm) return false;
  const d = dsDigest(origin, k.rdata, a.digestType);
  return d !== undefined && bytesEqual(d, a.digest);
}

/** Anchors that apply to this zone at this time, and notes on the ones that do not. */
function applicableAnchors(anchors: TrustAnchors, ctx: Ctx): { ds: DsAnchor[]; keys: KeyAnchor[]; notes: string[] } {
  const notes: string[] = [];
  const ds = anchors.ds.filter((a) => {
    if (!a.owner.equals(ctx.origin)) return false;
    if (a.validFrom !== undefined && a.validFrom > ctx.atMs) notes.push(`DS ${a.keyTag} not valid before ${isoTime(a.validFrom)}`);
    else if (a.validUntil !== undefined && a.validUntil <= ctx.atMs) notes.push(`DS ${a.keyTag} expired ${isoTime(a.validUntil)}`);
    else return true;
    return false;
  });
  const keys = anchors.keys.filter((a) => a.owner.equals(ctx.origin));
  return { ds, keys, notes };
}

/** Why no zone key matched an anchor, as precisely as we can say it. */
function explainUnanchored(zoneKeys: readonly ZoneKey[], ds: readonly DsAnchor[], keys: readonly KeyAnchor[], ctx: Ctx): string {
  const anchorTags = new Set([...ds.map((a) => a.keyTag), ...keys.map((a) => a.keyTag)]);
  for (const k of zoneKeys) {
    if (!(k.flags & DnskeyFlag.REVOKE)) continue;
    // RFC 5011 §2.1: setting REVOKE changes the key tag; find the anchor it used to match.
    const plain = Uint8Array.from(k.rdata);
    plain[1] = plain[1]! & ~DnskeyFlag.REVOKE;
    const before = dnskeyKeyTag(plain);
    if (anchorTags.has(k.tag)) return `DNSKEY ${k.tag} matches a trust anchor but has the REVOKE bit set (RFC 5011): a revoked key is never a trust anchor`;
    if (anchorTags.has(before)) {
      return `the DNSKEY matching trust anchor ${before} has the REVOKE bit set (RFC 5011; now key tag ${k.tag}): a revoked key is never a trust anchor`;
    }
  }
  for (const a of ds) {
    const k = zoneKeys.find((z) => z.tag === a.keyTag && z.algorithm === a.algorithm);
    if (k !== undefined && !dsMatches(a, k, ctx.origin) && dsDigest(ctx.origin, k.rdata, a.digestType) !== undefined) {
      return `DNSKEY ${k.tag} does not match the digest of trust anchor DS ${a.keyTag} (${a.source})`;
    }
    const why = k === undefined ? undefined : keyUnusable(k, ctx);
    if (why !== undefined) return `DNSKEY ${k!.tag} matches trust anchor DS ${a.keyTag} but cannot be used: ${why}`;
  }
  const zone = zoneKeys.map((k) => `${k.tag}/${k.algorithm}${k.flags & DnskeyFlag.SEP ? ' KSK' : ''}`).join(', ');
  return `no DNSKEY matches the trust anchors (anchors: ${describeAnchors({ ds, keys })}; zone DNSKEYs: ${zone})`;
}

/** Apex RRsets of class IN, and the RRSIGs at the apex by the type they cover. */
function collectApex(records: readonly ResourceRecord[], origin: Name): { sets: Map<number, RRsetData>; sigs: Map<number, SigRecord[]> } {
  const sets = new Map<number, RRsetData>();
  const sigs = new Map<number, SigRecord[]>();
  const key = origin.key;
  for (const r of records) {
    if (r.name.key !== key || r.class !== RRClass.IN) continue;
    if (r.type === RRType.RRSIG) {
      let sig: Rrsig;
      try {
        sig = decodeRrsig(r.rdata);
      } catch {
        // A malformed RRSIG verifies nothing: the RRset it meant to cover is judged on the others.
        continue;
      }
      const l = sigs.get(sig.typeCovered);
      if (l) l.push({ rdata: r.rdata, sig });
      else sigs.set(sig.typeCovered, [{ rdata: r.rdata, sig }]);
      continue;
    }
    const s = sets.get(r.type);
    if (s) s.rdatas.push(r.rdata);
    else sets.set(r.type, { name: r.name, type: r.type, class: r.class, rdatas: [r.rdata] });
  }
  return { sets, sigs };
}

/**
 * Verify the zone's DNSSEC chain from the trust anchors as of `at`. Never
 * throws for a bad zone; the verdict says what failed.
 */
export async function verifyDnssec(
  records: readonly ResourceRecord[],
  origin: Name,
  anchors: TrustAnchors,
  at: Date,
  opts: DnssecOptions = {},
): Promise<DnssecVerdict> {
  const t0 = performance.now();
  const done = (v: Omit<DnssecVerdict, 'ms'>): DnssecVerdict => ({ ...v, ms: performance.now() - t0 });
  const atMs = at.getTime();
  const ctx: Ctx = { origin, atMs, now32: Math.floor(atMs / 1000) >>> 0, policy: opts };
  const fail = (detail: string): DnssecVerdict => done({ ok: false, detail });

  const applicable = applicableAnchors(anchors, ctx);
  if (applicable.ds.length === 0 && applicable.keys.length === 0) {
    const why = applicable.notes.length > 0 ? ` (${applicable.notes.join('; ')})` : ` (anchors loaded: ${describeAnchors(anchors)})`;
    return fail(`no trust anchor for ${origin.toString()} at ${isoTime(atMs)}${why}`);
  }

  const apex = collectApex(records, origin);
  const dnskeySet = apex.sets.get(RRType.DNSKEY);
  if (dnskeySet === undefined) return fail(`no DNSKEY RRset at ${origin.toString()}: the zone is not signed`);
  const zoneKeys: ZoneKey[] = [];
  for (const rd of dnskeySet.rdatas) {
    const k = decodeKey(rd);
    if (k !== undefined) zoneKeys.push(k);
  }

  // 1. DNSKEY RRset, signed by a key that matches an anchor (RFC 4035 §5, §5.3).
  const anchored: ZoneKey[] = [];
  const viaDs = new Set<ZoneKey>();
  for (const k of zoneKeys) {
    if (!usableKey(k, ctx)) continue;
    const ds = applicable.ds.some((a) => dsMatches(a, k, origin));
    const key = applicable.keys.some((a) => bytesEqual(a.rdata, k.rdata));
    if (ds) viaDs.add(k);
    if (ds || key) anchored.push(k);
  }
  if (anchored.length === 0) return fail(explainUnanchored(zoneKeys, applicable.ds, applicable.keys, ctx));
  const dnskeySigs = apex.sigs.get(RRType.DNSKEY) ?? [];
  const anchoredTags = new Set(anchored.map((k) => k.tag));
  if (!dnskeySigs.some((s) => anchoredTags.has(s.sig.keyTag))) {
    const by = dnskeySigs.map((s) => String(s.sig.keyTag)).join(', ') || 'none';
    return fail(`DNSKEY RRset is not signed by an anchored key (anchored: ${anchored.map(keyName).join(', ')}; RRSIGs over DNSKEY by: ${by})`);
  }
  const dnskey = checkRRset(`DNSKEY RRset at ${origin.toString()}`, dnskeySet, dnskeySigs, anchored, ctx);
  if (!dnskey.ok) return fail(dnskey.detail);
  const validated = zoneKeys.filter((k) => usableKey(k, ctx));

  // 2. SOA and ZONEMD, signed by a key of the validated set.
  const soaSet = apex.sets.get(RRType.SOA);
  if (soaSet === undefined) return fail(`no SOA at ${origin.toString()}`);
  const soa = checkRRset('SOA RRset', soaSet, apex.sigs.get(RRType.SOA) ?? [], validated, ctx);
  if (!soa.ok) return fail(soa.detail);
  const zonemdSet = apex.sets.get(RRType.ZONEMD);
  const zonemd = zonemdSet === undefined ? undefined : checkRRset('ZONEMD RRset', zonemdSet, apex.sigs.get(RRType.ZONEMD) ?? [], validated, ctx);
  if (zonemd !== undefined && !zonemd.ok) return fail(zonemd.detail);

  const until = Math.min(dnskey.until, soa.until, zonemd?.ok ? zonemd.until : Infinity);
  const names = (ks: readonly ZoneKey[]): string => ks.map(keyName).join(' and ');
  const via = dnskey.by.every((k) => viaDs.has(k)) ? 'trust anchor DS' : dnskey.by.some((k) => viaDs.has(k)) ? 'trust anchor DS/DNSKEY' : 'trust anchor DNSKEY';
  let signedPart: string;
  if (zonemd === undefined) signedPart = `SOA signed by ${names(soa.by)} (ZONEMD absent)`;
  else if (zonemd.ok && names(zonemd.by) === names(soa.by)) signedPart = `SOA and ZONEMD signed by ${names(soa.by)}`;
  else signedPart = `SOA signed by ${names(soa.by)}, ZONEMD signed by ${zonemd.ok ? names(zonemd.by) : '?'}`;
  // Weak when some step of the chain has only SHA-1 to stand on: a SHA-1 algorithm, or a SHA-1 DS as the only anchor.
  const weakStep = (ks: readonly ZoneKey[]): boolean => ks.every((k) => isWeakAlgorithm(k.algorithm));
  const strongAnchor = (k: ZoneKey): boolean =>
    applicable.keys.some((a) => bytesEqual(a.rdata, k.rdata)) || applicable.ds.some((a) => a.digestType !== 1 && dsMatches(a, k, origin));
  const weak = weakStep(dnskey.by) || weakStep(soa.by) || (zonemd?.ok === true && weakStep(zonemd.by)) || !dnskey.by.some(strongAnchor);
  let detail = `DNSKEY set signed by ${names(dnskey.by)} (${via}), ${signedPart}; signatures valid until ${isoTime(until)}`;

  let all: AllSignaturesReport | undefined;
  if (opts.allSignatures) {
    all = await verifyAllSignatures(records, validated, ctx, opts.maxFailuresListed ?? 10);
    const tail = all.unusable > 0 ? `, ${all.unusable} with unsupported algorithms ignored` : '';
    if (all.failed > 0) {
      const first = all.failures.slice(0, 3).map((f) => `${f.owner} ${f.type}: ${f.reason}`).join('; ');
      return done({
        ok: false,
        detail: `${all.failed} of ${all.count} RRSIGs failed (${first}${all.failed > 3 ? '; …' : ''})`,
        anchoredBy: dnskey.by.map((k) => k.tag),
        allSignatures: all,
      });
    }
    detail += `; all ${all.verified} RRSIGs verified in ${Math.round(all.ms)} ms${tail}`;
  }
  return done({
    ok: true,
    detail,
    ...(weak ? { weak: true } : {}),
    signaturesValidUntil: until,
    anchoredBy: dnskey.by.map((k) => k.tag),
    ...(all !== undefined ? { allSignatures: all } : {}),
  });
}

/**
 * Signatures queued at once on libuv's thread pool (4 threads by default): deep
 * enough that the threads never wait for the main thread preparing the next
 * signed data, shallow enough that other pool work (fs) waits ~1 ms at most.
 */
const IN_FLIGHT = 64;

/** Check every RRSIG in the zone against the validated keys. */
async function verifyAllSignatures(records: readonly ResourceRecord[], keys: readonly ZoneKey[], ctx: Ctx, maxListed: number): Promise<AllSignaturesReport> {
  const t0 = performance.now();
  // Owner -> type -> RRset in one pass. Zone files keep an owner's records together and the
  // parser shares one Name per run of them, so the Map is consulted once per run, not per record.
  const sigs: { rr: ResourceRecord; s: SigRecord | undefined; error?: string }[] = [];
  const sets = new Map<string, Map<number, RRsetData>>();
  let lastName: Name | undefined;
  let byType = new Map<number, RRsetData>();
  for (const r of records) {
    if (r.name !== lastName) {
      lastName = r.name;
      const m = sets.get(r.name.key);
      if (m === undefined) sets.set(r.name.key, (byType = new Map()));
      else byType = m;
    }
    if (r.type === RRType.RRSIG) {
      try {
        sigs.push({ rr: r, s: { rdata: r.rdata, sig: decodeRrsig(r.rdata) } });
      } catch (e) {
        sigs.push({ rr: r, s: undefined, error: `malformed RRSIG: ${(e as Error).message}` });
      }
      continue;
    }
    const set = byType.get(r.type);
    if (set === undefined) byType.set(r.type, { name: r.name, type: r.type, class: r.class, rdatas: [r.rdata] });
    else if (set.class === r.class) set.rdatas.push(r.rdata);
  }
  let verified = 0;
  let failed = 0;
  let unusable = 0;
  // Workers finish out of order; keep the zone order in the listing.
  const failures: { i: number; f: SignatureFailure }[] = [];
  const fail = (i: number, rr: ResourceRecord, covered: number, keyTag: number, reason: string): void => {
    failed++;
    failures.push({ i, f: { owner: rr.name.toString(), type: typeToString(covered), keyTag, reason } });
  };
  // Cheap checks here; the cryptography on the thread pool, a bounded number at a time.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sigs.length) {
      const i = next++;
      const { rr, s, error } = sigs[i]!;
      if (s === undefined) {
        fail(i, rr, 0, 0, error!);
        continue;
      }
      const set = sets.get(rr.name.key)?.get(s.sig.typeCovered);
      if (set === undefined || set.class !== rr.class) {
        fail(i, rr, s.sig.typeCovered, s.sig.keyTag, 'covers an RRset that is not in the zone');
        continue;
      }
      const p = prepareSignature(s, set, keys, ctx);
      const r = 'rank' in p ? p : await finishSignatureAsync(p);
      if (r.ok) verified++;
      else if (r.unusable) unusable++;
      else fail(i, rr, s.sig.typeCovered, s.sig.keyTag, r.reason);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  failures.sort((a, b) => a.i - b.i);
  return { count: sigs.length, verified, failed, unusable, failures: failures.slice(0, maxListed).map((x) => x.f), ms: performance.now() - t0 };
}
