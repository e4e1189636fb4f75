// The DNSSEC layer (RFC 4033-4035): the apex DNSKEY RRset is signed by a key
// that matches a trust anchor; the apex SOA and ZONEMD RRsets are signed by a
// key of that validated set. Optionally every RRSIG in the zone is checked
// against the validated set (`rootmirror verify --verify-all-signatures`).
//
// A bad zone is a verdict with a one-line reason, never an exception.
//
// The pieces: dnssec-signatures.ts (RRSIGs over one RRset), dnssec-anchoring.ts
// (keys to trust anchors), dnssec-all-signatures.ts (every RRSIG), and
// dnssec-algorithms.ts (the cryptography per algorithm).

import { bytesEqual } from '../bytes.js';
import type { Name } from '../dns/name.js';
import { decodeRrsig, type Rrsig } from '../dns/rdata/dnssec-records.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRClass, RRType } from '../dns/types.js';
import { isWeakAlgorithm, type AlgorithmPolicy } from './dnssec-algorithms.js';
import { verifyAllSignatures, type AllSignaturesReport } from './dnssec-all-signatures.js';
import { applicableAnchors, dsMatches, explainUnanchored } from './dnssec-anchoring.js';
import { checkRRset, decodeKey, keyName, usableKey, type RRsetToCheck, type SigRecord, type ValidationContext, type ZoneKey } from './dnssec-signatures.js';
import { describeAnchors, type TrustAnchors } from './trust-anchors.js';
import { isoTime, type Verdict } from './verdict.js';

export interface DnssecOptions extends AlgorithmPolicy {
  /** Also check every RRSIG in the zone against the validated DNSKEY set. */
  readonly allSignatures?: boolean;
  /** How many failed signatures the report keeps (default 10). */
  readonly maxFailuresListed?: number;
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

/** Apex RRsets of class IN, and the RRSIGs at the apex by the type they cover. */
function collectApex(records: readonly ResourceRecord[], origin: Name): { sets: Map<number, RRsetToCheck>; sigs: Map<number, SigRecord[]> } {
  const sets = new Map<number, RRsetToCheck>();
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
  const ctx: ValidationContext = { origin, atMs, now32: Math.floor(atMs / 1000) >>> 0, policy: opts };
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
