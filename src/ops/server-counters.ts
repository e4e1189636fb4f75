// The server's counters (src/server/counters.ts) as ops reads them.

import { rcodeToString, typeToString } from '../dns/types.js';
import type { ServerCounters } from '../server/counters.js';
import type { ServerCounters as OpsCounters } from './status.js';

export function opsCounters(c: ServerCounters): () => OpsCounters {
  return () => ({
    queries: [...c.queryCounts()].map((q) => ({ transport: q.transport, qtype: typeToString(q.qtype), rcode: rcodeToString(q.rcode), count: q.count })),
    truncated: c.truncated,
    malformed: c.malformed,
    dropped: c.dropped,
    // Accepted connections, as the metric says (it was once fed the open count).
    tcpConnections: c.tcpOpened,
    fallbackForwarded: c.fallbackForwarded,
    doOnStripped: c.doOnStripped,
    servfailOnException: c.servfailOnException,
    tcpClosed: c.tcpClosed,
    tcpEvicted: c.tcpEvicted,
    tcpIdleTimeouts: c.tcpIdleTimeouts,
    axfrServed: c.axfrServed,
    axfrRefused: c.axfrRefused,
    fallbackFailed: c.fallbackFailed,
  });
}
