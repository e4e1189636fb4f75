// In-memory server counters, read by the ops endpoint (/metrics) and tests.
// Plain numbers and maps: incrementing must cost next to nothing per query.

/** The DNS transport a query came over (RFC 1035 §4.2). Not a zone source's kind (http, axfr). */
export type Transport = 'udp' | 'tcp';

/** How one NOTIFY out ended, or a retransmission of it (RFC 1996 §3.6). */
export type NotifyOutcome = 'ok' | 'failed' | 'retry';

export interface QueryCount {
  readonly transport: Transport;
  readonly qtype: number;
  readonly rcode: number;
  readonly count: number;
}

export class ServerCounters {
  /** Queries answered, by (transport, qtype, rcode) as one number: see countQuery(). */
  private readonly counts = new Map<number, number>();
  truncated = 0;
  /** Packets that could not be parsed far enough to answer them normally (FORMERR or dropped). */
  malformed = 0;
  /** Packets dropped without an answer (QR set, shorter than a header, ACL). */
  dropped = 0;
  /** Unexpected exceptions turned into SERVFAIL. */
  servfailOnException = 0;
  tcpOpened = 0;
  tcpClosed = 0;
  /** Connections closed to make room (cap reached) or idle too long. */
  tcpEvicted = 0;
  tcpIdleTimeouts = 0;
  axfrServed = 0;
  axfrRefused = 0;
  /** IXFR (RFC 1995) answered with the differences from the client's serial. */
  ixfrIncremental = 0;
  /** IXFR answered with the whole zone (the client's serial is not in the journal). */
  ixfrFull = 0;
  /** IXFR from a client already at our serial: the SOA alone. */
  ixfrCurrent = 0;
  /** IXFR over UDP from a client behind: the SOA alone, so it asks again over TCP (RFC 1995 §2). */
  ixfrUdpSoaOnly = 0;
  /** IXFR refused: --allow-transfer, not our zone, or no zone served. */
  ixfrRefused = 0;
  /** AXFR or IXFR refused for TSIG (--tsig-key): unsigned, unknown key, bad MAC, bad time. */
  transferRefusedTsig = 0;
  /** Queries relayed to the live roots while the zone was unavailable. */
  fallbackForwarded = 0;
  fallbackFailed = 0;
  /** Queries with DO set answered from a stripped zone. */
  doOnStripped = 0;
  /** UDP responses not sent: their client network was over --rate-limit (rate-limit.ts). */
  rateLimitDropped = 0;
  /** UDP responses over the limit sent as an empty TC=1 reply instead ("slip"). */
  rateLimitSlipped = 0;
  /** NOTIFY in (RFC 1996): accepted (answered NOERROR, a refresh check raised). */
  notifyAccepted = 0;
  /** NOTIFY in refused: not in --notify-from, not `. SOA`, malformed. */
  notifyRefused = 0;
  /** NOTIFY in refused on TSIG: missing while --tsig-key is set, unknown key, bad MAC, time outside the fudge. */
  notifyBadTsig = 0;
  /** NOTIFY out, per target (`ADDR:PORT`): answered (ok), given up (failed), retransmissions (retry). */
  readonly notifySent = new Map<string, Record<NotifyOutcome, number>>();

  /** A target's counts, created at 0 (so its series exist from start-up, before the first swap). */
  notifyTarget(target: string): Record<NotifyOutcome, number> {
    let c = this.notifySent.get(target);
    if (c === undefined) this.notifySent.set(target, (c = { ok: 0, failed: 0, retry: 0 }));
    return c;
  }

  countNotifySent(target: string, outcome: NotifyOutcome): void {
    this.notifyTarget(target)[outcome]++;
  }

  countQuery(transport: Transport, qtype: number, rcode: number): void {
    // qtype < 2^16, rcode < 2^12 (extended): one number names the triple, a
    // small integer key (a string key would be hashed on every query).
    const code = (transport === 'udp' ? 0 : 2 ** 28) + qtype * 4096 + rcode;
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
  }

  /** Queries answered, one entry per (transport, qtype, rcode) seen. */
  *queryCounts(): Generator<QueryCount> {
    for (const [code, count] of this.counts) {
      const rest = code % 2 ** 28;
      yield { transport: code >= 2 ** 28 ? 'tcp' : 'udp', qtype: Math.floor(rest / 4096), rcode: rest % 4096, count };
    }
  }

  /** queryCounts() keyed `${transport} ${qtype} ${rcode}`. */
  get queries(): ReadonlyMap<string, number> {
    return new Map([...this.queryCounts()].map((q) => [`${q.transport} ${q.qtype} ${q.rcode}`, q.count]));
  }

  /** Total queries answered (all transports, types, rcodes). */
  get totalQueries(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  get tcpOpen(): number {
    return this.tcpOpened - this.tcpClosed;
  }
}
