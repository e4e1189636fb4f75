// The one description of each known RDATA layout. The text parser and printer
// (field-from-text.ts, field-to-text.ts), the message reader (from-message.ts),
// the field walk behind canonical form and compression (wire-layout.ts) are all
// driven by it.

import { RRType } from '../types.js';

export type FieldKind =
  | 'name' // domain name, uncompressed in our wire RDATA
  | 'u8'
  | 'u16'
  | 'u32'
  | 'ttl' // u32; text may use BIND units (1h30m), as SOA timers often do
  | 'time' // u32 seconds; text YYYYMMDDHHmmSS or a plain number (RFC 4034 §3.2)
  | 'type' // u16 written as a mnemonic (RRSIG type covered)
  | 'ipv4'
  | 'ipv6'
  | 'string' // one <character-string>
  | 'strings' // one or more <character-string>s, to the end
  | 'salt' // length-prefixed octets, text hex or "-" (NSEC3)
  | 'hash' // length-prefixed octets, text base32hex (NSEC3 next hashed owner)
  | 'base64' // rest of the RDATA, text base64 possibly split by spaces
  | 'hex' // rest of the RDATA, text hex possibly split by spaces
  | 'bitmap' // RFC 4034 §4.1.2 type bit maps, text a list of mnemonics
  | 'caa-tag' // length-prefixed tag, text bare (RFC 8659)
  | 'caa-value'; // rest, text a character-string without length octet

export interface Field {
  readonly kind: FieldKind;
  /** For messages: what the field is ("serial", "key tag"). */
  readonly label: string;
}

const f = (kind: FieldKind, label: string): Field => ({ kind, label });

export const FIELDS: ReadonlyMap<number, readonly Field[]> = new Map<number, readonly Field[]>([
  [RRType.A, [f('ipv4', 'IPv4 address')]],
  [RRType.NS, [f('name', 'name server')]],
  [RRType.CNAME, [f('name', 'canonical name')]],
  [RRType.SOA, [
    f('name', 'primary name server'),
    f('name', 'responsible mailbox'),
    f('u32', 'serial'),
    f('ttl', 'refresh'),
    f('ttl', 'retry'),
    f('ttl', 'expire'),
    f('ttl', 'minimum'),
  ]],
  [RRType.PTR, [f('name', 'pointer name')]],
  [RRType.HINFO, [f('string', 'CPU'), f('string', 'OS')]],
  [RRType.MX, [f('u16', 'preference'), f('name', 'exchange')]],
  [RRType.TXT, [f('strings', 'text')]],
  [RRType.RP, [f('name', 'mailbox'), f('name', 'TXT name')]],
  [RRType.AFSDB, [f('u16', 'subtype'), f('name', 'hostname')]],
  [RRType.AAAA, [f('ipv6', 'IPv6 address')]],
  [RRType.SRV, [f('u16', 'priority'), f('u16', 'weight'), f('u16', 'port'), f('name', 'target')]],
  [RRType.NAPTR, [
    f('u16', 'order'),
    f('u16', 'preference'),
    f('string', 'flags'),
    f('string', 'services'),
    f('string', 'regexp'),
    f('name', 'replacement'),
  ]],
  [RRType.KX, [f('u16', 'preference'), f('name', 'exchanger')]],
  [RRType.DNAME, [f('name', 'target')]],
  [RRType.DS, [f('u16', 'key tag'), f('u8', 'algorithm'), f('u8', 'digest type'), f('hex', 'digest')]],
  [RRType.CDS, [f('u16', 'key tag'), f('u8', 'algorithm'), f('u8', 'digest type'), f('hex', 'digest')]],
  [RRType.SSHFP, [f('u8', 'algorithm'), f('u8', 'fingerprint type'), f('hex', 'fingerprint')]],
  [RRType.RRSIG, [
    f('type', 'type covered'),
    f('u8', 'algorithm'),
    f('u8', 'labels'),
    f('u32', 'original TTL'),
    f('time', 'signature expiration'),
    f('time', 'signature inception'),
    f('u16', 'key tag'),
    f('name', "signer's name"),
    f('base64', 'signature'),
  ]],
  [RRType.NSEC, [f('name', 'next domain name'), f('bitmap', 'type bit maps')]],
  [RRType.DNSKEY, [f('u16', 'flags'), f('u8', 'protocol'), f('u8', 'algorithm'), f('base64', 'public key')]],
  [RRType.CDNSKEY, [f('u16', 'flags'), f('u8', 'protocol'), f('u8', 'algorithm'), f('base64', 'public key')]],
  [RRType.NSEC3, [
    f('u8', 'hash algorithm'),
    f('u8', 'flags'),
    f('u16', 'iterations'),
    f('salt', 'salt'),
    f('hash', 'next hashed owner name'),
    f('bitmap', 'type bit maps'),
  ]],
  [RRType.NSEC3PARAM, [f('u8', 'hash algorithm'), f('u8', 'flags'), f('u16', 'iterations'), f('salt', 'salt')]],
  [RRType.TLSA, [f('u8', 'certificate usage'), f('u8', 'selector'), f('u8', 'matching type'), f('hex', 'certificate data')]],
  [RRType.ZONEMD, [f('u32', 'serial'), f('u8', 'scheme'), f('u8', 'hash algorithm'), f('hex', 'digest')]],
  [RRType.CAA, [f('u8', 'flags'), f('caa-tag', 'tag'), f('caa-value', 'value')]],
]);
