// Queries for the swap-under-load check, with the answers each of the two
// zones gives. Those that differ between the zones (SOA, ZONEMD, NXDOMAIN and
// NODATA carry the serial; with DO, the SOA RRSIG too) tell which zone
// answered; an answer equal to neither would be a mix of the two.
import { query } from './fuzz-packets.mjs';

/**
 * @param {string[]} tlds
 * @param {(q: Buffer) => Buffer} answerA  a clean server's UDP answer from zone A
 * @param {(q: Buffer) => Buffer} answerB  the same from zone B
 */
export function swapQueries(tlds, answerA, answerB, n = 400) {
  const DO = { payload: 1232, flags: 0x8000 };
  const E = { payload: 1232 };
  const qs = [];
  for (let i = 0; qs.length < n; i++) {
    const tld = tlds[(i * 7919) % tlds.length];
    switch (i % 10) {
      case 0: qs.push(query({ name: '.', qtype: 6, opt: DO })); break; // SOA + RRSIG
      case 1: qs.push(query({ name: '.', qtype: 6 })); break;
      case 2: qs.push(query({ name: '.', qtype: 63, opt: DO })); break; // ZONEMD
      case 3: qs.push(query({ name: `nx${i}-no-such-tld.`, qtype: 1, opt: DO })); break; // NXDOMAIN: SOA+RRSIG+NSECs
      case 4: qs.push(query({ name: `nx${i}-no-such-tld.`, qtype: 28 })); break;
      case 5: qs.push(query({ name: '.', qtype: 1, opt: DO })); break; // NODATA at the apex
      case 6: qs.push(query({ name: '.', qtype: 48, opt: DO })); break; // DNSKEY (same in both)
      case 7: qs.push(query({ name: tld, qtype: 43, opt: E })); break; // DS
      default: qs.push(query({ name: `www.${tld}`, qtype: 1, opt: i % 3 ? E : undefined })); // referral
    }
  }
  const allowed = qs.map((q) => {
    const a = answerA(q);
    const b = answerB(q);
    return Buffer.compare(a, b) === 0 ? [a] : [a, b];
  });
  return { queries: qs, allowed, distinguishing: allowed.filter((x) => x.length > 1).length };
}
