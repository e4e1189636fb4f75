// The bridge from the refresh pipeline to src/verify: load the keys and trust
// anchors once, then give createZonePipeline one function per layer.
//
// src/verify's announced API: loadPgpKeys(files), loadTrustAnchors(files),
// verifyZone(input, opts) → { ok, layers: { pgp?, zonemd?, dnssec? } } with
// each layer { ok, detail, ms, weak? }. It had not landed when this file was
// written, so it is loaded by a runtime specifier and checked for shape; once
// it lands, replace the dynamic import by a static one (one line).

import type { MirrorConfig } from './config.js';
import type { Layer, LayerVerdict } from './data-dir.js';
import type { LayerVerifiers, VerifyInput } from './zone-pipeline.js';

/** What this bridge needs from src/verify. */
export interface VerifyModule {
  loadPgpKeys(files: readonly string[]): Promise<unknown>;
  loadTrustAnchors(files: readonly string[], opts?: { at?: Date }): Promise<unknown>;
  verifyZone(
    input: { readonly bytes: Uint8Array; readonly signature?: Uint8Array | undefined; readonly records: VerifyInput['records']; readonly origin: VerifyInput['origin'] },
    opts: { readonly layers: readonly Layer[]; readonly pgpKeys?: unknown; readonly trustAnchors?: unknown; readonly at: Date },
  ): Promise<{ readonly ok: boolean; readonly layers: Partial<Record<Layer, LayerVerdict>> }>;
}

export class VerifierUnavailableError extends Error {
  override readonly name = 'VerifierUnavailableError';
}

async function importVerify(): Promise<VerifyModule> {
  const specifier = new URL('../verify/index.js', import.meta.url).href;
  let m: Partial<VerifyModule>;
  try {
    m = (await import(specifier)) as Partial<VerifyModule>;
  } catch (err) {
    throw new VerifierUnavailableError(`the verification layers (src/verify) are not available: ${(err as Error).message}`, { cause: err });
  }
  for (const f of ['loadPgpKeys', 'loadTrustAnchors', 'verifyZone'] as const) {
    if (typeof m[f] !== 'function') throw new VerifierUnavailableError(`src/verify does not export ${f}()`);
  }
  return m as VerifyModule;
}

/**
 * Load keys and anchors for the configured layers (a missing key file fails
 * here, at start, not at the first refresh) and return per-layer verifiers.
 */
export async function loadVerifiers(
  config: Pick<MirrorConfig, 'pgpKeys' | 'trustAnchors' | 'layers'>,
  verify?: VerifyModule,
): Promise<LayerVerifiers> {
  const unused = (layer: Layer) => (): Promise<LayerVerdict> => Promise.reject(new Error(`${layer} is not in --verify`));
  if (config.layers.length === 0) return { pgp: unused('pgp'), zonemd: unused('zonemd'), dnssec: unused('dnssec') };
  const v = verify ?? (await importVerify());
  const pgpKeys = config.layers.includes('pgp') ? await v.loadPgpKeys(config.pgpKeys) : undefined;
  const trustAnchors = config.layers.includes('dnssec') ? await v.loadTrustAnchors(config.trustAnchors) : undefined;
  const one = async (layer: Layer, input: VerifyInput, at: number): Promise<LayerVerdict> => {
    const r = await v.verifyZone(
      { bytes: input.bytes, signature: input.signature, records: input.records, origin: input.origin },
      { layers: [layer], pgpKeys, trustAnchors, at: new Date(at) },
    );
    const verdict = r.layers[layer];
    if (verdict === undefined) return { ok: false, detail: `src/verify returned no ${layer} verdict`, ms: 0 };
    return verdict;
  };
  return {
    pgp: (input) => one('pgp', input, Date.now()),
    zonemd: (input) => one('zonemd', input, Date.now()),
    dnssec: (input, at) => one('dnssec', input, at),
  };
}
