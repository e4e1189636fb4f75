// Which of the zone's DNSKEYs a trust anchor vouches for (RFC 4035 §5: a DS
// digest or the DNSKEY itself), which anchors apply at the time checked, and
// why none matched when none does.

import { bytesEqual } from '../bytes.js';
import type { Name } from '../dns/name.js';
import { dnskeyKeyTag } from '../dns/rdata/dnssec-records.js';
import { dsDigest } from './dnssec-algorithms.js';
import { keyUnusable, type ValidationContext, type ZoneKey } from './dnssec-signatures.js';
import { DnskeyFlag, describeAnchors, type DsAnchor, type KeyAnchor, type TrustAnchors } from './trust-anchors.js';
import { isoTime } from './verdict.js';

export function dsMatches(a: DsAnchor, k: ZoneKey, origin: Name): boolean {
  if (a.keyTag !== k.tag || a.algorithm !== k.algorithm) return false;
  const d = dsDigest(origin, k.rdata, a.digestType);
  return d !== undefined && bytesEqual(d, a.digest);
}

/** Anchors that apply to this zone at this time, and notes on the ones that do not. */
export function applicableAnchors(anchors: TrustAnchors, ctx: ValidationContext): { ds: DsAnchor[]; keys: KeyAnchor[]; notes: string[] } {
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
export function explainUnanchored(zoneKeys: readonly ZoneKey[], ds: readonly DsAnchor[], keys: readonly KeyAnchor[], ctx: ValidationContext): string {
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
