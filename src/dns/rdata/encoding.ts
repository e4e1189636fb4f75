// Text encodings used in RDATA presentation: hex, base64, base32hex (RFC 4648).

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
}

/** Value of each ASCII hex digit, -1 for every other character below 128. */
export const HEX_VALUE: Int8Array = (() => {
  const v = new Int8Array(128).fill(-1);
  for (let k = 0; k < 10; k++) v[48 + k] = k;
  for (let k = 0; k < 6; k++) v[65 + k] = v[97 + k] = 10 + k;
  return v;
})();

/** 1 for base64 alphabet octets (RFC 4648 §4), 0 otherwise. */
const B64: Uint8Array = (() => {
  const t = new Uint8Array(128);
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let k = 0; k < a.length; k++) t[a.charCodeAt(k)] = 1;
  return t;
})();

/**
 * Strict base64: alphabet, padding and length checked (Buffer alone is lenient).
 * The result may be a view of Node's buffer pool: copy it if you keep it.
 */
export function base64ToBytes(s: string): Uint8Array | undefined {
  const n = s.length;
  if (n % 4 !== 0) return undefined;
  let pad = 0;
  if (n > 0 && s.charCodeAt(n - 1) === 0x3d) pad = n > 1 && s.charCodeAt(n - 2) === 0x3d ? 2 : 1;
  for (let k = 0; k < n - pad; k++) {
    const c = s.charCodeAt(k);
    if (c >= 128 || B64[c] === 0) return undefined;
  }
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
