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
// The mix itself (50% referrals, 10% DS, 5% apex, 35% NXDOMAIN; same seed +
// same zone => same file) is in querymix-lib.mjs, shared with the NSD
// differential test.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { queryMix, tldsOf } from './querymix-lib.mjs';

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

let text = readFileSync(zoneFile);
if (zoneFile.endsWith('.gz')) text = gunzipSync(text);
const tldList = tldsOf(text.toString('utf8'));
if (tldList.length === 0) usage(`no TLD delegations found in ${zoneFile}`);
const { questions, quota } = queryMix(tldList, n, seed);

const out = questions.join('\n') + '\n';
if (outFile) writeFileSync(outFile, out);
else process.stdout.write(out);
console.error(
  `querymix: ${n} queries from ${tldList.length} TLDs (seed ${seed}): ` +
    `${quota.referral} referral, ${quota.ds} DS, ${quota.apex} apex, ${quota.nxdomain} NXDOMAIN`,
);
