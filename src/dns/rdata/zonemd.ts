// ZONEMD RDATA (RFC 8976 §2.2).

import { readUint32 } from '../../bytes.js';
import { RdataError } from './rdata-error.js';

export interface Zonemd {
  readonly serial: number;
  readonly scheme: number;
  readonly hashAlgorithm: number;
  readonly digest: Uint8Array;
}

export function decodeZonemd(rdata: Uint8Array): Zonemd {
  if (rdata.length < 6) throw new RdataError('ZONEMD RDATA too short');
  return { serial: readUint32(rdata, 0), scheme: rdata[4]!, hashAlgorithm: rdata[5]!, digest: rdata.subarray(6) };
}
