// Start the authoritative listeners: UDP and TCP on each address, all
// answering from one ZoneStore. Bind failures are explained in operator terms.

import dgram from 'node:dgram';
import net from 'node:net';
import { systemClock, type Clock } from '../clock.js';
import type { TsigKeyring } from '../dns/tsig-keys.js';
import { nullLogger, rateLimited, type Logger } from '../log.js';
import { IxfrJournal } from './ixfr-journal.js';
import { Acl, LOOPBACK } from './acl.js';
import { ServerCounters } from './counters.js';
import { Responder, type Fallback } from './respond.js';
import { handleTcp, TcpConnections } from './tcp.js';
import { startUdp } from './udp.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import type { ZoneStore } from '../zone/store.js';
import { explainBindError } from './bind-error.js';
import type { NotifyPolicy } from './notify-in.js';

export interface ListenAddress {
  readonly address: string;
  readonly port: number;
}

export interface ServerOptions {
  /** `ADDR:PORT` or `[v6]:PORT`; port 0 picks a free port (same for UDP and TCP). */
  readonly listen: readonly string[];
  readonly store: ZoneStore;
  readonly allowQuery?: readonly string[];
  readonly allowTransfer?: readonly string[];
  readonly tcpIdleTimeoutMs?: number;
  readonly maxTcpConnections?: number;
  readonly maxPendingPerConnection?: number;
  readonly counters?: ServerCounters;
  readonly log?: Logger;
  readonly fallback?: Fallback;
  /** Limit UDP responses per client network (RRL); the caller decides whether it applies (off on loopback-only listeners). */
  readonly rateLimit?: RateLimitOptions;
  /** NOTIFY in (--notify-from): who may send it, the TSIG keys, what to call. */
  readonly notify?: NotifyPolicy;
  /** Previous versions IXFR answers from (0: every IXFR gets the whole zone). */
  readonly ixfrVersions?: number;
  /** --tsig-key: AXFR and IXFR must be signed with one of these keys. */
  readonly tsigKeys?: TsigKeyring;
  readonly clock?: Clock;
  /**
   * --workers > 1: this process's UDP socket and TCP listener are its own,
   * bound with SO_REUSEPORT beside the other workers' on the same address and
   * port (exclusive: not handed to the node:cluster primary). The kernel
   * hashes each datagram's 4-tuple to one socket, so one query wakes one
   * process. The port must be a fixed one: port 0 would give each its own.
   */
  readonly reusePort?: boolean;
  /**
   * With reusePort, the first worker of the group: first check that no other
   * process holds each fixed port. SO_REUSEPORT lets any socket of the same
   * user with the option join the port, so another rootmirror with --workers
   * on the same address would otherwise share the queries silently instead of
   * failing with EADDRINUSE.
   */
  readonly claimPort?: boolean;
}

export interface RunningServer {
  readonly addresses: readonly ListenAddress[];
  readonly counters: ServerCounters;
  readonly journal: IxfrJournal;
  /** Stop accepting, answer what is pending on TCP, close. */
  close(): Promise<void>;
}

export function parseListen(text: string): ListenAddress {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!m) throw new RangeError(`--listen "${text}": expected ADDR:PORT, e.g. 127.53.53.53:53 or [::1]:53`);
  const port = Number(m[2]);
  if (!net.isIP(m[1]!) || port > 65535) throw new RangeError(`--listen "${text}": not an IP address and port`);
  return { address: m[1]!, port };
}

/** Start `begin` and settle when it calls back, or reject on the first 'error' before that. */
function bound<T>(target: net.Server | dgram.Socket, begin: (done: () => void) => void, result: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    target.once('error', onError);
    begin(() => {
      target.off('error', onError);
      resolve(result());
    });
  });
}

function bindTcp(server: net.Server, at: ListenAddress, reusePort: boolean): Promise<number> {
  return bound(
    server,
    (done) => server.listen({ host: at.address, port: at.port, ...(reusePort ? { reusePort: true, exclusive: true } : { exclusive: false }) }, done),
    () => (server.address() as net.AddressInfo).port,
  );
}

/**
 * dgram resolves the destination of every send() with dns.lookup(), which for
 * an address literal still defers the send to the next tick. Answers only ever
 * go to the address a query came from (an address literal), so this lookup
 * hands it back at once: the send happens inside send(), with no tick, no
 * validation and no closure queued per answer.
 */
function literalLookup(address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

/**
 * UDP receive buffer we ask for. The kernel default (208 KiB on Linux) holds
 * ~200 small datagrams: a burst, or the process descheduled for ~10 ms at 20k
 * qps, drops queries. Linux caps the request at net.core.rmem_max silently.
 */
const UDP_RECV_BUFFER = 4 << 20;

function bindUdp(socket: dgram.Socket, at: ListenAddress, reusePort: boolean): Promise<void> {
  return bound(
    socket,
    // exclusive with reusePort: bound by this process itself, not through the cluster primary.
    (done) => socket.bind({ address: at.address, port: at.port, exclusive: reusePort }, done),
    () => {
      try {
        socket.setRecvBufferSize(UDP_RECV_BUFFER);
      } catch {
        // Refused (macOS above kern.ipc.maxsockbuf): the default still works.
      }
    },
  );
}

/** Bind and close a plain (no SO_REUSEPORT) UDP socket and TCP listener on `at`: EADDRINUSE if another process holds it. */
async function checkPortFree(at: ListenAddress): Promise<void> {
  const tcp = net.createServer();
  const udp = dgram.createSocket({ type: at.address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
  try {
    await bindTcp(tcp, at, false);
    await bound(udp, (done) => udp.bind({ address: at.address, port: at.port, exclusive: true }, done), () => undefined);
  } catch (e) {
    throw explainBindError(e as NodeJS.ErrnoException, at);
  } finally {
    await new Promise<void>((r) => (tcp.listening ? tcp.close(() => r()) : r()));
    try {
      udp.close();
    } catch {
      // never bound
    }
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const counters = opts.counters ?? new ServerCounters();
  const log = opts.log ?? nullLogger;
  const clock = opts.clock ?? systemClock;
  const responder = new Responder({
    store: opts.store,
    counters,
    allowQuery: new Acl(opts.allowQuery ?? LOOPBACK),
    log,
    clock,
    ...(opts.tsigKeys ? { tsigKeys: opts.tsigKeys } : {}),
    ...(opts.fallback ? { fallback: opts.fallback } : {}),
    ...(opts.notify ? { notify: opts.notify } : {}),
  });
  // One table for every UDP socket: a client network's budget does not multiply with the listen addresses.
  const limiter = opts.rateLimit !== undefined ? new RateLimiter(opts.rateLimit) : undefined;
  const journal = new IxfrJournal(opts.ixfrVersions ?? 3);
  const unfollow = journal.follow(opts.store);
  const conns = new TcpConnections(counters);
  const tcpOpts = {
    idleTimeoutMs: opts.tcpIdleTimeoutMs ?? 10_000,
    maxConnections: opts.maxTcpConnections ?? 256,
    maxPendingPerConnection: opts.maxPendingPerConnection ?? 32,
    allowTransfer: new Acl(opts.allowTransfer ?? LOOPBACK),
    store: opts.store,
    errorLog: rateLimited(log, { intervalMs: 60_000 }),
    journal,
    tsigKeys: opts.tsigKeys,
    clock,
  };
  const reusePort = opts.reusePort ?? false;
  const tcpServers: net.Server[] = [];
  const udpSockets: dgram.Socket[] = [];
  const addresses: ListenAddress[] = [];
  const closeAll = async (): Promise<void> => {
    unfollow();
    for (const s of udpSockets) s.close();
    await Promise.all(tcpServers.map((s) => new Promise<void>((r) => s.close(() => r()))).concat(conns.drain()));
  };
  try {
    for (const text of opts.listen) {
      const at = parseListen(text);
      if (reusePort && opts.claimPort === true && at.port !== 0) await checkPortFree(at);
      // TCP first: with port 0 it picks the port, and UDP takes the same one.
      for (let attempt = 0; ; attempt++) {
        // allowHalfOpen: a client may send its queries and shut its write side; it still gets every answer.
        const tcp = net.createServer({ pauseOnConnect: false, allowHalfOpen: true });
        const udp = dgram.createSocket({ type: at.address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false, reusePort, lookup: literalLookup });
        let port: number;
        try {
          port = await bindTcp(tcp, at, reusePort);
        } catch (e) {
          throw explainBindError(e as NodeJS.ErrnoException, at);
        }
        try {
          await bindUdp(udp, { address: at.address, port }, reusePort);
        } catch (e) {
          tcp.close();
          udp.close();
          if (at.port === 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
          throw explainBindError(e as NodeJS.ErrnoException, { address: at.address, port });
        }
        handleTcp(tcp, responder, counters, conns, tcpOpts);
        startUdp(udp, responder, counters, limiter);
        tcpServers.push(tcp);
        udpSockets.push(udp);
        addresses.push({ address: at.address, port });
        break;
      }
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return { addresses, counters, journal, close: closeAll };
}
