// TSIG (RFC 8945): sign DNS messages with a shared HMAC key and verify them.
//
// Requests are signed with the full TSIG variables (§4.3.3); a response's
// digest starts with the request's MAC (§4.3.1); the second and later
// messages of a TCP stream (AXFR) digest the prior MAC, the unsigned messages
// since, and only the timers (§5.3.1). Verification follows the order of
// §5.2: key (BADKEY), MAC (BADSIG), time (BADTIME), truncation (BADTRUNC).
// Bad input is a verdict, never an exception. Time comes from a Clock.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { TsigErrorCode, appendTsig, encodeTsig, locateTsig, readTime48, time48, tsigErrorName, type LocatedTsig, type TsigRecord } from './tsig-record.js';
import type { TsigKey, TsigKeyring } from './tsig-keys.js';

/** RFC 8945 §10: "a fudge value of 300 seconds is RECOMMENDED". */
export const DEFAULT_FUDGE = 300;
/** RFC 8945 §5.3.1: a client accepts up to 99 unsigned messages in a row, the 100th must be signed. */
export const MAX_UNSIGNED_IN_ROW = 99;

export type TsigFailure = 'FORMERR' | 'BADKEY' | 'BADSIG' | 'BADTIME' | 'BADTRUNC' | 'UNSIGNED';

export interface TsigVerified {
  readonly status: 'verified';
  readonly key: TsigKey;
  readonly record: TsigRecord;
  readonly detail: string;
}

export interface TsigUnsigned {
  readonly status: 'unsigned';
  readonly detail: string;
}

export interface TsigRejected {
  readonly status: 'rejected';
  /** Our verdict (TsigFailure) when `by` is 'us'; the peer's TSIG error mnemonic when 'peer'. */
  readonly error: string;
  /** 'peer': the other side sent a TSIG error (it refused our signature). */
  readonly by: 'us' | 'peer';
  readonly detail: string;
  readonly record?: TsigRecord;
  readonly key?: TsigKey;
  /** The MAC checked out: an error response to it must be signed (RFC 8945 §5.3.2). */
  readonly macValid: boolean;
  /** BADTIME: the verifier's time (ours, or the peer's from Other Data), seconds. */
  readonly serverTime?: number;
}

export interface TsigOptions {
  readonly clock: Clock;
  /** Seconds of clock difference allowed (signing); default 300. */
  readonly fudge?: number;
  /**
   * Shortest MAC accepted, in octets (RFC 8945 §5.2.4 local policy). Default:
   * the full HMAC length, i.e. truncated MACs are refused with BADTRUNC.
   */
  readonly minMacLength?: number;
}

export interface SignedMessage {
  readonly message: Uint8Array;
  /** Keep it: the response's digest starts with it (RFC 8945 §4.3.1). */
  readonly mac: Uint8Array;
}

const seconds = (clock: Clock): number => Math.floor(clock.now() / 1000);

function u16(v: number): Uint8Array {
  return Uint8Array.of(v >>> 8, v & 0xff);
}

/** RFC 8945 §4.3.3 TSIG variables, or only the timers (§4.3.1, later messages of a stream). */
function variables(r: Omit<TsigRecord, 'mac' | 'originalId'>, timersOnly: boolean): Uint8Array[] {
  const timers = [time48(r.timeSigned), u16(r.fudge)];
  if (timersOnly) return timers;
  const classAndTtl = Uint8Array.of(0, 255, 0, 0, 0, 0);
  return [r.keyName.canonicalWire(), classAndTtl, r.algorithm.canonicalWire(), ...timers, u16(r.error), u16(r.otherData.length), r.otherData];
}

function computeMac(key: TsigKey, priorMac: Uint8Array | undefined, messages: readonly Uint8Array[], vars: readonly Uint8Array[]): Uint8Array {
  const h = createHmac(key.algorithm.hash, key.secret);
  // RFC 8945 §4.3.1: the request (or prior) MAC is digested with its MAC Size.
  if (priorMac !== undefined) h.update(u16(priorMac.length)).update(priorMac);
  for (const m of messages) h.update(m);
  for (const v of vars) h.update(v);
  return new Uint8Array(h.digest());
}

interface SignFields {
  readonly priorMac?: Uint8Array;
  readonly before?: readonly Uint8Array[];
  readonly timersOnly?: boolean;
  readonly timeSigned?: number;
  readonly error?: number;
  readonly otherData?: Uint8Array;
}

function sign(msg: Uint8Array, key: TsigKey, opts: TsigOptions, f: SignFields = {}): SignedMessage {
  const fields = {
    keyName: key.name,
    algorithm: key.algorithm.wireName,
    timeSigned: f.timeSigned ?? seconds(opts.clock),
    fudge: opts.fudge ?? DEFAULT_FUDGE,
    error: f.error ?? 0,
    otherData: f.otherData ?? new Uint8Array(0),
  };
  const mac = computeMac(key, f.priorMac, [...(f.before ?? []), msg], variables(fields, f.timersOnly === true));
  const tsig = encodeTsig({ ...fields, mac, originalId: (msg[0]! << 8) | msg[1]! });
  return { message: appendTsig(msg, tsig), mac };
}

/** Sign a request (RFC 8945 §5.1). */
export function signRequest(msg: Uint8Array, key: TsigKey, opts: TsigOptions): SignedMessage {
  return sign(msg, key, opts);
}

/** Sign the response to a verified request (RFC 8945 §5.3): its digest starts with the request's MAC. */
export function signResponse(msg: Uint8Array, request: TsigVerified, opts: TsigOptions): SignedMessage {
  return sign(msg, request.key, opts, { priorMac: request.record.mac });
}

function clockHint(serverTime: number, now: number): string {
  return `its clock reads ${new Date(serverTime * 1000).toISOString()}, ours ${new Date(now * 1000).toISOString()}; fix the clock that is wrong`;
}

function rejected(error: string, detail: string, extra: Partial<Omit<TsigRejected, 'status' | 'error' | 'detail'>> = {}): TsigRejected {
  return { status: 'rejected', error, by: 'us', detail, macValid: false, ...extra };
}

interface CheckInput {
  readonly key: TsigKey;
  readonly record: TsigRecord;
  readonly unsigned: Uint8Array;
  readonly priorMac?: Uint8Array;
  readonly before?: readonly Uint8Array[];
  readonly timersOnly?: boolean;
  /** A peer's error response: report its error once the MAC checks out. */
  readonly fromServer: boolean;
}

/** §5.2.2 MAC check, §5.2.3 time check, §5.2.4 truncation check, in that order. */
function check(c: CheckInput, opts: TsigOptions): TsigVerified | TsigRejected {
  const { key, record } = c;
  const full = key.algorithm.macLength;
  const size = record.mac.length;
  // RFC 8945 §5.2.2.1: longer than the hash, or shorter than max(10, half the
  // hash), "MUST cause the DNS message to be dropped and RCODE 1 (FORMERR)".
  if (size > full || size < Math.max(10, full / 2)) {
    return rejected('FORMERR', `TSIG MAC of ${size} octets is not allowed for ${key.algorithm.name} (RFC 8945 §5.2.2.1: ${Math.max(10, full / 2)}-${full})`, { record, key });
  }
  const mac = computeMac(key, c.priorMac, [...(c.before ?? []), c.unsigned], variables(record, c.timersOnly === true));
  if (!timingSafeEqual(mac.subarray(0, size), record.mac)) {
    return rejected('BADSIG', `TSIG MAC with key ${key.name.toString()} does not verify: the secret or the message differs`, { record, key });
  }
  if (c.fromServer && record.error !== 0) {
    const serverTime = record.error === TsigErrorCode.BADTIME ? readTime48(record.otherData) : undefined;
    const skew = serverTime === undefined ? '' : `: ${clockHint(serverTime, seconds(opts.clock))}`;
    return { status: 'rejected', error: tsigErrorName(record.error), by: 'peer', detail: `the server refused our TSIG with ${tsigErrorName(record.error)} (signed)${skew}`, record, key, macValid: true, ...(serverTime === undefined ? {} : { serverTime }) };
  }
  const now = seconds(opts.clock);
  if (Math.abs(now - record.timeSigned) > record.fudge) {
    return rejected('BADTIME', `TSIG signed at ${new Date(record.timeSigned * 1000).toISOString()} is more than ${record.fudge} s from our clock (${new Date(now * 1000).toISOString()}): check both clocks`, {
      record,
      key,
      macValid: true,
      serverTime: now,
    });
  }
  const minimum = Math.min(full, opts.minMacLength ?? full);
  if (size < minimum) {
    return rejected('BADTRUNC', `TSIG MAC truncated to ${size} octets; local policy wants at least ${minimum} (RFC 8945 §5.2.4)`, { record, key, macValid: true });
  }
  return { status: 'verified', key, record, detail: `TSIG verified with key ${key.name.toString()} (${key.algorithm.name})` };
}

/**
 * A server's check of a request (RFC 8945 §5.2). 'unsigned' when the request
 * carries no TSIG: whether that is acceptable is the caller's policy.
 */
export function verifyRequest(msg: Uint8Array, keys: TsigKeyring, opts: TsigOptions): TsigVerified | TsigUnsigned | TsigRejected {
  const found = locateTsig(msg);
  if (found.kind === 'none') return { status: 'unsigned', detail: 'the request carries no TSIG record' };
  if (found.kind === 'malformed') return rejected('FORMERR', found.detail);
  const { record, unsigned } = found;
  // RFC 8945 §5.2.1: an unknown key, or a known key with another algorithm, is BADKEY.
  const key = keys.get(record.keyName);
  if (key === undefined) return rejected('BADKEY', `TSIG key ${record.keyName.toString()} is not one of ours`, { record });
  if (!key.algorithm.wireName.equals(record.algorithm)) {
    return rejected('BADKEY', `TSIG key ${key.name.toString()} is ${key.algorithm.name}, the request used ${record.algorithm.toString()}`, { record });
  }
  return check({ key, record, unsigned, fromServer: false }, opts);
}

/** The response's key and algorithm must be the request's (RFC 8945 §5.2.5, §5.4). */
function responseCheck(found: LocatedTsig, key: TsigKey, what: string, now: number): { record: TsigRecord; unsigned: Uint8Array } | TsigRejected {
  if (found.kind === 'none') return rejected('UNSIGNED', `${what} carries no TSIG record: is key ${key.name.toString()} configured on the server?`);
  if (found.kind === 'malformed') return rejected('FORMERR', `${what}: ${found.detail}`);
  const { record } = found;
  if (!record.keyName.equals(key.name) || !record.algorithm.equals(key.algorithm.wireName)) {
    return rejected('BADKEY', `${what} is signed with ${record.keyName.toString()} ${record.algorithm.toString()}, not our ${key.name.toString()} ${key.algorithm.name}`, { record });
  }
  // RFC 8945 §5.3.2: BADKEY and BADSIG come back unsigned (MAC Size 0); so does
  // BADTIME from some servers (NSD 4.6), though §5.2.3 wants it signed. They
  // cannot be authenticated; the caller treats them as a failed exchange.
  if (record.error !== 0 && record.mac.length === 0) {
    const name = tsigErrorName(record.error);
    const serverTime = record.error === TsigErrorCode.BADTIME ? readTime48(record.otherData) : undefined;
    const hint =
      record.error === TsigErrorCode.BADKEY
        ? 'the server does not know this key name or algorithm'
        : record.error === TsigErrorCode.BADSIG
          ? 'the server computed another MAC: check that both sides have the same secret'
          : serverTime !== undefined
            ? clockHint(serverTime, now)
            : 'see the server\'s log';
    return { status: 'rejected', error: name, by: 'peer', detail: `the server refused our TSIG with ${name} (unsigned): ${hint}`, record, key, macValid: false, ...(serverTime === undefined ? {} : { serverTime }) };
  }
  return found;
}

/** A client's check of a single-message response to a request it signed (RFC 8945 §5.4). */
export function verifyResponse(msg: Uint8Array, key: TsigKey, requestMac: Uint8Array, opts: TsigOptions): TsigVerified | TsigRejected {
  const r = responseCheck(locateTsig(msg), key, 'the response', seconds(opts.clock));
  if ('status' in r) return r;
  return check({ key, record: r.record, unsigned: r.unsigned, priorMac: requestMac, fromServer: true }, opts);
}

/**
 * The error response a server sends for a rejected request (RFC 8945 §5.3.2):
 * FORMERR without TSIG; BADKEY and BADSIG with an unsigned TSIG carrying the
 * error; BADTIME and BADTRUNC signed with the request's key, BADTIME with the
 * request's Time Signed and our time in Other Data (§5.2.3).
 */
export function tsigErrorResponse(request: Uint8Array, verdict: TsigRejected, opts: TsigOptions): Uint8Array {
  const NOTAUTH = 9;
  const FORMERR = 1;
  const header = new Uint8Array(12);
  header.set(request.subarray(0, 2));
  // QR, the request's opcode and RD; AA off; RCODE in the low four bits.
  const opcodeRd = request.length >= 4 ? (request[2]! & 0x79) : 0;
  header[2] = 0x80 | opcodeRd;
  header[3] = verdict.error === 'FORMERR' ? FORMERR : NOTAUTH;
  const question = questionOf(request);
  if (question !== undefined) header[5] = 1;
  const body = new Uint8Array(12 + (question?.length ?? 0));
  body.set(header);
  if (question !== undefined) body.set(question, 12);
  const r = verdict.record;
  if (verdict.error === 'FORMERR' || r === undefined) return body;
  const code = TsigErrorCode[verdict.error as keyof typeof TsigErrorCode] ?? TsigErrorCode.BADSIG;
  if (verdict.macValid && verdict.key !== undefined) {
    return sign(body, verdict.key, { ...opts, fudge: r.fudge }, {
      priorMac: r.mac,
      timeSigned: r.timeSigned,
      error: code,
      otherData: code === TsigErrorCode.BADTIME ? time48(seconds(opts.clock)) : new Uint8Array(0),
    }).message;
  }
  const unsignedTsig = encodeTsig({ ...r, mac: new Uint8Array(0), originalId: (body[0]! << 8) | body[1]!, error: code, otherData: new Uint8Array(0) });
  return appendTsig(body, unsignedTsig);
}

/** The first question of a message, raw (names at offset 12 cannot be compressed); undefined if none or malformed. */
function questionOf(m: Uint8Array): Uint8Array | undefined {
  if (m.length < 12 || ((m[4]! << 8) | m[5]!) === 0) return undefined;
  let o = 12;
  while (o < m.length && m[o]! !== 0) {
    if ((m[o]! & 0xc0) !== 0) return undefined;
    o += m[o]! + 1;
  }
  if (o + 5 > m.length) return undefined;
  return m.slice(12, o + 5);
}

/**
 * The server side of a multi-message TCP response (RFC 8945 §5.3.1): the first
 * message is signed with the request MAC and all variables, later ones with the
 * prior MAC, the messages passed unsigned since, and the timers only.
 */
export class TsigStreamSigner {
  private priorMac: Uint8Array;
  private readonly passed: Uint8Array[] = [];
  private signedCount = 0;

  constructor(
    private readonly request: TsigVerified,
    private readonly opts: TsigOptions,
  ) {
    this.priorMac = request.record.mac;
  }

  sign(msg: Uint8Array): Uint8Array {
    const s = sign(msg, this.request.key, this.opts, { priorMac: this.priorMac, before: this.passed, timersOnly: this.signedCount > 0 });
    this.signedCount++;
    this.passed.length = 0;
    this.priorMac = s.mac;
    return s.message;
  }

  /** Send `msg` unsigned; it is digested with the next signed message. At most 99 in a row; the last message must be signed. */
  pass(msg: Uint8Array): Uint8Array {
    if (this.signedCount === 0) throw new Error('the first message of a TSIG stream must be signed (RFC 8945 §5.3.1)');
    if (this.passed.length >= MAX_UNSIGNED_IN_ROW) throw new Error(`more than ${MAX_UNSIGNED_IN_ROW} unsigned messages in a row (RFC 8945 §5.3.1)`);
    this.passed.push(msg);
    return msg;
  }
}

/**
 * The client side of a multi-message TCP response (AXFR; RFC 8945 §5.3.1).
 * Feed every message in order to add(); then finish() says whether the whole
 * stream is authenticated: the first and the last message signed, never more
 * than 99 unsigned in a row, every MAC and time good. After one rejection
 * every later call returns it: the caller closes the connection.
 */
export class TsigStreamVerifier {
  private priorMac: Uint8Array;
  private readonly pending: Uint8Array[] = [];
  private messages = 0;
  private last?: TsigVerified;
  private failed?: TsigRejected;

  constructor(
    private readonly key: TsigKey,
    requestMac: Uint8Array,
    private readonly opts: TsigOptions,
  ) {
    this.priorMac = requestMac;
  }

  add(msg: Uint8Array): TsigVerified | TsigUnsigned | TsigRejected {
    if (this.failed !== undefined) return this.failed;
    const n = ++this.messages;
    const what = `message ${n} of the response`;
    const found = locateTsig(msg);
    if (found.kind === 'none' && n > 1) {
      if (this.pending.length >= MAX_UNSIGNED_IN_ROW) {
        return this.fail(rejected('UNSIGNED', `${what} is the ${MAX_UNSIGNED_IN_ROW + 1}th unsigned in a row (RFC 8945 §5.3.1 allows ${MAX_UNSIGNED_IN_ROW}): the stream may have been tampered with`));
      }
      this.pending.push(msg);
      return { status: 'unsigned', detail: `${what} is unsigned (${this.pending.length} in a row)` };
    }
    const r = responseCheck(found, this.key, what, seconds(this.opts.clock));
    if ('status' in r) return this.fail(r);
    const v = check({ key: this.key, record: r.record, unsigned: r.unsigned, priorMac: this.priorMac, before: this.pending, timersOnly: n > 1, fromServer: true }, this.opts);
    if (v.status === 'rejected') return this.fail({ ...v, detail: `${what}: ${v.detail}` });
    this.pending.length = 0;
    this.priorMac = r.record.mac;
    this.last = v;
    return v;
  }

  /** The verdict on the whole stream, once the last message was added. */
  finish(): TsigVerified | TsigRejected {
    if (this.failed !== undefined) return this.failed;
    if (this.last === undefined) return rejected('UNSIGNED', 'the response stream had no message');
    if (this.pending.length > 0) {
      return rejected('UNSIGNED', `the last ${this.pending.length} message(s) of the response are unsigned; RFC 8945 §5.3.1 requires the last one signed`);
    }
    return { ...this.last, detail: `${this.messages} message(s) verified with key ${this.key.name.toString()} (${this.key.algorithm.name})` };
  }

  private fail(r: TsigRejected): TsigRejected {
    this.failed = r;
    return r;
  }
}
