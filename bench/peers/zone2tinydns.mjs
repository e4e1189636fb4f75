#!/usr/bin/env node
// Convert a one-RR-per-line master file (the InterNIC root.zone format, or any
// ldns-read-zone output) to a tinydns-data "data" file, on stdout.
//
//   node bench/peers/zone2tinydns.mjs root.zone > data
//
// Handles SOA (Z), NS (&), A (+), and AAAA / DS as generic records (:name:type:rdata);
// every other type (RRSIG, NSEC, DNSKEY, ZONEMD, ...) is skipped - tinydns does
// no DNSSEC. Multi-line "( ... )" records and relative names are not supported.
// For benchmarks only; `rootmirror export --format tinydns` is the real exporter.
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';

const file = process.argv[2];
if (!file) {
  console.error('usage: zone2tinydns.mjs ZONEFILE');
  process.exit(2);
}

const octal = (bytes) => Array.from(bytes, (b) => '\\' + b.toString(8).padStart(3, '0')).join('');
const fqdn = (n) => (n === '.' ? '.' : n.replace(/\.$/, '').toLowerCase());

function aaaaBytes(text) {
  if (!isIPv6(text)) throw new Error(`bad AAAA ${text}`);
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = [];
  for (const g of groups) {
    const v = parseInt(g || '0', 16);
    out.push(v >> 8, v & 0xff);
  }
  return out;
}

function dsBytes(keytag, alg, dtype, hex) {
  const out = [(keytag >> 8) & 0xff, keytag & 0xff, alg, dtype];
  for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

const lines = readFileSync(file, 'utf8').split('\n');
const out = [];
let skipped = 0;
for (const raw of lines) {
  const line = raw.replace(/;.*$/, '').trim();
  if (!line || line.startsWith('$')) continue;
  const f = line.split(/\s+/);
  // owner ttl [class] type rdata...
  const owner = f[0];
  const ttl = f[1];
  let i = 2;
  if (f[i] === 'IN') i++;
  const type = f[i];
  const rd = f.slice(i + 1);
  switch (type) {
    case 'SOA':
      out.push(`Z${fqdn(owner)}:${fqdn(rd[0])}:${fqdn(rd[1])}:${rd[2]}:${rd[3]}:${rd[4]}:${rd[5]}:${rd[6]}:${ttl}`);
      break;
    case 'NS':
      out.push(`&${fqdn(owner)}::${fqdn(rd[0])}:${ttl}`);
      break;
    case 'A':
      out.push(`+${fqdn(owner)}:${rd[0]}:${ttl}`);
      break;
    case 'AAAA':
      out.push(`:${fqdn(owner)}:28:${octal(aaaaBytes(rd[0]))}:${ttl}`);
      break;
    case 'DS':
      out.push(`:${fqdn(owner)}:43:${octal(dsBytes(+rd[0], +rd[1], +rd[2], rd.slice(3).join('')))}:${ttl}`);
      break;
    default:
      skipped++;
  }
}
process.stdout.write(out.join('\n') + '\n');
console.error(`zone2tinydns: ${out.length} records written, ${skipped} skipped`);
