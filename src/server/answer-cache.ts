// The template (zone/answer-template.ts) answering a located question. Almost
// every one is in the zone's image (zone/image.ts), decided and encoded off
// the serving thread when the zone was built (zone/image-writer.ts): the
// server only finds it. The rest — at a CNAME node, a type the node lacks,
// whose answer follows the chain and so depends on the type — is decided by
// lookup() on the zone's records and encoded here on first use, kept with
// the zone up to MAX_TEMPLATES.

import { Name } from '../dns/name.js';
import { RRType } from '../dns/types.js';
import { encodeTemplate, type Template } from '../zone/answer-template.js';
import { imageOf, type ZoneImage } from '../zone/image.js';
import { locateIn, nsecCoverWire, WireKind, type WireLocation } from '../zone/locate-wire.js';
import { answerFor, answerKey, locate, type Location } from '../zone/lookup.js';
import type { Zone } from '../zone/zone.js';

export { bodyWithin, type Body, type Template } from '../zone/answer-template.js';

/** Per-zone bound on answers encoded here: past it, they are encoded per query (still correct). */
const MAX_TEMPLATES = 10_000;

const extra = new WeakMap<Zone, Map<string, Template>>();

// For templateFor(): one question at a time, synchronously.
const nameLoc: WireLocation = { kind: WireKind.outside, entry: 0, exact: false };
const nameStarts = new Uint16Array(128);

/** The template answering (qname, qtype, DO) from `zone`. */
export function templateFor(zone: Zone, qname: Name, qtype: number, dnssecOk: boolean): Template {
  const w = qname.wire;
  let n = 0;
  for (let o = 0; w[o]! !== 0; o += w[o]! + 1) nameStarts[n++] = o;
  locateIn(imageOf(zone).index, w, nameStarts, n, w.length, nameLoc);
  return templateForWire(zone, w, nameStarts, n, nameLoc, qtype, dnssecOk, 0);
}

/**
 * templateFor() for a name in wire form at msg[nameAt] (a query read by
 * WireQuery, fast-query.ts: 12), its labels at starts[0..count), located by
 * locateWire(): no Name unless the answer is not in the image.
 */
export function templateForWire(zone: Zone, msg: Uint8Array, starts: ArrayLike<number>, count: number, loc: WireLocation, qtype: number, dnssecOk: boolean, nameAt = 12): Template {
  const img: ZoneImage = imageOf(zone);
  const d = dnssecOk && img.keep ? 1 : 0;
  let t: Template | undefined;
  switch (loc.kind) {
    case WireKind.cut:
      t = img.cutTemplate(loc.entry, loc.exact && qtype === RRType.DS, d);
      break;
    case WireKind.node:
      t = img.nodeTemplate(loc.entry, qtype, d);
      break;
    case WireKind.nxdomain:
      t = d === 1 && img.nsecProofs ? img.nsecNxTemplate(nsecCoverWire(zone, msg, starts, count), loc.entry) : img.nxdomain;
      break;
    default:
      t = img.outside;
  }
  return t ?? decided(zone, Name.fromWire(msg, nameAt).name, qtype, dnssecOk);
}

/** An answer the image does not hold: lookup() on the zone's records, encoded once per answer key. */
function decided(zone: Zone, qname: Name, qtype: number, dnssecOk: boolean): Template {
  let m = extra.get(zone);
  if (m === undefined) extra.set(zone, (m = new Map()));
  const key = answerKey(zone, qname, qtype, dnssecOk);
  let t = m.get(key);
  if (t === undefined) {
    const loc = locate(zone, qname);
    t = encodeTemplate(answerFor(zone, loc, qname, qtype, { dnssecOk }), anchorOf(zone, loc));
    if (m.size < MAX_TEMPLATES) m.set(key, t);
  }
  return t;
}

/**
 * A name every question sharing the location's answer key ends in: the cut or
 * node found (the key names it), else the origin (NXDOMAIN keys do not name
 * the question).
 */
function anchorOf(zone: Zone, loc: Location): Name {
  switch (loc.kind) {
    case 'cut':
    case 'node':
      return loc.node.name;
    case 'nxdomain':
      return zone.origin;
    case 'outside':
      return Name.root;
  }
}
