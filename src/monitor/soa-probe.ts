// Ask one server for `. SOA` and check the answer hard before believing it:
// source address and port, ID, QR, opcode, question echoed, AA, rcode, an SOA
// for `.` in the answer section. UDP first with a short timeout, TCP when the
// answer is truncated (RFC 7766 §5), at most one retry after a pause: a monitor
// asking thirteen roots every few minutes must never turn into a retry storm.
//
// A root server never says `.` does not exist, never refuses, and always
// answers `. SOA` with AA (it is authoritative for the root). A response that
// matches our query (address, port, ID, question) but does any of that came
// from something in between: a captive portal or a middlebox answering port 53
// itself. Such a probe fails as `intercepted`, which the drift monitor tells
// apart from silence (drift.ts).
//
// The query carries EDNS0 with DO (RFC 3225) so a signed server also returns the
// RRSIG over the SOA: its inception time says when that zone was signed, which
// lets `check` estimate how long a newer zone has existed without any history.

import { randomInt } from 'node:crypto';
import { Name } from '../dns/name.js';
import { tcpExchange, udpExchange } from '../fetch/dns-exchange.js';
import { RRClass, RRType, Rcode } from '../dns/types.js';

export interface ProbeTarget {
  /** Who this is, for reports: e.g. `a.root-servers.net.` or `ours`. */
  readonly server: string;
  readonly address: string;
  readonly port: number;
}

export interface ProbeOptions {
  /** Per-attempt timeout. Default 2000 ms. */
  timeoutMs?: number;
  /** Retries after a timeout (0 or 1; larger values are clamped to 1). Default 1. */
  retries?: number;
  /** Pause before the retry. Default 500 ms. */
  retryDelayMs?: number;
  /** Set the DO bit (ask for the RRSIG over the SOA). Default true. */
  dnssecOk?: boolean;
  /** For tests: a fixed message ID. */
  id?: number;
  /** Used to place the RRSIG inception (32-bit, RFC 4034 §3.1.5) in time; default Date.now(). */
  nowMs?: number;
}

export interface SoaAnswer {
  readonly serial: number;
  /** Inception of the RRSIG covering the SOA, ms since the epoch, if one came back. */
  readonly sigInception?: number;
  readonly sigExpiration?: number;
}

export type ProbeResult =
  | (ProbeTarget & SoaAnswer & { readonly ok: true; readonly transport: 'udp' | 'tcp'; readonly rttMs: number })
  | (ProbeTarget & {
      readonly ok: false;
      readonly error: string;
      /** The response came, but not from a root server (NXDOMAIN or REFUSED for `. SOA`, or no AA): see the header. */
      readonly intercepted: boolean;
    });

export class ProbeError extends Error {
  override readonly name: string = 'ProbeError';
}

/** A response to our query that no root server would send. */
export class InterceptedError extends ProbeError {
  override readonly name: string = 'InterceptedError';
}

/** `. IN SOA` query, RD clear (we ask authoritatives), EDNS0 1232 bytes (DNS flag day 2020). */
export function buildSoaQuery(id: number, dnssecOk: boolean): Uint8Array {
  const q = new Uint8Array(12 + 5 + 11);
  const v = new DataView(q.buffer);
  v.setUint16(0, id);
  v.setUint16(2, 0); // QR=0 opcode=0 RD=0
  v.setUint16(4, 1); // QDCOUNT
  v.setUint16(10, 1); // ARCOUNT (OPT)
  q[12] = 0; // root name
  v.setUint16(13, RRType.SOA);
  v.setUint16(15, RRClass.IN);
  // OPT RR (RFC 6891 §6.1.2): root owner, type 41, class = UDP size, TTL = ext-rcode/version/flags.
  q[17] = 0;
  v.setUint16(18, RRType.OPT);
  v.setUint16(20, 1232);
  v.setUint32(22, dnssecOk ? 0x00008000 : 0);
  v.setUint16(26, 0);
  return q;
}

/** 32-bit RRSIG time to ms, the instance nearest `nowMs` (RFC 4034 §3.1.5 uses serial arithmetic). */
function sigTimeToMs(t: number, nowMs: number): number {
  const now32 = Math.floor(nowMs / 1000) >>> 0;
  let delta = (t - now32) | 0; // signed 32-bit difference
  if (delta === -0x80000000) delta = 0x7fffffff; // undefined in RFC 1982: read as the future
  return (Math.floor(nowMs / 1000) + delta) * 1000;
}

/**
 * Check a response to `buildSoaQuery(id)` and pull the SOA serial out.
 * Returns 'truncated' when TC is set (caller retries over TCP). Throws
 * ProbeError with a specific reason for anything else that is wrong.
 */
export function parseSoaResponse(msg: Uint8Array, id: number, nowMs: number = Date.now()): SoaAnswer | 'truncated' {
  if (msg.length < 12) throw new ProbeError(`short response (${msg.length} bytes)`);
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  if (v.getUint16(0) !== id) throw new ProbeError('response ID does not match the query');
  const flags = v.getUint16(2);
  if ((flags & 0x8000) === 0) throw new ProbeError('QR bit clear: not a response');
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) throw new ProbeError(`unexpected opcode ${opcode}`);
  const rcode = flags & 0xf;
  const qd = v.getUint16(4);
  const an = v.getUint16(6);
  if (qd !== 1) throw new ProbeError(`QDCOUNT ${qd}, expected 1`);
  let o = 12;
  const q = Name.fromWire(msg, o);
  o = q.next;
  if (o + 4 > msg.length) throw new ProbeError('question section truncated');
  if (!q.name.isRoot() || v.getUint16(o) !== RRType.SOA || v.getUint16(o + 2) !== RRClass.IN)
    throw new ProbeError('question in the response is not `. IN SOA`');
  o += 4;
  if (flags & 0x0200) return 'truncated';
  const aa = (flags & 0x0400) !== 0;
  if (rcode === Rcode.NXDOMAIN) throw new InterceptedError(`looks intercepted: NXDOMAIN ${aa ? 'with' : 'without'} AA for \`.\``);
  if (rcode === Rcode.REFUSED) throw new InterceptedError('looks intercepted: REFUSED');
  if (rcode !== Rcode.NOERROR) throw new ProbeError(`rcode ${rcode}`);
  if (!aa) throw new InterceptedError(`looks intercepted: NOERROR with the AA bit clear${an > 0 ? '' : ' and no answer'}`);
  let serial: number | undefined;
  let sigInception: number | undefined;
  let sigExpiration: number | undefined;
  for (let i = 0; i < an; i++) {
    const owner = Name.fromWire(msg, o);
    o = owner.next;
    if (o + 10 > msg.length) throw new ProbeError('answer record truncated');
    const type = v.getUint16(o);
    const cls = v.getUint16(o + 2);
    const rdlen = v.getUint16(o + 8);
    const rd = o + 10;
    o = rd + rdlen;
    if (o > msg.length) throw new ProbeError('answer RDATA runs past the end of the message');
    if (!owner.name.isRoot() || cls !== RRClass.IN) continue;
    if (type === RRType.SOA) {
      if (serial !== undefined) throw new ProbeError('more than one SOA in the answer');
      const mname = Name.fromWire(msg, rd);
      const rname = Name.fromWire(msg, mname.next);
      if (rname.next + 20 !== o) throw new ProbeError('SOA RDATA has the wrong length');
      serial = v.getUint32(rname.next);
    } else if (type === RRType.RRSIG && rdlen >= 18 && v.getUint16(rd) === RRType.SOA) {
      sigExpiration = sigTimeToMs(v.getUint32(rd + 8), nowMs);
      sigInception = sigTimeToMs(v.getUint32(rd + 12), nowMs);
    }
  }
  if (serial === undefined) throw new ProbeError('no SOA for `.` in the answer section');
  return { serial, ...(sigInception !== undefined ? { sigInception, sigExpiration } : {}) };
}

async function udpAttempt(t: ProbeTarget, query: Uint8Array, id: number, timeoutMs: number, nowMs: number): Promise<SoaAnswer | 'truncated'> {
  return parseSoaResponse(await asProbeError(udpExchange(query, t, timeoutMs)), id, nowMs);
}

async function tcpAttempt(t: ProbeTarget, query: Uint8Array, id: number, timeoutMs: number, nowMs: number): Promise<SoaAnswer> {
  const r = parseSoaResponse(await asProbeError(tcpExchange(query, t, timeoutMs)), id, nowMs);
  if (r === 'truncated') throw new ProbeError('TC bit set over TCP');
  return r;
}

/** A failed exchange (timeout, socket error) as a ProbeError with the same reason. */
function asProbeError(exchange: Promise<Uint8Array>): Promise<Uint8Array> {
  return exchange.catch((e: unknown) => {
    throw new ProbeError((e as Error).message);
  });
}

/** One SOA probe: UDP, TCP on TC, one spaced retry after a timeout. Never throws. */
export async function probeSoa(t: ProbeTarget, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const retries = Math.min(Math.max(opts.retries ?? 1, 0), 1);
  const retryDelayMs = opts.retryDelayMs ?? 500;
  let lastError = 'no attempt';
  let intercepted = false;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, retryDelayMs));
    const id = opts.id ?? randomInt(0, 0x10000);
    const query = buildSoaQuery(id, opts.dnssecOk ?? true);
    const nowMs = opts.nowMs ?? Date.now();
    const start = performance.now();
    try {
      let r = await udpAttempt(t, query, id, timeoutMs, nowMs);
      let transport: 'udp' | 'tcp' = 'udp';
      if (r === 'truncated') {
        r = await tcpAttempt(t, query, id, timeoutMs, nowMs);
        transport = 'tcp';
      }
      return { ...t, ...r, ok: true, transport, rttMs: Math.round(performance.now() - start) };
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
      intercepted = e instanceof InterceptedError;
      // Only silence is worth a retry; a wrong answer will be wrong again.
      if (!lastError.startsWith('timeout')) break;
    }
  }
  return { ...t, ok: false, error: lastError, intercepted };
}
