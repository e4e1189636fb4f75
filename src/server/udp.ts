// UDP listener: one datagram in, at most one datagram out. The responder
// never throws and its promises never reject; a send that cannot be made is
// counted as dropped, never fatal. Response rate limiting, when on, decides
// here, after the answer and before the send (rate-limit.ts): UDP only, as a
// TCP client cannot spoof its address.

import type dgram from 'node:dgram';
import type { ServerCounters } from './counters.js';
import { RateVerdict, truncatedReply, type RateLimiter } from './rate-limit.js';
import type { Responder } from './respond.js';

export function startUdp(socket: dgram.Socket, responder: Responder, counters: ServerCounters, limiter?: RateLimiter): void {
  socket.on('message', (msg, rinfo) => {
    // Source port 0 cannot be answered (and dgram.send throws on it): a
    // spoofed datagram, e.g. from a raw socket. Not even worth parsing.
    if (rinfo.port === 0) {
      counters.dropped++;
      return;
    }
    const r = responder.answer(msg, 'udp', rinfo.address);
    if (r instanceof Promise) void r.then((out) => send(socket, out, rinfo, counters, limiter));
    else send(socket, r, rinfo, counters, limiter);
  });
  // Errors on a bound UDP socket (ICMP-induced on some platforms) must not kill the process.
  socket.on('error', () => counters.dropped++);
}

function send(socket: dgram.Socket, out: Uint8Array | null, to: dgram.RemoteInfo, counters: ServerCounters, limiter: RateLimiter | undefined): void {
  if (out === null) return;
  if (limiter !== undefined) {
    const v = limiter.check(to.address);
    if (v === RateVerdict.drop) {
      counters.rateLimitDropped++;
      return;
    }
    if (v === RateVerdict.slip) {
      counters.rateLimitSlipped++;
      out = truncatedReply(out);
    }
  }
  try {
    // No completion callback: it costs a request object per answer; send
    // errors surface on the socket's 'error' event, counted above.
    socket.send(out, to.port, to.address);
  } catch {
    // Socket closed under a relayed answer (shutdown), or an address dgram refuses.
    counters.dropped++;
  }
}
