// Many UDP questions to one server, pipelined: up to `window` in flight on one
// socket, answers matched by ID (and the question echoed), lost ones resent.
// Thousands of questions take a second or two on loopback instead of one
// round trip each.

import dgram from 'node:dgram';

export interface PipelineOptions {
  /** Questions in flight at once. */
  readonly window?: number;
  /** Resend a question not answered within this time. */
  readonly timeoutMs?: number;
  /** Give up (reject) after this many sends of one question. */
  readonly tries?: number;
}

/**
 * Send every query (its ID is overwritten) and resolve with the answers in
 * the same order. An answer is accepted only if its ID is the one in flight
 * and its question section equals the query's, byte for byte.
 */
export function udpPipeline(host: string, port: number, queries: readonly Uint8Array[], o: PipelineOptions = {}): Promise<Buffer[]> {
  const window = Math.min(o.window ?? 128, 0x8000);
  const timeoutMs = o.timeoutMs ?? 1000;
  const tries = o.tries ?? 4;
  const answers = new Array<Buffer>(queries.length);
  if (queries.length === 0) return Promise.resolve(answers);
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  /** ID → index of the query in flight with it. IDs cycle, so in-flight IDs are unique while window < 65536. */
  const inFlight = new Map<number, { index: number; msg: Buffer; sent: number; tries: number }>();
  let next = 0;
  let done = 0;

  return new Promise<Buffer[]>((resolve, reject) => {
    const finish = (err?: Error): void => {
      clearInterval(timer);
      sock.close();
      if (err) reject(err);
      else resolve(answers);
    };
    const send = (id: number): void => {
      const f = inFlight.get(id)!;
      f.sent = Date.now();
      f.tries++;
      sock.send(f.msg, port, host);
    };
    const fill = (): void => {
      while (inFlight.size < window && next < queries.length) {
        const index = next++;
        const id = index & 0xffff;
        const msg = Buffer.from(queries[index]!);
        msg.writeUInt16BE(id, 0);
        inFlight.set(id, { index, msg, sent: 0, tries: 0 });
        send(id);
      }
    };
    sock.on('message', (m) => {
      if (m.length < 12) return;
      const id = m.readUInt16BE(0);
      const f = inFlight.get(id);
      if (f === undefined) return; // a late duplicate
      const qlen = questionLength(f.msg);
      if (qlen < 0 || m.length < 12 + qlen || !m.subarray(12, 12 + qlen).equals(f.msg.subarray(12, 12 + qlen))) return;
      inFlight.delete(id);
      answers[f.index] = m;
      done++;
      if (done === queries.length) finish();
      else fill();
    });
    sock.on('error', (e) => finish(e));
    const timer = setInterval(() => {
      const now = Date.now();
      for (const [id, f] of inFlight) {
        if (now - f.sent < timeoutMs) continue;
        if (f.tries >= tries) return finish(new Error(`no answer from ${host}:${port} to query #${f.index} after ${tries} tries`));
        send(id);
      }
    }, Math.max(10, timeoutMs / 4));
    sock.bind(0, host.includes(':') ? '::1' : undefined, fill);
  });
}

/** Octets of the (single) question section after the header, or -1. */
function questionLength(msg: Buffer): number {
  let o = 12;
  while (o < msg.length) {
    const len = msg[o]!;
    if (len === 0) return o + 1 + 4 - 12;
    if (len > 63) return -1;
    o += len + 1;
  }
  return -1;
}
