// RR type and class numbers (IANA "Resource Record (RR) TYPEs") and their mnemonics.
// `as const` objects rather than enums, so values stay plain numbers on the wire path.

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  NULL: 10,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  KX: 36,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  CDS: 59,
  CDNSKEY: 60,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

export type RRTypeName = keyof typeof RRType;

export const RRClass = {
  IN: 1,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
} as const;

const typeNames = new Map<number, string>(Object.entries(RRType).map(([k, v]) => [v, k]));
const classNames = new Map<number, string>(Object.entries(RRClass).map(([k, v]) => [v, k]));

/** Mnemonic for a type number; RFC 3597 `TYPEnnn` for unknown ones. */
export function typeToString(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

/** Type number for a mnemonic or `TYPEnnn`; undefined if neither. */
export function typeFromString(text: string): number | undefined {
  const up = text.toUpperCase();
  const known = (RRType as Record<string, number>)[up];
  if (known !== undefined) return known;
  const m = /^TYPE([0-9]{1,5})$/.exec(up);
  if (m) {
    const v = Number(m[1]);
    if (v <= 0xffff) return v;
  }
  return undefined;
}

export function classToString(cls: number): string {
  return classNames.get(cls) ?? `CLASS${cls}`;
}

export function classFromString(text: string): number | undefined {
  const up = text.toUpperCase();
  const known = (RRClass as Record<string, number>)[up];
  if (known !== undefined) return known;
  const m = /^CLASS([0-9]{1,5})$/.exec(up);
  if (m) {
    const v = Number(m[1]);
    if (v <= 0xffff) return v;
  }
  return undefined;
}

/** Types that are DNSSEC material; `--dnssec strip` removes these before building a zone. */
export const DNSSEC_TYPES: ReadonlySet<number> = new Set([
  RRType.RRSIG,
  RRType.NSEC,
  RRType.NSEC3,
  RRType.NSEC3PARAM,
  RRType.DNSKEY,
  RRType.DS,
  RRType.ZONEMD,
  RRType.CDS,
  RRType.CDNSKEY,
]);

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** RFC 2136 (UPDATE); seen only in answers relayed or refused by others. */
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  /** Extended rcode 16 (RFC 6891): needs the OPT record's upper bits. */
  BADVERS: 16,
} as const;

const rcodeNames = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]));

/** Mnemonic of an rcode (RCODEnnn if it has none here). */
export function rcodeToString(rcode: number): string {
  return rcodeNames.get(rcode) ?? `RCODE${rcode}`;
}

export const Opcode = {
  QUERY: 0,
  IQUERY: 1,
  STATUS: 2,
  NOTIFY: 4,
  UPDATE: 5,
} as const;
