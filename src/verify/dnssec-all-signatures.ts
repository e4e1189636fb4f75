// `--verify-all-signatures`: every RRSIG in the zone checked against the
// validated DNSKEY set, the cryptography on libuv's thread pool.

import type { Name } from '../dns/name.js';
import { decodeRrsig } from '../dns/rdata/dnssec-records.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRType, typeToString } from '../dns/types.js';
import { finishSignatureAsync, prepareSignature, type RRsetToCheck, type SigRecord, type ValidationContext, type ZoneKey } from './dnssec-signatures.js';

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

/**
 * Signatures queued at once on libuv's thread pool (4 threads by default): deep
 * enough that the threads never wait for the main thread preparing the next
 * signed data, shallow enough that other pool work (fs) waits ~1 ms at most.
 */
const IN_FLIGHT = 64;

/** Check every RRSIG in the zone against the validated keys. */
export async function verifyAllSignatures(records: readonly ResourceRecord[], keys: readonly ZoneKey[], ctx: ValidationContext, maxListed: number): Promise<AllSignaturesReport> {
  const t0 = performance.now();
  // Owner -> type -> RRset in one pass. Zone files keep an owner's records together and the
  // parser shares one Name per run of them, so the Map is consulted once per run, not per record.
  const sigs: { rr: ResourceRecord; s: SigRecord | undefined; error?: string }[] = [];
  const sets = new Map<string, Map<number, RRsetToCheck>>();
  let lastName: Name | undefined;
  let byType = new Map<number, RRsetToCheck>();
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
