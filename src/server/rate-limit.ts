// Response rate limiting (RRL) for UDP, in the style of NSD's and BIND's: a
// mirror that serves other machines answers `. SOA` or `. ZONEMD` with DO in
// up to 42 times the octets of the query, which makes it a reflector for
// anyone who can spoof a victim's address. Each client network (a /24 for
// IPv4, a /56 for IPv6, as BIND) gets a token bucket of N responses per second
// (one second's worth of burst); past it, a response is dropped, except that
// every Nth of those ("slip", BIND's default 2) goes out as an empty TC=1
// reply, so a real client behind a spoofed flood retries over TCP (which is
// never limited: a TCP client cannot spoof its address) and still gets in.
//
// Keyed by network only, not by answer kind as BIND also does: for a root
// mirror the responses worth abusing are few and all positive.
//
// The table is a fixed number of slots allocated once (typed arrays), probed
// a few slots from the key's hash: O(1) and allocation-free per response, and
// a flood from spoofed sources can only recycle slots, never grow memory. A
// slot not touched for a second holds a full bucket, so reusing it forgets
// nothing; when every probed slot is busy the least recently used is taken.

import { systemClock, type Clock } from '../clock.js';

/** What to do with one UDP response. */
export const RateVerdict = { send: 0, drop: 1, slip: 2 } as const;
export type RateVerdict = (typeof RateVerdict)[keyof typeof RateVerdict];

export interface RateLimitOptions {
  /** Responses per second per client network; a whole number ≥ 1. */
  readonly responsesPerSecond: number;
  /** Every `slip`th response over the limit is sent as TC=1 instead of dropped; 0 never, 1 always. */
  readonly slip: number;
  /** Client networks: IPv4 addresses grouped by this prefix length (0..32). */
  readonly ipv4Prefix: number;
  /** Client networks: IPv6 addresses grouped by this prefix length (0..128). */
  readonly ipv6Prefix: number;
  /** Limit loopback clients too (127/8, ::1); otherwise they are never limited, as a resolver on this host must not be. */
  readonly loopback: boolean;
  /** Slots in the table (rounded up to a power of two): the most client networks tracked at once. */
  readonly tableSize?: number;
  readonly clock?: Clock;
}

/** Default slots: 65,536 networks in ~2.6 MB, allocated only when rate limiting is on. */
export const RATE_LIMIT_TABLE_SIZE = 65_536;
/** Slots looked at for one key: enough that busy networks rarely push each other out. */
const PROBES = 8;

const EMPTY = 0;
const V4 = 4;
const V6 = 6;

export class RateLimiter {
  private readonly rate: number;
  private readonly slip: number;
  private readonly v4Mask: number;
  private readonly v6Masks = new Uint32Array(4);
  private readonly loopback: boolean;
  private readonly clock: Clock;
  private readonly mask: number;
  // One slot per client network: family (0 = empty), the masked address in four words, the bucket.
  private readonly family: Uint8Array;
  private readonly k0: Uint32Array;
  private readonly k1: Uint32Array;
  private readonly k2: Uint32Array;
  private readonly k3: Uint32Array;
  private readonly tokens: Float64Array;
  private readonly stamp: Float64Array;
  private readonly overLimit: Uint32Array;
  /** Scratch: the client address as eight 16-bit groups, then as four words. */
  private readonly groups = new Uint16Array(8);
  private readonly parts = new Uint16Array(8);
  private readonly key = new Uint32Array(4);
  /** Slots in use (never more than the table size). */
  used = 0;

  constructor(opts: RateLimitOptions) {
    if (!Number.isInteger(opts.responsesPerSecond) || opts.responsesPerSecond < 1) throw new RangeError(`rate limit ${opts.responsesPerSecond}: expected a whole number of responses per second, at least 1`);
    if (!Number.isInteger(opts.slip) || opts.slip < 0) throw new RangeError(`slip ${opts.slip}: expected 0 (never), 1 (always) or more`);
    if (!Number.isInteger(opts.ipv4Prefix) || opts.ipv4Prefix < 0 || opts.ipv4Prefix > 32) throw new RangeError(`IPv4 prefix ${opts.ipv4Prefix}: expected 0 to 32`);
    if (!Number.isInteger(opts.ipv6Prefix) || opts.ipv6Prefix < 0 || opts.ipv6Prefix > 128) throw new RangeError(`IPv6 prefix ${opts.ipv6Prefix}: expected 0 to 128`);
    this.rate = opts.responsesPerSecond;
    this.slip = opts.slip;
    this.v4Mask = prefixMask(opts.ipv4Prefix);
    for (let w = 0; w < 4; w++) this.v6Masks[w] = prefixMask(Math.min(32, Math.max(0, opts.ipv6Prefix - 32 * w)));
    this.loopback = opts.loopback;
    this.clock = opts.clock ?? systemClock;
    let size = 1;
    while (size < Math.max(opts.tableSize ?? RATE_LIMIT_TABLE_SIZE, PROBES)) size *= 2;
    this.mask = size - 1;
    this.family = new Uint8Array(size);
    this.k0 = new Uint32Array(size);
    this.k1 = new Uint32Array(size);
    this.k2 = new Uint32Array(size);
    this.k3 = new Uint32Array(size);
    this.tokens = new Float64Array(size);
    this.stamp = new Float64Array(size);
    this.overLimit = new Uint32Array(size);
  }

  /** The most client networks tracked at once. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Account one UDP response to `address` (as dgram reports it) and say whether to send, drop or slip it. */
  check(address: string): RateVerdict {
    const fam = this.keyOf(address);
    if (fam === EMPTY) return RateVerdict.send; // not an address we can key: never limit what we cannot account
    const now = this.clock.now();
    const i = this.slotFor(fam, now);
    const elapsed = now - this.stamp[i]!;
    let t = this.tokens[i]! + (elapsed > 0 ? (elapsed * this.rate) / 1000 : 0);
    if (t > this.rate) t = this.rate;
    this.stamp[i] = now;
    if (t >= 1) {
      this.tokens[i] = t - 1;
      return RateVerdict.send;
    }
    this.tokens[i] = t;
    if (this.slip === 0) return RateVerdict.drop;
    if (++this.overLimit[i]! < this.slip) return RateVerdict.drop;
    this.overLimit[i] = 0;
    return RateVerdict.slip;
  }

  /** The slot of the network in `key`, claimed (full bucket) if it has none: a free slot, else the least recently used of those probed. */
  private slotFor(fam: number, now: number): number {
    const k = this.key;
    let h = Math.imul(k[0]! ^ fam, 0x9e3779b1) ^ Math.imul(k[1]!, 0x85ebca6b) ^ Math.imul(k[2]!, 0xc2b2ae35) ^ Math.imul(k[3]!, 0x27d4eb2f);
    h ^= h >>> 15;
    let victim = -1;
    let oldest = Infinity;
    for (let p = 0; p < PROBES; p++) {
      const i = (h + p) & this.mask;
      const f = this.family[i]!;
      if (f === fam && this.k0[i] === k[0] && this.k1[i] === k[1] && this.k2[i] === k[2] && this.k3[i] === k[3]) return i;
      const age = f === EMPTY ? -Infinity : this.stamp[i]!;
      if (age < oldest) {
        oldest = age;
        victim = i;
      }
    }
    if (this.family[victim] === EMPTY) this.used++;
    this.family[victim] = fam;
    this.k0[victim] = k[0]!;
    this.k1[victim] = k[1]!;
    this.k2[victim] = k[2]!;
    this.k3[victim] = k[3]!;
    this.tokens[victim] = this.rate;
    this.stamp[victim] = now;
    this.overLimit[victim] = 0;
    return victim;
  }

  /** Put the client network of `address` in `this.key`; its family, or EMPTY when it is exempt or unreadable. */
  private keyOf(address: string): number {
    const k = this.key;
    if (address.indexOf(':') < 0) return this.keyV4(parseV4(address, 0));
    if (!this.parseV6(address)) return EMPTY;
    const g = this.groups;
    // IPv4-mapped (a dual-stack socket): the IPv4 client's network.
    if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return this.keyV4(((g[6]! << 16) | g[7]!) >>> 0);
    if (!this.loopback && g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0 && g[6] === 0 && g[7] === 1) return EMPTY;
    for (let w = 0; w < 4; w++) k[w] = (((g[2 * w]! << 16) | g[2 * w + 1]!) & this.v6Masks[w]!) >>> 0;
    return V6;
  }

  private keyV4(a: number): number {
    if (a < 0) return EMPTY;
    if (!this.loopback && a >>> 24 === 127) return EMPTY;
    const k = this.key;
    k[0] = (a & this.v4Mask) >>> 0;
    k[1] = 0;
    k[2] = 0;
    k[3] = 0;
    return V4;
  }

  /** Parse an IPv6 address as dgram reports it (compressed, maybe a dotted IPv4 tail, maybe %zone) into `groups`. */
  private parseV6(s: string): boolean {
    const parts = this.parts;
    let n = 0;
    let gap = -1;
    let i = 0;
    const end = s.indexOf('%') < 0 ? s.length : s.indexOf('%');
    if (s.charCodeAt(0) === 0x3a && s.charCodeAt(1) === 0x3a) {
      gap = 0;
      i = 2;
    }
    while (i < end) {
      let v = 0;
      let digits = 0;
      const start = i;
      for (; i < end; i++) {
        const c = s.charCodeAt(i);
        const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
        if (d < 0) break;
        v = v * 16 + d;
        digits++;
      }
      if (i < end && s.charCodeAt(i) === 0x2e) {
        // A dotted IPv4 tail: two groups.
        const a = parseV4(s, start, end);
        if (a < 0 || n > 6) return false;
        parts[n++] = a >>> 16;
        parts[n++] = a & 0xffff;
        i = end;
        break;
      }
      if (digits === 0 || digits > 4 || n >= 8) return false;
      parts[n++] = v;
      if (i >= end) break;
      if (s.charCodeAt(i) !== 0x3a) return false;
      i++;
      if (s.charCodeAt(i) === 0x3a) {
        if (gap >= 0) return false;
        gap = n;
        i++;
      }
    }
    const g = this.groups;
    if (gap < 0) {
      if (n !== 8) return false;
      for (let j = 0; j < 8; j++) g[j] = parts[j]!;
      return true;
    }
    if (n > 7) return false;
    const tail = n - gap;
    for (let j = 0; j < 8; j++) g[j] = 0;
    for (let j = 0; j < gap; j++) g[j] = parts[j]!;
    for (let j = 0; j < tail; j++) g[8 - tail + j] = parts[gap + j]!;
    return true;
  }
}

/** The top `bits` of a 32-bit word set. */
function prefixMask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** The dotted-quad IPv4 address in s[from..to) as an unsigned 32-bit number, or -1. */
function parseV4(s: string, from: number, to = s.length): number {
  let a = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return -1;
      a = a * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      octet = octet * 10 + (c - 0x30);
      digits++;
      if (octet > 255) return -1;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return a * 256 + octet;
}

/**
 * What a slipped response becomes: its header and question with TC set and no
 * records (RFC 1035 §4.1.1: TC tells the client to ask again over TCP), and
 * its OPT when it ends with ours (RFC 6891 §7). Only slips allocate.
 */
export function truncatedReply(response: Uint8Array): Uint8Array {
  const len = response.length;
  let pos = 12;
  if (len >= 12 && response[5] === 1 && response[4] === 0) {
    while (pos < len && response[pos] !== 0 && response[pos]! < 0xc0) pos += response[pos]! + 1;
    pos = Math.min(len, pos + ((response[pos] ?? 0) >= 0xc0 ? 2 : 1) + 4);
  }
  // Our OPT (respond.ts writeOpt): root owner, TYPE 41, no options; always the last record.
  const opt = len >= pos + 11 && response[len - 11] === 0 && response[len - 10] === 0 && response[len - 9] === 41 && response[len - 2] === 0 && response[len - 1] === 0;
  const head = Math.min(pos, len);
  const out = new Uint8Array(head + (opt ? 11 : 0));
  out.set(response.subarray(0, head));
  if (out.length >= 12) {
    out[2]! |= 0x02;
    out[6] = out[7] = out[8] = out[9] = out[10] = 0;
    out[11] = opt ? 1 : 0;
    if (head === 12) out[4] = out[5] = 0;
  }
  if (opt) out.set(response.subarray(len - 11), head);
  return out;
}

/** Is this listen address (as --listen gives it: ADDR only) on loopback? */
export function isLoopbackAddress(address: string): boolean {
  const a = parseV4(address, 0);
  if (a >= 0) return a >>> 24 === 127;
  const lower = address.toLowerCase();
  return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || (lower.startsWith('::ffff:') && parseV4(lower, 7) >>> 24 === 127);
}
