// UDP listener: one datagram in, at most one datagram out. The responder
// never throws; a failed send is counted, never fatal.

import dgram from 'node:dgram';
import type { ServerCounters } from './counters.js';
import type { Responder } from './respond.js';

export function startUdp(socket: dgram.Socket, responder: Responder, counters: ServerCounters): void {
  socket.on('message', (msg, rinfo) => {
    let r;
    try {
      r = responder.answer(msg, 'udp', rinfo.address);
    } catch {
      counters.servfailOnException++;
      return;
    }
    // No completion callback: it costs a request object per answer; send
    // errors surface on the socket's 'error' event, counted below.
    if (r instanceof Uint8Array) socket.send(r, rinfo.port, rinfo.address);
    else if (r !== null) {
      // Relayed to the live roots (zone unavailable): the one asynchronous answer.
      r.then(
        (out) => {
          if (out !== null) socket.send(out, rinfo.port, rinfo.address);
        },
        () => counters.dropped++,
      );
    }
  });
  // Errors on a bound UDP socket (ICMP-induced on some platforms) must not kill the process.
  socket.on('error', () => counters.dropped++);
}
