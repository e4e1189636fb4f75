#!/usr/bin/env node
// Minimal UDP "DNS" echo server: replies to every datagram with the same bytes
// and the QR bit (byte 2, 0x80) set. Baseline for benchmarks: the cost of the
// kernel + Node UDP path with no DNS work at all.
//
//   node bench/peers/echo.mjs [ADDR] [PORT]      (default 127.0.0.1 5300)
//
// Prints "listening ADDR PORT" on stderr; exits on SIGTERM/SIGINT.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

const addr = process.argv[2] ?? '127.0.0.1';
const port = Number(process.argv[3] ?? 5300);
const sock = dgram.createSocket({ type: isIPv6(addr) ? 'udp6' : 'udp4', reuseAddr: true });

sock.on('message', (msg, rinfo) => {
  if (msg.length < 12) return; // not even a DNS header
  msg[2] |= 0x80;
  sock.send(msg, rinfo.port, rinfo.address);
});
sock.on('error', (err) => {
  console.error(`echo: ${err.message}`);
  process.exit(1);
});
sock.bind(port, addr, () => console.error(`listening ${addr} ${port}`));

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => sock.close(() => process.exit(0)));
