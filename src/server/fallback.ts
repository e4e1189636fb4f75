// --on-expired fallback: while no verified, unexpired zone is held, relay each
// query to the live root servers and hand back their answer, so a resolver
// with no fallback of its own (dnscache) keeps working. Over the client's own
// transport (a truncated UDP answer is relayed as is: the client retries over
// TCP and so do we), a fresh ID per relay, at most two servers tried.

import { randomInt } from 'node:crypto';
import { tcpExchange, udpExchange } from '../fetch/dns-exchange.js';
import type { Fallback } from './respond.js';
import type { Transport } from './counters.js';
import type { ListenAddress } from './server.js';
import { bytesEqual } from '../bytes.js';

export interface RootFallbackOptions {
  readonly servers: readonly ListenAddress[];
  readonly timeoutMs?: number;
  /** Servers tried per query. */
  readonly tries?: number;
}

export class RootFallback implements Fallback {
  private readonly timeoutMs: number;
  private readonly tries: number;

  constructor(private readonly opts: RootFallbackOptions) {
    this.timeoutMs = opts.timeoutMs ?? 1500;
    this.tries = opts.tries ?? 2;
  }

  async forward(query: Uint8Array, transport: Transport): Promise<Uint8Array | undefined> {
    const servers = this.opts.servers;
    if (servers.length === 0 || query.length < 12) return undefined;
    const first = randomInt(servers.length);
    for (let i = 0; i < Math.min(this.tries, servers.length); i++) {
      const server = servers[(first + i) % servers.length]!;
      const id = randomInt(0x10000);
      const q = Uint8Array.from(query);
      q[0] = id >>> 8;
      q[1] = id & 0xff;
      const answer = transport === 'udp' ? await this.udp(q, server) : await this.tcp(q, server);
      if (answer !== undefined && answer.length >= 12 && ((answer[0]! << 8) | answer[1]!) === id && answer[2]! & 0x80) {
        // Same question back, or it is not our answer.
        if (bytesEqual(answer.subarray(12, 12 + questionLength(q)), q.subarray(12, 12 + questionLength(q)))) return answer;
      }
    }
    return undefined;
  }

  private udp(q: Uint8Array, server: ListenAddress): Promise<Uint8Array | undefined> {
    return udpExchange(q, server, this.timeoutMs).catch(() => undefined);
  }

  private tcp(q: Uint8Array, server: ListenAddress): Promise<Uint8Array | undefined> {
    return tcpExchange(q, server, this.timeoutMs * 2).catch(() => undefined);
  }
}

function questionLength(msg: Uint8Array): number {
  let o = 12;
  while (o < msg.length && msg[o]! !== 0) {
    if ((msg[o]! & 0xc0) !== 0) return o + 2 + 4 - 12;
    o += msg[o]! + 1;
  }
  return o + 1 + 4 - 12;
}
