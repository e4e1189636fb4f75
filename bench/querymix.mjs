#!/usr/bin/env node
// Generate a dnsperf query file with a resolver-like mix of queries to a root
// zone, from the zone itself.
//
//   node bench/querymix.mjs ZONEFILE [-n 100000] [--seed 1] [-o queries.txt]
//
// ZONEFILE: one-RR-per-line master file (the InterNIC root.zone format or any
// ldns-read-zone output); a name ending in .gz is gunzipped.
// Output (stdout unless -o): one "name type" line per query, as dnsperf -d wants.
//
// Mix (exact quotas, then shuffled; same seed + same zone => same file):
//   50%  <1-3 random labels>.<real TLD>  A/AAAA/NS/MX   -> referrals
//   10%  <real TLD> DS                                  -> DS answer (or NODATA for unsigned TLDs)
//    5%  . SOA | . NS | . DNSKEY                        -> apex answers
//   35%  <random label not a TLD> A/AAAA                -> NXDOMAIN
// Rounding remainders go to the referral share.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

function usage(msg) {
  if (msg) console.error(`querymix: ${msg}`);
  console.error('usage: querymix.mjs ZONEFILE [-n N] [--seed S] [-o OUTFILE]');
  process.exit(2);
}

let zoneFile;
let n = 100000;
let seed = 1;
let outFile;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-n') n = Number(args[++i]);
  else if (a === '--seed' || a === '-s') seed = Number(args[++i]);
  else if (a === '-o') outFile = args[++i];
  else if (a === '-h' || a === '--help') usage();
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (!zoneFile) zoneFile = a;
  else usage(`unexpected argument ${a}`);
}
if (!zoneFile) usage('no zone file');
if (!Number.isInteger(n) || n <= 0) usage('-n must be a positive integer');
if (!Number.isFinite(seed)) usage('--seed must be a number');

// --- deterministic PRNG (mulberry32) -----------------------------------------
let state = seed >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (arr) => arr[Math.floor(rand() * arr.length)];

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LDH = 'abcdefghijklmnopqrstuvwxyz0123456789';
function label(min, max, alphabet = LDH) {
  let s = LETTERS[Math.floor(rand() * 26)];
  const len = randInt(min, max);
  while (s.length < len) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

// --- read the zone's TLDs ---------------------------------------------------------
let text = readFileSync(zoneFile);
if (zoneFile.endsWith('.gz')) text = gunzipSync(text);
const tlds = new Set();
for (const line of text.toString('utf8').split('\n')) {
  if (!line || line[0] === ';' || line[0] === '$' || line[0] === ' ' || line[0] === '\t') continue;
  const f = line.split(/\s+/);
  const owner = f[0].toLowerCase();
  // owner [ttl] [class] type rdata, ttl and class in either order
  let i = 1;
  while (i < f.length && (/^\d+$/.test(f[i]) || /^(IN|CH|HS|CS)$/i.test(f[i]))) i++;
  const t = (f[i] ?? '').toUpperCase();
  if (t !== 'NS' || owner === '.') continue;
  const labels = owner.replace(/\.$/, '').split('.');
  if (labels.length === 1) tlds.add(owner.endsWith('.') ? owner : owner + '.');
}
const tldList = [...tlds].sort();
if (tldList.length === 0) usage(`no TLD delegations found in ${zoneFile}`);

// --- build -----------------------------------------------------------------------
const quota = {
  nxdomain: Math.floor(n * 0.35),
  ds: Math.floor(n * 0.1),
  apex: Math.floor(n * 0.05),
};
quota.referral = n - quota.nxdomain - quota.ds - quota.apex;

const kinds = [];
for (const [k, q] of Object.entries(quota)) for (let i = 0; i < q; i++) kinds.push(k);
for (let i = kinds.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
}

const REFERRAL_TYPES = ['A', 'A', 'A', 'AAAA', 'AAAA', 'NS', 'MX']; // A-heavy, like real traffic
const APEX = ['. SOA', '. NS', '. DNSKEY'];
const lines = new Array(n);
for (let i = 0; i < n; i++) {
  switch (kinds[i]) {
    case 'referral': {
      const depth = randInt(1, 3);
      const parts = [];
      for (let d = 0; d < depth; d++) parts.push(d === 0 && depth > 1 ? pick(['www', 'mail', 'api', 'cdn', label(3, 10)]) : label(3, 14));
      lines[i] = `${parts.join('.')}.${pick(tldList)} ${pick(REFERRAL_TYPES)}`;
      break;
    }
    case 'ds':
      lines[i] = `${pick(tldList)} DS`;
      break;
    case 'apex':
      lines[i] = pick(APEX);
      break;
    case 'nxdomain': {
      let tld;
      do tld = label(7, 15, LETTERS) + '.';
      while (tlds.has(tld));
      lines[i] = `${tld} ${pick(['A', 'A', 'AAAA'])}`;
      break;
    }
  }
}

const out = lines.join('\n') + '\n';
if (outFile) writeFileSync(outFile, out);
else process.stdout.write(out);
console.error(
  `querymix: ${n} queries from ${tldList.length} TLDs (seed ${seed}): ` +
    `${quota.referral} referral, ${quota.ds} DS, ${quota.apex} apex, ${quota.nxdomain} NXDOMAIN`,
);
