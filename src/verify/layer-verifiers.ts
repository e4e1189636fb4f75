// The verification layers as functions of one copy: load the keys and trust
// anchors once (a missing or malformed file fails at start, not at the first
// refresh), then give verifyCandidate (candidate.ts) one function per layer.
// Each returns a verdict and never throws for a bad zone (only for a bug).

import type { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { verifyDnssec } from './dnssec.js';
import type { AllSignaturesReport } from './dnssec-all-signatures.js';
import { loadPgpKeys, verifyDetachedSignature } from './pgp.js';
import { loadTrustAnchors, type TrustAnchors } from './trust-anchors.js';
import { timed, type Layer, type Verdict } from './verdict.js';
import { verifyZonemd } from './zonemd.js';

/** What verification of one copy is given. */
export interface VerifyInput {
  readonly bytes: Uint8Array;
  readonly signature: Uint8Array | undefined;
  readonly records: readonly ResourceRecord[];
  readonly origin: Name;
}

export interface LayerVerifiers {
  pgp(input: VerifyInput, at: number): Promise<Verdict>;
  zonemd(input: VerifyInput): Promise<Verdict>;
  dnssec(input: VerifyInput, at: number): Promise<Verdict>;
}

/**
 * Which layers are asked for (--verify; only their files are read) and the
 * files they need: OpenPGP public keys (--pgp-key), DS/DNSKEY master files or
 * root-anchors.xml (--trust-anchors, read again at each check).
 */
export type VerifierFiles = { readonly layers: readonly Layer[] } & Readonly<Record<'pgpKeys' | 'trustAnchors', readonly string[]>>;

export interface VerifierOptions {
  /** `--verify-all-signatures`: the DNSSEC layer also checks every RRSIG in the zone. */
  readonly allSignatures?: boolean;
  /** Receives the report of each all-signatures run (for `rootmirror verify`). */
  readonly onAllSignatures?: (report: AllSignaturesReport) => void;
}

export async function loadVerifiers(files: VerifierFiles, opts: VerifierOptions = {}): Promise<LayerVerifiers> {
  const notConfigured = (layer: Layer) => (): Promise<Verdict> => Promise.reject(new Error(`${layer} is not in --verify`));
  const pgpKeys = files.layers.includes('pgp') ? await loadPgpKeys(files.pgpKeys) : undefined;
  const startAnchors = files.layers.includes('dnssec') ? await loadTrustAnchors(files.trustAnchors) : undefined;
  // RFC 7958 anchors have validFrom/validUntil: read the files again for each
  // check, as of that check's time, so a daemon running through a KSK rollover
  // (or an operator replacing the file) needs no restart. A file that became
  // unreadable fails the layer (closed), it does not fall back silently.
  const anchorsAt = async (at: number): Promise<TrustAnchors> => loadTrustAnchors(files.trustAnchors, { at: new Date(at) });

  return {
    pgp:
      pgpKeys === undefined
        ? notConfigured('pgp')
        : (input: VerifyInput, at: number) =>
            input.signature === undefined
              ? Promise.resolve({ ok: false, detail: 'no signature for this copy (fail closed)', ms: 0 })
              : verifyDetachedSignature(input.bytes, input.signature, pgpKeys, { at: new Date(at) }),
    zonemd: (input: VerifyInput) => timed(() => verifyZonemd(input.records, input.origin)),
    dnssec:
      startAnchors === undefined
        ? notConfigured('dnssec')
        : async (input: VerifyInput, at: number) => {
            let anchors: TrustAnchors;
            try {
              anchors = await anchorsAt(at);
            } catch (err) {
              return { ok: false, detail: `trust anchors: ${(err as Error).message}`, ms: 0 };
            }
            const v = await verifyDnssec(input.records, input.origin, anchors, new Date(at), { allSignatures: opts.allSignatures ?? false });
            if (v.allSignatures !== undefined) opts.onAllSignatures?.(v.allSignatures);
            return { ok: v.ok, detail: v.detail, ms: v.ms, ...(v.weak ? { weak: true } : {}) };
          },
  };
}
