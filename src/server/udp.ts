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
    const send = (out: Uint8Array | null): void => {
      if (out === null) return;
      // No completion callback: it costs a request object per answer; send
      // errors surface on the socket's 'error' event, counted below.
      socket.send(out, rinfo.port, rinfo.address);
    };
    if (r instanceof Promise) r.then(send, () => counters.dropped++);
    else send(r);
  });
  // Errors on a bound UDP socket (ICMP-induced on some platforms) must not kill the process.
  socket.on('error', () => counters.dropped++);
}
