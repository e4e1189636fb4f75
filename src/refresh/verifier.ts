// The bridge from the refresh pipeline to src/verify: load the keys and trust
// anchors once (a missing or malformed file fails at start, not at the first
// refresh), then give createZonePipeline one function per layer.

import { verifyDnssec } from '../verify/dnssec.js';
import type { AllSignaturesReport } from '../verify/dnssec-all-signatures.js';
import { loadPgpKeys, verifyDetachedSignature } from '../verify/pgp.js';
import { loadTrustAnchors, type TrustAnchors } from '../verify/trust-anchors.js';
import { timed, type Layer, type Verdict } from '../verify/verdict.js';
import { verifyZonemd } from '../verify/zonemd.js';
import type { MirrorConfig } from './config.js';
import type { LayerVerifiers, VerifyInput } from './zone-pipeline.js';

export interface VerifierOptions {
  /** `--verify-all-signatures`: the DNSSEC layer also checks every RRSIG in the zone. */
  readonly allSignatures?: boolean;
  /** Receives the report of each all-signatures run (for `rootmirror verify`). */
  readonly onAllSignatures?: (report: AllSignaturesReport) => void;
}

export async function loadVerifiers(
  config: Pick<MirrorConfig, 'pgpKeys' | 'trustAnchors' | 'layers'>,
  opts: VerifierOptions = {},
): Promise<LayerVerifiers> {
  const notConfigured = (layer: Layer) => (): Promise<Verdict> => Promise.reject(new Error(`${layer} is not in --verify`));
  const pgpKeys = config.layers.includes('pgp') ? await loadPgpKeys(config.pgpKeys) : undefined;
  const startAnchors = config.layers.includes('dnssec') ? await loadTrustAnchors(config.trustAnchors) : undefined;
  // RFC 7958 anchors have validFrom/validUntil: read the files again for each
  // check, as of that check's time, so a daemon running through a KSK rollover
  // (or an operator replacing the file) needs no restart. A file that became
  // unreadable fails the layer (closed), it does not fall back silently.
  const anchorsAt = async (at: number): Promise<TrustAnchors> => loadTrustAnchors(config.trustAnchors, { at: new Date(at) });

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
