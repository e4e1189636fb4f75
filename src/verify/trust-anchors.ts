// DNSSEC trust anchors from files: DS/DNSKEY records in master-file format
// (keys/root.ds, keys/root.key, Unbound/BIND-style anchor files) or IANA
// root-anchors.xml (RFC 7958/9718), told apart by the first character.
// Anchors outside their validity window, revoked keys (RFC 5011) and digest
// types or algorithms we cannot use are dropped with a note; a file that
// cannot be read or parsed is a DnssecError naming file and line.

import { readFile, stat } from 'node:fs/promises';
import type { Name } from '../dns/name.js';
import { decodeDnskey, decodeDs, dnskeyKeyTag } from '../dns/rdata/dnssec-records.js';
import { bytesToHex } from '../dns/rdata/encoding.js';
import { RRClass, RRType, typeToString } from '../dns/types.js';
import { ParseError } from '../zone/parse-error.js';
import { parseZoneText } from '../zone/parser.js';
import { algorithmName, algorithmUnusable, digestLength, digestTypeName, type AlgorithmPolicy } from './dnssec-algorithms.js';
import { DnssecError } from './dnssec-error.js';
import { isoTime } from './verdict.js';
import { parseRootAnchorsXml } from './root-anchors-xml.js';

export { DnssecError } from './dnssec-error.js';

/** DNSKEY flags (RFC 4034 §2.1.1, RFC 5011 §3). */
export const DnskeyFlag = { ZONE: 0x0100, REVOKE: 0x0080, SEP: 0x0001 } as const;

export interface DsAnchor {
  readonly owner: Name;
  readonly keyTag: number;
  readonly algorithm: number;
  readonly digestType: number;
  readonly digest: Uint8Array;
  /** Validity window from root-anchors.xml (ms since the epoch); absent for master-file anchors. */
  readonly validFrom?: number;
  readonly validUntil?: number;
  /** Where it came from: "file:line". */
  readonly source: string;
}

export interface KeyAnchor {
  readonly owner: Name;
  readonly keyTag: number;
  readonly algorithm: number;
  readonly flags: number;
  readonly publicKey: Uint8Array;
  /** The whole DNSKEY RDATA, compared octet for octet with the zone's keys. */
  readonly rdata: Uint8Array;
  readonly source: string;
}

export interface TrustAnchors {
  readonly ds: readonly DsAnchor[];
  readonly keys: readonly KeyAnchor[];
  /** Anchors dropped and why, one line each (for logs and `rootmirror verify`). */
  readonly notes: readonly string[];
}

export interface LoadTrustAnchorsOptions {
  /** Time the root-anchors.xml validity windows are judged at; default now. */
  readonly at?: Date;
  /** Keep algorithm 5/7 anchors (see dnssec-algorithms.ts); default off. */
  readonly allowSha1?: boolean;
}

const MAX_FILE = 1024 * 1024;

/** Load and merge the anchors of every file. Throws DnssecError if a file is bad or nothing usable is left. */
export async function loadTrustAnchors(files: readonly string[], opts: LoadTrustAnchorsOptions = {}): Promise<TrustAnchors> {
  if (files.length === 0) throw new DnssecError('no trust anchor file given (use --trust-anchors FILE, e.g. keys/root-anchors.xml)');
  const parts: TrustAnchors[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      if ((await stat(file)).size > MAX_FILE) throw new Error(`larger than ${MAX_FILE} octets`);
      bytes = await readFile(file);
    } catch (e) {
      throw new DnssecError(`cannot read trust anchor file ${file}: ${(e as Error).message}`, { file, cause: e });
    }
    parts.push(parseTrustAnchors(bytes, file, opts));
  }
  const merged = mergeAnchors(parts);
  if (merged.ds.length === 0 && merged.keys.length === 0) {
    const why = merged.notes.length > 0 ? `: ${merged.notes.join('; ')}` : '';
    throw new DnssecError(`no usable trust anchor in ${files.join(', ')}${why}; update the file (see keys/README.md)`, { file: files[0] });
  }
  return merged;
}

/** Parse one anchor file held in memory (XML or master file). */
export function parseTrustAnchors(bytes: Uint8Array | string, file: string, opts: LoadTrustAnchorsOptions = {}): TrustAnchors {
  const at = (opts.at ?? new Date()).getTime();
  const latin1 = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  // A master file cannot start with "<"; root-anchors.xml must.
  if (!/^(\uFEFF|\xEF\xBB\xBF)?\s*</.test(latin1)) return fromMasterFile(latin1, file, opts);
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new DnssecError(`${file}: not valid UTF-8 (expected IANA root-anchors.xml)`, { file, cause: e });
  }
  return fromXml(text, file, at, opts);
}


function fromXml(text: string, file: string, at: number, policy: AlgorithmPolicy): TrustAnchors {
  const ds: DsAnchor[] = [];
  const notes: string[] = [];
  for (const kd of parseRootAnchorsXml(text, file)) {
    const what = `${file}:${kd.line}: KeyDigest${kd.id !== undefined ? ` ${kd.id}` : ''} (key tag ${kd.keyTag})`;
    if (kd.validFrom > at) {
      notes.push(`${what} ignored: not valid before ${isoTime(kd.validFrom)}`);
      continue;
    }
    if (kd.validUntil !== undefined && kd.validUntil <= at) {
      notes.push(`${what} ignored: expired ${isoTime(kd.validUntil)}`);
      continue;
    }
    const unusable = unusableDs(kd.digestType, kd.algorithm, policy) ?? (kd.dnskey !== undefined ? unusableKey(kd.dnskey) : undefined);
    if (unusable !== undefined) {
      notes.push(`${what} ignored: ${unusable}`);
      continue;
    }
    ds.push({
      owner: kd.owner,
      keyTag: kd.keyTag,
      algorithm: kd.algorithm,
      digestType: kd.digestType,
      digest: kd.digest,
      validFrom: kd.validFrom,
      ...(kd.validUntil !== undefined ? { validUntil: kd.validUntil } : {}),
      source: `${file}:${kd.line}`,
    });
  }
  return { ds, keys: [], notes };
}

function unusableDs(digestType: number, algorithm: number, policy: AlgorithmPolicy): string | undefined {
  if (digestLength(digestType) === undefined) return `digest type ${digestTypeName(digestType)} is not supported`;
  return algorithmUnusable(algorithm, policy);
}

/** Why a DNSKEY cannot be an anchor (RFC 4034 §2.1.1-2, RFC 5011 §2.1), or undefined. */
function unusableKey(rdata: Uint8Array): string | undefined {
  const k = decodeDnskey(rdata);
  if (k.protocol !== 3) return `protocol ${k.protocol}, not 3`;
  if (!(k.flags & DnskeyFlag.ZONE)) return 'not a zone key (flags bit 7 clear)';
  if (k.flags & DnskeyFlag.REVOKE) return 'REVOKE bit set (RFC 5011): a revoked key is never an anchor';
  return undefined;
}

function fromMasterFile(text: string, file: string, policy: AlgorithmPolicy): TrustAnchors {
  let records;
  try {
    // Anchor files often carry no TTL; it does not matter for an anchor.
    records = parseZoneText(text, { file, defaultTtl: 0 });
  } catch (e) {
    if (e instanceof ParseError) {
      throw new DnssecError(`trust anchor file ${e.message}`, { file, line: e.line, cause: e });
    }
    throw e;
  }
  const ds: DsAnchor[] = [];
  const keys: KeyAnchor[] = [];
  const notes: string[] = [];
  for (const rr of records) {
    const where = `${file}:${rr.line}`;
    const bad = (problem: string): never => {
      throw new DnssecError(`${where}: ${problem}; a trust anchor file holds DS or DNSKEY records (or is root-anchors.xml)`, { file, line: rr.line });
    };
    if (rr.class !== RRClass.IN) bad(`class ${rr.class} record (only IN)`);
    if (rr.type === RRType.DS) {
      if (rr.rdata.length < 5) bad('DS without a digest');
      const d = decodeDs(rr.rdata);
      const want = digestLength(d.digestType);
      if (want !== undefined && d.digest.length !== want) bad(`DS digest of ${d.digest.length} octets, digest type ${d.digestType} has ${want}`);
      const unusable = unusableDs(d.digestType, d.algorithm, policy);
      if (unusable !== undefined) {
        notes.push(`${where}: DS ${d.keyTag} ignored: ${unusable}`);
        continue;
      }
      ds.push({ owner: rr.name, keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, digest: new Uint8Array(d.digest), source: where });
    } else if (rr.type === RRType.DNSKEY) {
      if (rr.rdata.length < 5) bad('DNSKEY without a public key');
      const k = decodeDnskey(rr.rdata);
      const tag = dnskeyKeyTag(rr.rdata);
      const unusable = unusableKey(rr.rdata) ?? algorithmUnusable(k.algorithm, policy);
      if (unusable !== undefined) {
        notes.push(`${where}: DNSKEY ${tag} (algorithm ${algorithmName(k.algorithm)}) ignored: ${unusable}`);
        continue;
      }
      keys.push({ owner: rr.name, keyTag: tag, algorithm: k.algorithm, flags: k.flags, publicKey: new Uint8Array(k.publicKey), rdata: new Uint8Array(rr.rdata), source: where });
    } else {
      bad(`${typeToString(rr.type)} record`);
    }
  }
  if (records.length === 0) throw new DnssecError(`${file}: no DS or DNSKEY record in it; expected a trust anchor file (e.g. keys/root.ds) or root-anchors.xml`, { file });
  return { ds, keys, notes };
}

/** Union of several files' anchors, exact duplicates dropped. */
function mergeAnchors(parts: readonly TrustAnchors[]): TrustAnchors {
  const ds: DsAnchor[] = [];
  const keys: KeyAnchor[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    for (const a of p.ds) {
      const id = `ds ${a.owner.key} ${a.keyTag} ${a.algorithm} ${a.digestType} ${bytesToHex(a.digest)}`;
      if (!seen.has(id)) ds.push(a);
      seen.add(id);
    }
    for (const a of p.keys) {
      const id = `key ${a.owner.key} ${bytesToHex(a.rdata)}`;
      if (!seen.has(id)) keys.push(a);
      seen.add(id);
    }
    notes.push(...p.notes);
  }
  return { ds, keys, notes };
}

/** "DS 20326/8, DS 38696/8, DNSKEY 4667/8" for messages. */
export function describeAnchors(a: Pick<TrustAnchors, 'ds' | 'keys'>): string {
  const parts = [...a.ds.map((d) => `DS ${d.keyTag}/${d.algorithm}`), ...a.keys.map((k) => `DNSKEY ${k.keyTag}/${k.algorithm}`)];
  return parts.length === 0 ? 'none' : parts.join(', ');
}
