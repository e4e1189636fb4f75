// AXFR client (RFC 5936) over TCP for `axfr://HOST[:PORT]` sources. ICANN's
// lax.xfr.dns.icann.org / iad.xfr.dns.icann.org and several root servers serve
// the root zone this way. There is no PGP signature on this path, so the
// refresher insists on ZONEMD and DNSSEC for these sources.
//
// Paranoid about the peer: message ID, QR, opcode, rcode, TC and the question
// are checked on every message (§2.2); the first record must be the zone's SOA
// and the transfer ends at the next SOA of the zone, which must equal the first
// (§2.2, §3.3 in effect: a changed serial mid-transfer is an error); anything
// after it is an error; total bytes, records, wall time and idle time are capped.
//
// With a TSIG key (RFC 8945) the query is signed (§5.1) and every message is
// verified before it is read, as one stream (§5.3.1: the first and the last
// message signed, at most 99 unsigned in a row); an unsigned answer to a signed
// query, a server's TSIG error and a MAC that does not verify all fail closed.

import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRClass, RRType, Rcode, rcodeToString } from '../dns/types.js';
import { FetchError, FetchErrorCode } from './errors.js';
import { bytesEqual } from '../bytes.js';
import { decodeSoa } from '../dns/rdata/soa.js';
import { systemClock, type Clock } from '../clock.js';
import { TsigStreamVerifier, signRequest, verifyResponse, type TsigOptions, type TsigRejected } from '../dns/tsig.js';
import type { TsigKey } from '../dns/tsig-keys.js';

export interface AxfrTarget {
  readonly host: string;
  readonly port: number;
}

export interface AxfrOptions {
  /** Zone to transfer; default the root. */
  readonly zone?: Name;
  /** Cap on the sum of message sizes. Default 64 MiB (the root is ~2.5 MB of wire data). */
  readonly maxBytes?: number;
  readonly maxRecords?: number;
  readonly connectTimeoutMs?: number;
  /** Longest silence between two reads. */
  readonly idleTimeoutMs?: number;
  /** Whole transfer. */
  readonly totalTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Sign the query with this key and accept only an answer signed with it (RFC 8945). */
  readonly tsig?: TsigKey;
  /** TSIG's time (Time Signed, the fudge check); default the system clock. */
  readonly clock?: Clock;
}

export interface AxfrResult {
  readonly records: ResourceRecord[];
  readonly serial: number;
  readonly messages: number;
  readonly bytes: number;
  /** Present when the transfer was TSIG-verified: the key, and how many messages carried a MAC. */
  readonly tsig?: { readonly key: Name; readonly signedMessages: number };
}

const DEFAULTS = { maxBytes: 64 * 1024 * 1024, maxRecords: 2_000_000, connectTimeoutMs: 10_000, idleTimeoutMs: 30_000, totalTimeoutMs: 300_000 };

/** The AXFR (or SOA) query: RD=0, one question (zone, qtype, IN), no EDNS. */
export function axfrQuery(zone: Name, id: number, qtype: number = RRType.AXFR): Uint8Array {
  const q = new Uint8Array(12 + zone.wire.length + 4);
  const v = new DataView(q.buffer);
  v.setUint16(0, id);
  v.setUint16(4, 1);
  q.set(zone.wire, 12);
  v.setUint16(12 + zone.wire.length, qtype);
  v.setUint16(14 + zone.wire.length, RRClass.IN);
  return q;
}

/** RFC 1035 types whose RDATA names may be compressed (RFC 3597 §4), as field layouts. */
const COMPRESSED: Readonly<Record<number, readonly ('name' | number)[]>> = {
  2: ['name'], // NS
  3: ['name'], // MD
  4: ['name'], // MF
  5: ['name'], // CNAME
  6: ['name', 'name', 20], // SOA
  7: ['name'], // MB
  8: ['name'], // MG
  9: ['name'], // MR
  12: ['name'], // PTR
  14: ['name', 'name'], // MINFO
  15: [2, 'name'], // MX
};

class WireError extends Error {}

/** Uncompressed RDATA: names of the RFC 1035 types expanded; other types copied. */
function readRdata(msg: Uint8Array, type: number, start: number, length: number): Uint8Array {
  const end = start + length;
  const layout = COMPRESSED[type];
  if (layout === undefined) return msg.slice(start, end);
  const parts: Uint8Array[] = [];
  let pos = start;
  for (const f of layout) {
    if (f === 'name') {
      const { name, next } = Name.fromWire(msg, pos);
      if (next > end) throw new WireError(`type ${type} RDATA name runs past RDLENGTH`);
      parts.push(name.wire);
      pos = next;
    } else {
      if (pos + f > end) throw new WireError(`type ${type} RDATA shorter than its fixed fields`);
      parts.push(msg.subarray(pos, pos + f));
      pos += f;
    }
  }
  if (pos !== end) throw new WireError(`type ${type} RDATA has ${end - pos} trailing octets`);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface Parsed {
  readonly answers: ResourceRecord[];
  readonly authoritative: boolean;
}

interface SignedQuery {
  readonly message: Uint8Array;
  readonly key: TsigKey;
  /** The answer's first MAC digests it (RFC 8945 §4.3.1). */
  readonly mac: Uint8Array;
  readonly opts: TsigOptions;
}

/** `query` signed with `key` (RFC 8945 §5.1), with what it takes to verify the answer. */
function signQuery(query: Uint8Array, key: TsigKey, clock: Clock): SignedQuery {
  const opts = { clock };
  const { message, mac } = signRequest(query, key, opts);
  return { message, key, mac, opts };
}

/** One line for a TSIG failure: the server's refusal (its TSIG error) or ours. */
function tsigFailure(v: TsigRejected, key: TsigKey, msg: Uint8Array): string {
  if (v.by === 'peer') return `TSIG key ${key.name} ${key.algorithm.name}: ${v.detail}`;
  const rcode = msg.length >= 4 ? msg[3]! & 0xf : 0;
  const answered = rcode === 0 ? '' : ` (the server answered ${rcodeToString(rcode)})`;
  return `our TSIG check failed: ${v.error}: ${v.detail}${answered}`;
}

/** Check one response message and return its answer records. */
export function parseAxfrMessage(msg: Uint8Array, id: number, zone: Name, first: boolean, qtype: number = RRType.AXFR): Parsed {
  if (msg.length < 12) throw new WireError(`message of ${msg.length} octets is shorter than a header`);
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  if (v.getUint16(0) !== id) throw new WireError(`message ID ${v.getUint16(0)} does not match the query ID ${id}`);
  const flags = v.getUint16(2);
  if ((flags & 0x8000) === 0) throw new WireError('QR bit not set');
  if (((flags >> 11) & 0xf) !== 0) throw new WireError(`opcode ${(flags >> 11) & 0xf} in the response`);
  if ((flags & 0x0200) !== 0) throw new WireError('TC set on a TCP response');
  const rcode = flags & 0xf;
  if (rcode !== 0) throw new WireError(`server answered ${rcodeToString(rcode)}: it does not allow AXFR of ${zone} to us`);
  const qd = v.getUint16(4);
  const an = v.getUint16(6);
  if (qd > 1 || (first && qd !== 1)) throw new WireError(`QDCOUNT ${qd}`);
  let pos = 12;
  for (let i = 0; i < qd; i++) {
    const { name, next } = Name.fromWire(msg, pos);
    if (next + 4 > msg.length) throw new WireError('question runs past the end');
    if (name.key !== zone.key || v.getUint16(next) !== qtype || v.getUint16(next + 2) !== RRClass.IN) {
      throw new WireError(`question ${name} type ${v.getUint16(next)} does not match the query`);
    }
    pos = next + 4;
  }
  const answers: ResourceRecord[] = [];
  for (let i = 0; i < an; i++) {
    const { name, next } = Name.fromWire(msg, pos);
    if (next + 10 > msg.length) throw new WireError('record header runs past the end');
    const type = v.getUint16(next);
    const cls = v.getUint16(next + 2);
    const ttl = v.getUint32(next + 4);
    const rdlength = v.getUint16(next + 8);
    const start = next + 10;
    if (start + rdlength > msg.length) throw new WireError('RDATA runs past the end');
    answers.push({ name, type, class: cls, ttl, rdata: readRdata(msg, type, start, rdlength) });
    pos = start + rdlength;
  }
  // Authority/additional (e.g. TSIG, OPT) are not zone data; ignored.
  return { answers, authoritative: (flags & 0x0400) !== 0 };
}

/** Transfer the zone from `target`. Every failure is a FetchError. */
export async function axfr(target: AxfrTarget, opts: AxfrOptions = {}): Promise<AxfrResult> {
  const o = { ...DEFAULTS, ...opts };
  const zone = opts.zone ?? Name.root;
  const label = `axfr://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  const id = randomBytes(2).readUInt16BE(0);
  const plain = axfrQuery(zone, id);
  const signed = opts.tsig === undefined ? undefined : signQuery(plain, opts.tsig, opts.clock ?? systemClock);
  const stream = signed === undefined ? undefined : new TsigStreamVerifier(signed.key, signed.mac, signed.opts);
  let signedMessages = 0;
  const records: ResourceRecord[] = [];
  let firstSoa: ResourceRecord | undefined;
  let done = false;
  let messages = 0;
  let bytes = 0;

  return await new Promise<AxfrResult>((resolve, reject) => {
    let settled = false;
    let buf: Buffer = Buffer.alloc(0);
    const sock: Socket = connect({ host: target.host, port: target.port });
    const fail = (msg: string, code: FetchErrorCode, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      sock.destroy();
      reject(new FetchError(`${label}: ${msg}`, code, label, cause === undefined ? undefined : { cause }));
    };
    const total = setTimeout(() => fail(`transfer took longer than ${o.totalTimeoutMs} ms`, FetchErrorCode.timeout), o.totalTimeoutMs);
    const connectTimer = setTimeout(() => fail(`connect timed out after ${o.connectTimeoutMs} ms`, FetchErrorCode.timeout), o.connectTimeoutMs);
    const onAbort = (): void => fail('aborted', FetchErrorCode.aborted);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('close', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      clearTimeout(connectTimer);
      if (!done) fail(firstSoa === undefined ? 'connection closed before any zone data' : `connection closed mid-transfer after ${records.length} records (no closing SOA)`, FetchErrorCode.shortBody);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const dns = err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN';
      fail(dns ? `DNS lookup of ${target.host} failed (${err.code})` : `${err.message}`, dns ? FetchErrorCode.dns : FetchErrorCode.connect, err);
    });
    sock.setTimeout(o.idleTimeoutMs, () => fail(`no data for ${o.idleTimeoutMs} ms (stalled transfer)`, FetchErrorCode.timeout));
    sock.once('connect', () => {
      clearTimeout(connectTimer);
      const q = signed?.message ?? plain;
      const framed = Buffer.alloc(2 + q.length);
      framed.writeUInt16BE(q.length, 0);
      framed.set(q, 2);
      sock.write(framed);
    });
    sock.on('data', (chunk: Buffer) => {
      if (settled) return;
      bytes += chunk.length;
      if (bytes > o.maxBytes) return fail(`transfer exceeds the ${o.maxBytes}-byte cap`, FetchErrorCode.tooLarge);
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = new Uint8Array(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        if (done) return fail('data after the closing SOA', FetchErrorCode.protocol);
        if (signed !== undefined && stream !== undefined) {
          // Authenticate before reading: a tampered message never reaches the parser's verdicts.
          const v = stream.add(msg);
          if (v.status === 'rejected') return fail(tsigFailure(v, signed.key, msg), FetchErrorCode.protocol);
          if (v.status === 'verified') signedMessages++;
        }
        let parsed: Parsed;
        try {
          parsed = parseAxfrMessage(msg, id, zone, messages === 0);
        } catch (err) {
          // REFUSED or NOTAUTH to an unsigned query: the server's ACL may want a key (NSD: provide-xfr ADDR KEYNAME).
          const rcode = (msg[3] ?? 0) & 0xf;
          const refused = signed === undefined && (rcode === Rcode.REFUSED || rcode === Rcode.NOTAUTH);
          return fail(`message ${messages + 1}: ${(err as Error).message}${refused ? ' (the query was not TSIG-signed: if the server requires a key, give one)' : ''}`, FetchErrorCode.protocol, err);
        }
        messages++;
        for (const rr of parsed.answers) {
          if (done) return fail('records after the closing SOA', FetchErrorCode.protocol);
          if (firstSoa === undefined) {
            if (rr.type !== RRType.SOA || rr.name.key !== zone.key) return fail(`first record is ${rr.name} type ${rr.type}, not the SOA of ${zone}`, FetchErrorCode.protocol);
            firstSoa = rr;
            records.push(rr);
            continue;
          }
          if (rr.type === RRType.SOA && rr.name.key === zone.key) {
            if (!bytesEqual(rr.rdata, firstSoa.rdata)) {
              return fail(`closing SOA (serial ${decodeSoa(rr.rdata).serial}) differs from the opening one (serial ${decodeSoa(firstSoa.rdata).serial}); zone changed mid-transfer`, FetchErrorCode.protocol);
            }
            done = true;
            continue;
          }
          if (rr.class !== RRClass.IN) return fail(`record ${rr.name} has class ${rr.class}, not IN`, FetchErrorCode.protocol);
          records.push(rr);
          if (records.length > o.maxRecords) return fail(`more than ${o.maxRecords} records (--max-records)`, FetchErrorCode.tooLarge);
        }
        if (done && buf.length === 0) {
          const verdict = stream?.finish();
          if (signed !== undefined && verdict?.status === 'rejected') return fail(tsigFailure(verdict, signed.key, msg), FetchErrorCode.protocol);
          settled = true;
          clearTimeout(total);
          sock.end();
          sock.destroy();
          const tsig = signed === undefined ? {} : { tsig: { key: signed.key.name, signedMessages } };
          resolve({ records, serial: decodeSoa(firstSoa!.rdata).serial, messages, bytes, ...tsig });
          return;
        }
      }
    });
  });
}

/**
 * The zone's SOA serial from the same server, over TCP: a secondary's refresh
 * check (RFC 1034 §4.3.5) before paying for a full transfer.
 */
export async function querySoaSerial(target: AxfrTarget, opts: Pick<AxfrOptions, 'zone' | 'connectTimeoutMs' | 'idleTimeoutMs' | 'signal' | 'tsig' | 'clock'> = {}): Promise<number> {
  const zone = opts.zone ?? Name.root;
  const label = `axfr://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  const id = randomBytes(2).readUInt16BE(0);
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
  const plain = axfrQuery(zone, id, RRType.SOA);
  const signed = opts.tsig === undefined ? undefined : signQuery(plain, opts.tsig, opts.clock ?? systemClock);
  return await new Promise<number>((resolve, reject) => {
    let settled = false;
    let buf: Buffer = Buffer.alloc(0);
    const sock = connect({ host: target.host, port: target.port });
    const fail = (msg: string, code: FetchErrorCode, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      sock.destroy();
      reject(new FetchError(`${label}: SOA query: ${msg}`, code, label, cause === undefined ? undefined : { cause }));
    };
    const connectTimer = setTimeout(() => fail(`connect timed out after ${connectTimeoutMs} ms`, FetchErrorCode.timeout), connectTimeoutMs);
    const onAbort = (): void => fail('aborted', FetchErrorCode.aborted);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sock.setTimeout(idleTimeoutMs, () => fail(`no answer for ${idleTimeoutMs} ms`, FetchErrorCode.timeout));
    sock.on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? FetchErrorCode.dns : FetchErrorCode.connect, err));
    sock.once('close', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      fail('connection closed before an answer', FetchErrorCode.shortBody);
    });
    sock.once('connect', () => {
      clearTimeout(connectTimer);
      const q = signed?.message ?? plain;
      sock.write(Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 65537) return fail('answer larger than a DNS message', FetchErrorCode.protocol);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const msg = new Uint8Array(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      if (signed !== undefined) {
        const v = verifyResponse(msg, signed.key, signed.mac, signed.opts);
        if (v.status === 'rejected') return fail(tsigFailure(v, signed.key, msg), FetchErrorCode.protocol);
      }
      let parsed: Parsed;
      try {
        parsed = parseAxfrMessage(msg, id, zone, true, RRType.SOA);
      } catch (err) {
        return fail((err as Error).message, FetchErrorCode.protocol, err);
      }
      if (!parsed.authoritative) return fail('answer is not authoritative (AA not set)', FetchErrorCode.protocol);
      const soa = parsed.answers.find((r) => r.type === RRType.SOA && r.name.key === zone.key);
      if (soa === undefined || soa.rdata.length < 22) return fail('no SOA in the answer', FetchErrorCode.protocol);
      settled = true;
      sock.destroy();
      resolve(decodeSoa(soa.rdata).serial);
    });
  });
}
