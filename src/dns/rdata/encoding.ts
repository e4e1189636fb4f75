// Text encodings used in RDATA presentation: hex, base64, base32hex (RFC 4648).

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64: alphabet, padding and length checked (Buffer alone is lenient). */
export function base64ToBytes(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !B64.test(s)) return undefined;
  return Uint8Array.from(Buffer.from(s, 'base64'));
}

export function bytesToBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

const B32HEX = '0123456789abcdefghijklmnopqrstuv';

/** RFC 4648 §7 base32hex without padding, as NSEC3 uses (RFC 5155 §3.3). */
export function base32hexToBytes(s: string): Uint8Array | undefined {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s.toLowerCase()) {
    const v = B32HEX.indexOf(ch);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) return undefined;
  return Uint8Array.from(out);
}

export function bytesToBase32hex(b: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32HEX[(value << (5 - bits)) & 31];
  return out;
}
