// The DNSSEC records of RFC 4034 read from wire RDATA: RRSIG (§3.1), DNSKEY
// (§2.1) and its key tag (Appendix B), DS (§5.1), NSEC (§4.1).

import { readUint16, readUint32 } from '../../bytes.js';
import { Name } from '../name.js';
import { RdataError } from './rdata-error.js';
import { decodeTypeBitmap } from './type-bitmap.js';

export interface Rrsig {
  readonly typeCovered: number;
  readonly algorithm: number;
  readonly labels: number;
  readonly originalTtl: number;
  /** Seconds since the epoch, as the 32-bit wire value (RFC 4034 §3.1.5). */
  readonly expiration: number;
  readonly inception: number;
  readonly keyTag: number;
  readonly signerName: Name;
  readonly signature: Uint8Array;
  /** Length of the RDATA before the signature: the part that is signed (RFC 4034 §3.1.8.1). */
  readonly signedPartLength: number;
}

export function decodeRrsig(rdata: Uint8Array): Rrsig {
  if (rdata.length < 19) throw new RdataError('RRSIG RDATA too short');
  const s = Name.fromWire(rdata, 18);
  return {
    typeCovered: readUint16(rdata, 0),
    algorithm: rdata[2]!,
    labels: rdata[3]!,
    originalTtl: readUint32(rdata, 4),
    expiration: readUint32(rdata, 8),
    inception: readUint32(rdata, 12),
    keyTag: readUint16(rdata, 16),
    signerName: s.name,
    signature: rdata.subarray(s.next),
    signedPartLength: s.next,
  };
}

export interface Dnskey {
  readonly flags: number;
  readonly protocol: number;
  readonly algorithm: number;
  readonly publicKey: Uint8Array;
}

export function decodeDnskey(rdata: Uint8Array): Dnskey {
  if (rdata.length < 4) throw new RdataError('DNSKEY RDATA too short');
  return { flags: readUint16(rdata, 0), protocol: rdata[2]!, algorithm: rdata[3]!, publicKey: rdata.subarray(4) };
}

/** RFC 4034 Appendix B key tag (algorithm 1 excepted, which nobody uses any more). */
export function dnskeyKeyTag(rdata: Uint8Array): number {
  if (rdata[3] === 1) return rdata.length >= 4 ? readUint16(rdata, rdata.length - 3) : 0;
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

export interface Ds {
  readonly keyTag: number;
  readonly algorithm: number;
  readonly digestType: number;
  readonly digest: Uint8Array;
}

export function decodeDs(rdata: Uint8Array): Ds {
  if (rdata.length < 4) throw new RdataError('DS RDATA too short');
  return { keyTag: readUint16(rdata, 0), algorithm: rdata[2]!, digestType: rdata[3]!, digest: rdata.subarray(4) };
}

export interface Nsec {
  readonly next: Name;
  readonly types: number[];
}

export function decodeNsec(rdata: Uint8Array): Nsec {
  const n = Name.fromWire(rdata, 0);
  return { next: n.name, types: decodeTypeBitmap(rdata, n.next) };
}
