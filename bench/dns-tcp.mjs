// DNS over TCP for the benchmark and test clients (RFC 7766 §8, RFC 1035
// §4.2.2): a two-octet length before each message. The server's own framing
// is src/server/tcp.ts; this is the client side, written once.

/** `m` with its length prefix, ready to write. */
export function frame(m) {
  const f = Buffer.allocUnsafe(2 + m.length);
  f.writeUInt16BE(m.length, 0);
  f.set(m, 2);
  return f;
}

/**
 * A 'data' handler that hands each whole message, in order, to `onMessage`
 * (a view into the received bytes: copy it to keep it past the call).
 * @param {(m: Buffer) => void} onMessage
 * @returns {(chunk: Buffer) => void}
 */
export function deframer(onMessage) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
      buf = buf.subarray(2 + m.length);
      onMessage(m);
    }
  };
}
