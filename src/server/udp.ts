// UDP listener: one datagram in, at most one datagram out. The responder
// never throws and its promises never reject; a send that cannot be made is
// counted as dropped, never fatal.

import type dgram from 'node:dgram';
import type { ServerCounters } from './counters.js';
import type { Responder } from './respond.js';

export function startUdp(socket: dgram.Socket, responder: Responder, counters: ServerCounters): void {
  socket.on('message', (msg, rinfo) => {
    // Source port 0 cannot be answered (and dgram.send throws on it): a
    // spoofed datagram, e.g. from a raw socket. Not even worth parsing.
    if (rinfo.port === 0) {
      counters.dropped++;
      return;
    }
    const r = responder.answer(msg, 'udp', rinfo.address);
    if (r instanceof Promise) void r.then((out) => send(socket, out, rinfo, counters));
    else send(socket, r, rinfo, counters);
  });
  // Errors on a bound UDP socket (ICMP-induced on some platforms) must not kill the process.
  socket.on('error', () => counters.dropped++);
}

function send(socket: dgram.Socket, out: Uint8Array | null, to: dgram.RemoteInfo, counters: ServerCounters): void {
  if (out === null) return;
  try {
    // No completion callback: it costs a request object per answer; send
    // errors surface on the socket's 'error' event, counted above.
    socket.send(out, to.port, to.address);
  } catch {
    // Socket closed under a relayed answer (shutdown), or an address dgram refuses.
    counters.dropped++;
  }
}
