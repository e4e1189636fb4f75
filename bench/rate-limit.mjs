#!/usr/bin/env node
// Per-response cost of response rate limiting (src/server/rate-limit.ts):
// RateLimiter.check() as udp.ts calls it before each UDP send, and whether it
// allocates (garbage collections seen while checking; none means none).
//   npm run build && node bench/rate-limit.mjs [-n CHECKS]
import { PerformanceObserver } from 'node:perf_hooks';
import { RateLimiter } from '../dist/server/rate-limit.js';

const n = Number(process.argv[process.argv.indexOf('-n') + 1] ?? 0) || 2_000_000;
// A resolver-like population: 200 client networks within limits, plus spoofed sources spread over 100,000 /24s.
const clients = Array.from({ length: 200 }, (_, i) => `198.${51 + (i >> 8)}.${i & 0xff}.1`);
const v6 = Array.from({ length: 200 }, (_, i) => `2001:db8:${i.toString(16)}::53`);
const spoofed = Array.from({ length: 100_000 }, (_, i) => `${10 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}.7`);
const mixes = { 'IPv4 clients': clients, 'IPv6 clients': v6, 'spoofed flood (100k /24s)': spoofed };

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });

for (const [name, addrs] of Object.entries(mixes)) {
  const rl = new RateLimiter({ responsesPerSecond: 50, slip: 2, ipv4Prefix: 24, ipv6Prefix: 56, loopback: false });
  for (let i = 0; i < 200_000; i++) rl.check(addrs[i % addrs.length]);
  const runs = [];
  let seen = 0;
  for (let rep = 0; rep < 5; rep++) {
    await new Promise((r) => setImmediate(r)); // let the observer report what came before
    const before = gcs;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) rl.check(addrs[i % addrs.length]);
    runs.push(Number(process.hrtime.bigint() - t0) / n);
    await new Promise((r) => setImmediate(r));
    seen += gcs - before;
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(26)} ${runs[2].toFixed(1)} ns/check median of 5 (${runs[0].toFixed(1)}–${runs[4].toFixed(1)}), ` +
    `${seen} GCs during ${(5 * n).toLocaleString()} checks, table ${rl.used}/${rl.capacity} slots`);
}
