// A minimal DNSSEC zone signer for tests: keys from node:crypto (or a BIND
// .private file), RRSIGs over every authoritative RRset, an NSEC chain and a
// ZONEMD (SIMPLE, SHA-384). Deliberately not in src/: it exists to produce
// zones the verifier is tested against, and its output is cross-checked with
// ldns-verify-zone so it is not just agreeing with itself.

import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalRdata, canonicalRdataSet, canonicalRecordWire } from '../../src/dns/canonical.js';
import { compareBytes, concatBytes } from '../../src/bytes.js';
import { compareCanonical, Name } from '../../src/dns/name.js';
import { dnskeyKeyTag } from '../../src/dns/rdata/dnssec-records.js';
import { rdataToText } from '../../src/dns/rdata.js';
import type { ResourceRecord } from '../../src/dns/record.js';
import { RRClass, RRType, typeToString } from '../../src/dns/types.js';
import { parseZoneText } from '../../src/zone/parser.js';

export interface TestKey {
  readonly algorithm: number;
  readonly flags: number;
  readonly privateKey: KeyObject;
  /** DNSKEY RDATA. */
  readonly rdata: Uint8Array;
  readonly tag: number;
}

const HASH: Record<number, string | null> = { 5: 'sha1', 7: 'sha1', 8: 'sha256', 10: 'sha512', 13: 'sha256', 14: 'sha384', 15: null, 16: null };

const fromB64u = (s: string): Buffer => Buffer.from(s, 'base64url');

function dnskeyRdata(flags: number, algorithm: number, publicKey: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(flags >> 8, flags & 0xff, 3, algorithm), publicKey]);
}

/** RFC 3110 §2 public key field from n and e. */
function rsaPublicField(n: Buffer, e: Buffer): Uint8Array {
  const head = e.length < 256 ? Uint8Array.of(e.length) : Uint8Array.of(0, e.length >> 8, e.length & 0xff);
  return concatBytes([head, e, n]);
}

function withKey(algorithm: number, flags: number, privateKey: KeyObject): TestKey {
  const jwk = privateKey.export({ format: 'jwk' });
  let pub: Uint8Array;
  if (jwk.kty === 'RSA') pub = rsaPublicField(fromB64u(jwk.n!), fromB64u(jwk.e!));
  else if (jwk.kty === 'EC') pub = concatBytes([fromB64u(jwk.x!), fromB64u(jwk.y!)]);
  else pub = fromB64u(jwk.x!);
  const rdata = dnskeyRdata(flags, algorithm, pub);
  return { algorithm, flags, privateKey, rdata, tag: dnskeyKeyTag(rdata) };
}

export function generateTestKey(algorithm: number, flags: number, rsaBits = 1024): TestKey {
  let kp: { privateKey: KeyObject };
  switch (algorithm) {
    case 5:
    case 7:
    case 8:
    case 10:
      kp = generateKeyPairSync('rsa', { modulusLength: rsaBits });
      break;
    case 13:
      kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      break;
    case 14:
      kp = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      break;
    case 15:
      kp = generateKeyPairSync('ed25519');
      break;
    case 16:
      kp = generateKeyPairSync('ed448');
      break;
    default:
      throw new Error(`test signer: no algorithm ${algorithm}`);
  }
  return withKey(algorithm, flags, kp.privateKey);
}

/** An RSA key from a BIND/ldns "Private-key-format: v1.x" file (the committed fixture keys). */
export function keyFromBindPrivate(text: string, flags: number): TestKey {
  const f = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9]+):\s*(.*)$/.exec(line.trim());
    if (m) f.set(m[1]!, m[2]!);
  }
  const alg = Number(/^(\d+)/.exec(f.get('Algorithm') ?? '')?.[1]);
  const b = (k: string): string => Buffer.from(f.get(k)!, 'base64').toString('base64url');
  const privateKey = createPrivateKey({
    key: { kty: 'RSA', n: b('Modulus'), e: b('PublicExponent'), d: b('PrivateExponent'), p: b('Prime1'), q: b('Prime2'), dp: b('Exponent1'), dq: b('Exponent2'), qi: b('Coefficient') },
    format: 'jwk',
  });
  return withKey(alg, flags, privateKey);
}

/** The same key with other flags (e.g. the RFC 5011 REVOKE bit); the tag changes with them. */
export function withFlags(k: TestKey, flags: number): TestKey {
  const rdata = Uint8Array.from(k.rdata);
  rdata[0] = flags >> 8;
  rdata[1] = flags & 0xff;
  return { ...k, flags, rdata, tag: dnskeyKeyTag(rdata) };
}

export function dnskeyRecord(owner: Name, k: TestKey, ttl = 3600): ResourceRecord {
  return { name: owner, type: RRType.DNSKEY, class: RRClass.IN, ttl, rdata: k.rdata };
}

export interface SignOptions {
  readonly inception: Date;
  readonly expiration: Date;
  /** Override the labels field (default: owner labels, not counting a leading "*"). */
  readonly labels?: number;
  readonly signer?: Name;
}

/** RRSIG over one RRset (RFC 4034 §3.1.8.1), signed with `k`. */
export function signRRset(rrset: readonly ResourceRecord[], k: TestKey, o: SignOptions): ResourceRecord {
  const first = rrset[0]!;
  const owner = first.name;
  const signer = o.signer ?? owner;
  const star = owner.labelCount > 0 && owner.labels()[0]!.length === 1 && owner.labels()[0]![0] === 0x2a;
  const labels = o.labels ?? owner.labelCount - (star ? 1 : 0);
  const head = new Uint8Array(18);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, first.type);
  head[2] = k.algorithm;
  head[3] = labels;
  dv.setUint32(4, first.ttl);
  dv.setUint32(8, Math.floor(o.expiration.getTime() / 1000) >>> 0);
  dv.setUint32(12, Math.floor(o.inception.getTime() / 1000) >>> 0);
  dv.setUint16(16, k.tag);
  const rrsigHead = concatBytes([head, signer.wire]);
  const parts: Uint8Array[] = [canonicalRdata(RRType.RRSIG, rrsigHead)];
  for (const rd of canonicalRdataSet(first.type, rrset.map((r) => r.rdata))) parts.push(canonicalRecordWire(owner, first.type, first.class, first.ttl, rd));
  const data = concatBytes(parts);
  const hash = HASH[k.algorithm];
  if (hash === undefined) throw new Error(`test signer: no algorithm ${k.algorithm}`);
  const keyArg = k.algorithm === 13 || k.algorithm === 14 ? { key: k.privateKey, dsaEncoding: 'ieee-p1363' as const } : k.privateKey;
  const signature = sign(hash, data, keyArg);
  return { name: owner, type: RRType.RRSIG, class: first.class, ttl: first.ttl, rdata: concatBytes([rrsigHead, signature]) };
}

function typeBitmap(types: readonly number[]): Uint8Array {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  const out: number[] = [];
  for (let w = 0; w < 256; w++) {
    const inWin = sorted.filter((t) => t >> 8 === w).map((t) => t & 0xff);
    if (inWin.length === 0) continue;
    const len = (Math.max(...inWin) >> 3) + 1;
    const bytes = new Array<number>(len).fill(0);
    for (const t of inWin) bytes[t >> 3]! |= 0x80 >> (t & 7);
    out.push(w, len, ...bytes);
  }
  return Uint8Array.from(out);
}

/** RFC 8976 §3.3.1 SIMPLE scheme with SHA-384 over the zone (apex ZONEMD and its RRSIGs excluded). */
export function zonemdSimpleSha384(records: readonly ResourceRecord[], origin: Name): Uint8Array {
  const isZonemdData = (r: ResourceRecord): boolean =>
    r.name.equals(origin) && (r.type === RRType.ZONEMD || (r.type === RRType.RRSIG && ((r.rdata[0]! << 8) | r.rdata[1]!) === RRType.ZONEMD));
  const sets = groupRRsets(records.filter((r) => !isZonemdData(r)));
  const h = createHash('sha384');
  for (const set of sets) {
    // Each RR with its own TTL: RRSIGs at one owner share an RRset but not a TTL.
    const rrs = set.map((r) => ({ r, rd: canonicalRdata(r.type, r.rdata) })).sort((a, b) => compareBytes(a.rd, b.rd));
    rrs.forEach(({ r, rd }, i) => {
      if (i > 0 && compareBytes(rrs[i - 1]!.rd, rd) === 0) return; // duplicates count once
      h.update(canonicalRecordWire(r.name, r.type, r.class, r.ttl, rd));
    });
  }
  return h.digest();
}

/** RRsets in canonical order: owner (RFC 4034 §6.1), then type. */
export function groupRRsets(records: readonly ResourceRecord[]): ResourceRecord[][] {
  const m = new Map<string, ResourceRecord[]>();
  for (const r of records) {
    const k = `${r.name.key} ${r.type} ${r.class}`;
    const l = m.get(k);
    if (l) l.push(r);
    else m.set(k, [r]);
  }
  return [...m.values()].sort((a, b) => compareCanonical(a[0]!.name, b[0]!.name) || a[0]!.type - b[0]!.type);
}

export interface SignZoneOptions extends SignOptions {
  readonly zonemd?: boolean;
}

/**
 * Sign a zone: DNSKEYs added, NSEC chain, RRSIG on every authoritative RRset
 * (DNSKEY by the KSK, the rest by the ZSK; at a delegation only DS and NSEC),
 * and a ZONEMD (SIMPLE/SHA-384) when asked.
 */
export function signZone(input: readonly ResourceRecord[], origin: Name, ksk: TestKey, zsk: TestKey, o: SignZoneOptions): ResourceRecord[] {
  const soa = input.find((r) => r.type === RRType.SOA)!;
  const minimum = new DataView(soa.rdata.buffer, soa.rdata.byteOffset + soa.rdata.length - 4, 4).getUint32(0);
  const records: ResourceRecord[] = [...input, dnskeyRecord(origin, ksk), dnskeyRecord(origin, zsk)];
  const cuts = new Set(records.filter((r) => r.type === RRType.NS && !r.name.equals(origin)).map((r) => r.name.key));
  const belowCut = (n: Name): boolean => {
    for (let p = n; !p.equals(origin) && p.labelCount > 0; p = p.parent()) if (p !== n && cuts.has(p.key)) return true;
    return false;
  };
  const authoritative = records.filter((r) => !belowCut(r.name));
  const owners = [...new Map(authoritative.map((r) => [r.name.key, r.name])).values()].sort(compareCanonical);
  const serialOf = new DataView(soa.rdata.buffer, soa.rdata.byteOffset + soa.rdata.length - 20, 4).getUint32(0);
  if (o.zonemd) {
    // Placeholder so the apex NSEC lists ZONEMD; replaced below once the digest is known.
    records.push({ name: origin, type: RRType.ZONEMD, class: RRClass.IN, ttl: soa.ttl, rdata: new Uint8Array(54) });
  }
  const withNsec: ResourceRecord[] = [...records];
  owners.forEach((name, i) => {
    const next = owners[(i + 1) % owners.length]!;
    const types = records.filter((r) => r.name.equals(name)).map((r) => r.type);
    withNsec.push({ name, type: RRType.NSEC, class: RRClass.IN, ttl: minimum, rdata: concatBytes([next.wire, typeBitmap([...types, RRType.RRSIG, RRType.NSEC])]) });
  });
  const signed: ResourceRecord[] = withNsec.filter((r) => r.type !== RRType.ZONEMD);
  for (const set of groupRRsets(withNsec)) {
    const r = set[0]!;
    if (r.type === RRType.ZONEMD || belowCut(r.name)) continue;
    if (cuts.has(r.name.key) && r.type !== RRType.DS && r.type !== RRType.NSEC) continue;
    signed.push(signRRset(set, r.type === RRType.DNSKEY ? ksk : zsk, { ...o, signer: origin }));
  }
  if (o.zonemd) {
    const digest = zonemdSimpleSha384(signed, origin);
    const head = new Uint8Array(6);
    new DataView(head.buffer).setUint32(0, serialOf);
    head[4] = 1; // SIMPLE
    head[5] = 1; // SHA-384
    const zonemd: ResourceRecord = { name: origin, type: RRType.ZONEMD, class: RRClass.IN, ttl: soa.ttl, rdata: concatBytes([head, digest]) };
    signed.push(zonemd, signRRset([zonemd], zsk, { ...o, signer: origin }));
  }
  return signed;
}

/** Master-file text, one RR a line. */
export function zoneText(records: readonly ResourceRecord[]): string {
  return records.map((r) => `${r.name.toString()}\t${r.ttl}\tIN\t${typeToString(r.type)}\t${rdataToText(r.type, r.rdata)}\n`).join('');
}

/** "owner IN DS tag alg 2 hex" for a key (RFC 4034 §5.1.4, SHA-256 unless told). */
export function dsText(owner: Name, k: TestKey, digestType = 2): string {
  const hash = digestType === 1 ? 'sha1' : digestType === 4 ? 'sha384' : 'sha256';
  const d = createHash(hash).update(owner.canonicalWire()).update(k.rdata).digest('hex');
  return `${owner.toString()} IN DS ${k.tag} ${k.algorithm} ${digestType} ${d}\n`;
}

/**
 * A small root zone (SOA, apex NS and glue, one TLD) signed with fresh keys
 * from a day ago until `validDays` from now, in master-file text: for daemon
 * tests that need `serve --zone-file` to be ready whatever today's date is.
 */
export function currentSignedRootZone(serial: number, validDays = 30): string {
  const origin = Name.fromText('.');
  const text = [
    `. 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. ${serial} 1800 900 604800 86400`,
    '. 518400 IN NS a.root-servers.net.',
    'a.root-servers.net. 518400 IN A 198.41.0.4',
    'test. 172800 IN NS ns.test.',
    'ns.test. 172800 IN A 192.0.2.1',
  ].join('\n');
  const now = Date.now();
  return zoneText(
    signZone(parseZoneText(text, { origin }), origin, generateTestKey(13, 257), generateTestKey(13, 256), {
      inception: new Date(now - 86400_000),
      expiration: new Date(now + validDays * 86400_000),
      zonemd: true,
    }),
  );
}
