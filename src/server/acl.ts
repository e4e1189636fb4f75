// Address access lists (CIDR) for --allow-query and --allow-transfer.

import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  readonly text: string;
  readonly v6: boolean;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export const LOOPBACK: readonly string[] = ['127.0.0.0/8', '::1/128'];

export function parseCidr(text: string): Cidr {
  const [addr, len] = text.split('/') as [string, string | undefined];
  const v6 = isIPv6(addr);
  if (!v6 && !isIPv4(addr)) throw new RangeError(`"${text}" is not an address or CIDR block (like 127.0.0.0/8 or ::1/128)`);
  const max = v6 ? 128 : 32;
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (len !== undefined && !/^[0-9]+$/.test(len))) {
    throw new RangeError(`"${text}": prefix length must be 0-${max}`);
  }
  return { text, v6, bytes: addressBytes(addr)!, prefix };
}

function addressBytes(addr: string): Uint8Array | undefined {
  if (isIPv4(addr)) return Uint8Array.from(addr.split('.').map(Number));
  if (!isIPv6(addr)) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) return Uint8Array.from([...new Array<number>(10).fill(0), 0xff, 0xff, ...mapped[1]!.split('.').map(Number)]);
  const [h, t] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const groups = t === undefined ? hs : [...hs, ...new Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >>> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export class Acl {
  private readonly blocks: readonly Cidr[];
  private readonly cache = new Map<string, boolean>();

  constructor(cidrs: readonly string[]) {
    this.blocks = cidrs.map(parseCidr);
  }

  allows(address: string): boolean {
    const hit = this.cache.get(address);
    if (hit !== undefined) return hit;
    let bytes = addressBytes(address);
    let ok = false;
    if (bytes !== undefined) {
      // IPv4-mapped IPv6 (dual-stack sockets) is matched as IPv4.
      if (bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
        bytes = bytes.subarray(12);
      }
      ok = this.blocks.some((c) => (c.v6 ? 16 : 4) === bytes!.length && prefixMatch(c.bytes, bytes!, c.prefix));
    }
    if (this.cache.size < 10_000) this.cache.set(address, ok);
    return ok;
  }
}

function prefixMatch(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  let bits = prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}
