// The resolver-like query mix against a root zone, as a library: used by
// bench/querymix.mjs (dnsperf input) and by the NSD differential test, so the
// mix is written once. No I/O, no src/ imports.
//
// Mix (exact quotas, then shuffled; same seed + same TLDs => same questions):
//   50%  <1-3 random labels>.<real TLD>  A/AAAA/NS/MX   -> referrals
//   10%  <real TLD> DS                                  -> DS answer (or NODATA for unsigned TLDs)
//    5%  . SOA | . NS | . DNSKEY                        -> apex answers
//   35%  <random label not a TLD> A/AAAA                -> NXDOMAIN
// Rounding remainders go to the referral share.

/** Deterministic PRNG (mulberry32): a function returning floats in [0, 1). */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return function rand() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The TLDs delegated by a one-RR-per-line master file (InterNIC layout or
 * ldns-read-zone output), lower-cased with the final dot, sorted.
 */
export function tldsOf(zoneText) {
  const tlds = new Set();
  for (const line of zoneText.split('\n')) {
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
  return [...tlds].sort();
}

export const REFERRAL_TYPES = ['A', 'A', 'A', 'AAAA', 'AAAA', 'NS', 'MX']; // A-heavy, like real traffic
export const APEX = ['. SOA', '. NS', '. DNSKEY'];

/**
 * `n` questions as "name TYPE" strings, and `quota`: how many of each kind
 * ({ referral, ds, apex, nxdomain }).
 */
export function queryMix(tldList, n, seed = 1) {
  if (tldList.length === 0) throw new RangeError('no TLD delegations');
  const tlds = new Set(tldList);
  const rand = mulberry32(seed);
  const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
  const LDH = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const label = (min, max, alphabet = LDH) => {
    let s = LETTERS[Math.floor(rand() * 26)];
    const len = randInt(min, max);
    while (s.length < len) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  };

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
  return { questions: lines, quota };
}
