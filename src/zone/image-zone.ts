// A Zone opened from its image: what the serving thread holds after a swap.
// The answer path reads the image (image.ts); the origin, serial, SOA, mode
// and counts are read from it at once. Everything else a Zone has (nodes,
// NSEC chain, delegations) is built from the image's records only if some
// caller asks for it — the reference lookup(), `inspect`, a CNAME question
// the image could not precompute — and then kept; `records` is decoded
// afresh on each use (AXFR, export), so the image stays the one copy held.

import { buildZone } from './build.js';
import { attachImage, type ZoneImage } from './image.js';
import type { DnssecMode, Zone } from './zone.js';

export function zoneFromImage(image: ZoneImage): Zone {
  const origin = image.origin;
  const { soa, counts } = image.meta();
  const dnssec: DnssecMode = image.keep ? 'keep' : 'strip';
  let built: Zone | undefined;
  // The image's records are the served ones (already stripped in strip mode), in canonical order.
  const full = (): Zone => (built ??= buildZone(image.records(), { dnssec, origin }));
  const zone: Zone = {
    origin,
    serial: image.serial,
    soa,
    dnssec,
    counts,
    get records() {
      return built?.records ?? image.records();
    },
    get apex() {
      return full().apex;
    },
    get nodes() {
      return full().nodes;
    },
    get nsecNodes() {
      return full().nsecNodes;
    },
    get nsecKeys() {
      return image.nsecKeys;
    },
    get delegations() {
      return full().delegations;
    },
    get apexGlue() {
      return full().apexGlue;
    },
    get nxdomainPlain() {
      return full().nxdomainPlain;
    },
  };
  attachImage(zone, image);
  return zone;
}
