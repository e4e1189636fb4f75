// In-memory server counters, read by the ops endpoint (/metrics) and tests.
// Plain numbers and maps: incrementing must cost next to nothing per query.

/** The DNS transport a query came over (RFC 1035 §4.2). Not a zone source's kind (http, axfr). */
export type Transport = 'udp' | 'tcp';

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
