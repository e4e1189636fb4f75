// Seeded generator of hostile DNS query packets, shared by bench/fuzz.mjs and
// test/fuzz-server.test.ts. Same seed + same valid seeds => same packets.
//
// Each packet comes from one mutator, chosen round-robin-ish by weight:
// random bytes, bit flips and truncations of valid queries, header fields
// (opcode, QR, counts up to 65535), compression pointers (to self, loops,
// forward, into the header, past the end, long backward chains), label types
// and lengths (> 63, name > 255), EDNS abuse (several OPT, bad RDLENGTH, bad
// option lengths, version > 0, owner not root, OPT outside ADDITIONAL, TSIG),
// QCLASS/QTYPE variants (AXFR/IXFR over UDP, meta types, random), splices and
// huge datagrams (up to 65507 octets, the IPv4 UDP maximum).

import { mulberry32 } from './querymix-lib.mjs';

/** mulberry32 (querymix-lib.mjs) with helpers: reproducible from a 32-bit seed. */
export function rng(seed) {
  const next = mulberry32(seed);
  const int = (n) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: (a) => a[int(a.length)],
    bytes(n) {
      const b = Buffer.allocUnsafe(n);
      let i = 0;
      for (; i + 4 <= n; i += 4) b.writeUInt32LE((next() * 4294967296) >>> 0, i);
      for (; i < n; i++) b[i] = int(256);
      return b;
    },
  };
}

const u16 = (v) => [(v >>> 8) & 0xff, v & 0xff];

/** Wire form of a presentation name ("www.example." or "."). */
export function wireName(name) {
  const out = [];
  for (const l of name.split('.').filter(Boolean)) out.push(l.length, ...Buffer.from(l, 'latin1'));
  out.push(0);
  return out;
}

/** A plain query: header, one question, optional OPT. */
export function query({ id = 0x1234, flags = 0, name = '.', qtype = 6, qclass = 1, opt } = {}) {
  const hdr = [...u16(id), ...u16(flags), 0, 1, 0, 0, 0, 0, ...u16(opt ? 1 : 0)];
  const q = [...wireName(name), ...u16(qtype), ...u16(qclass)];
  return Buffer.from([...hdr, ...q, ...(opt ? optRecord(opt) : [])]);
}

/** An OPT pseudo-RR (RFC 6891 §6.1.2). `rdlen` overrides the real length. */
export function optRecord({ payload = 1232, ercode = 0, version = 0, flags = 0, options = [], owner = [0], rdlen } = {}) {
  const rdata = options.flatMap(([code, data]) => [...u16(code), ...u16(data.length), ...data]);
  return [...owner, 0, 41, ...u16(payload), ercode & 0xff, version & 0xff, ...u16(flags), ...u16(rdlen ?? rdata.length), ...rdata];
}

const TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 39, 41, 43, 46, 47, 48, 50, 63, 99, 249, 250, 251, 252, 253, 254, 255, 256, 257, 32768, 65280, 65535, 0];
const CLASSES = [1, 1, 1, 3, 4, 254, 255, 0, 2, 65535];

/**
 * @param {number} seed
 * @param {readonly Uint8Array[]} seeds valid queries to mutate (at least one)
 */
export function createFuzzer(seed, seeds) {
  const r = rng(seed);
  const valid = seeds.map((s) => Buffer.from(s));
  let truncSeed = 0;
  let truncLen = 0;

  const pickSeed = () => Buffer.from(r.pick(valid));
  const setCount = (b, at, v) => {
    b[at] = v >>> 8;
    b[at + 1] = v & 0xff;
  };
  const hdr = (qd = 1, an = 0, ns = 0, ar = 0, flags = 0) => [r.int(256), r.int(256), ...u16(flags), ...u16(qd), ...u16(an), ...u16(ns), ...u16(ar)];
  const q = (nameBytes, qtype = 2, qclass = 1) => [...nameBytes, ...u16(qtype), ...u16(qclass)];
  const label = (n, ch = 0x61) => [n, ...new Array(n).fill(ch)];

  const mutators = {
    random() {
      const x = r.next();
      const n = x < 0.15 ? r.int(12) : x < 0.7 ? 12 + r.int(64) : x < 0.97 ? 64 + r.int(512) : x < 0.999 ? 512 + r.int(4096) : 65507;
      return r.bytes(n);
    },
    randomAfterHeader() {
      // A header that passes the first checks, then garbage.
      return Buffer.concat([Buffer.from(hdr(1, 0, 0, r.int(3))), r.bytes(r.int(300))]);
    },
    bitflip() {
      const b = pickSeed();
      for (let i = 1 + r.int(8); i > 0; i--) b[r.int(b.length)] ^= 1 << r.int(8);
      return b;
    },
    byteset() {
      const b = pickSeed();
      for (let i = 1 + r.int(4); i > 0; i--) b[r.int(b.length)] = r.pick([0, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff, r.int(256)]);
      return b;
    },
    truncate() {
      // Every length of every seed, in turn.
      const s = valid[truncSeed % valid.length];
      const out = Buffer.from(s.subarray(0, truncLen));
      if (++truncLen >= s.length) {
        truncLen = 0;
        truncSeed++;
      }
      return out;
    },
    header() {
      const b = pickSeed();
      const which = r.int(6);
      if (which === 0) b[2] = (b[2] & 0x87) | (r.int(16) << 3); // opcode
      else if (which === 1) b[2] |= 0x80; // QR
      else if (which === 2) {
        b[2] = r.int(256);
        b[3] = r.int(256);
      } else setCount(b, 4 + 2 * r.int(4), r.pick([0, 2, 3, 255, 256, 0x7fff, 0xffff, r.int(65536)]));
      return b;
    },
    pointers() {
      const kind = r.int(9);
      switch (kind) {
        case 0: // QNAME is a pointer to itself
          return Buffer.from([...hdr(), ...q([0xc0, 12])]);
        case 1: // label then a pointer back to its own start: a loop
          return Buffer.from([...hdr(), ...q([1, 0x61, 0xc0, 12])]);
        case 2: // forward pointer
          return Buffer.from([...hdr(), ...q([0xc0, 12 + 2 + 4 + r.int(20)]), 1, 0x61, 0]);
        case 3: // pointer into the header
          return Buffer.from([...hdr(), ...q([0xc0, r.int(12)])]);
        case 4: // pointer past the end (14-bit offset)
          return Buffer.from([...hdr(), ...q([0xc0 | r.int(64), r.int(256)])]);
        case 5: {
          // a long chain of backward pointers in ADDITIONAL, each to the one before
          const body = [...hdr(1, 0, 0, 1), ...q([3, 0x63, 0x6f, 0x6d, 0])];
          const start = body.length;
          body.push(1, 0x61);
          for (let i = 0; i < 200; i++) body.push(0xc0 | ((start + 2 * i) >>> 8), (start + 2 * i) & 0xff);
          return Buffer.from([...body, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]);
        }
        case 6: // pointer with the 0x40 / 0x80 label types
          return Buffer.from([...hdr(), ...q([r.pick([0x40, 0x41, 0x80, 0xbf]), r.int(256), 0])]);
        case 7: // OPT owner is a loop
          return Buffer.from([...hdr(1, 0, 0, 1), ...q([0]), ...optRecord({ owner: [0xc0, 12 + 5 + 0] })]);
        default: // truncated pointer at the very end
          return Buffer.from([...hdr(), 1, 0x61, 0xc0]);
      }
    },
    labels() {
      const kind = r.int(5);
      if (kind === 0) return Buffer.from([...hdr(), ...q([...label(64 + r.int(4)), 0])]); // label length 64-67 (0x40: extended label type)
      if (kind === 1) {
        // name longer than 255: five labels of 63
        const n = [];
        for (let i = 0; i < 4 + r.int(2); i++) n.push(...label(63, 0x61 + i));
        return Buffer.from([...hdr(), ...q([...n, 0])]);
      }
      if (kind === 2) {
        // exactly 255 octets: legal; 254 +1 label: not
        const n = [...label(63), ...label(63), ...label(63), ...label(61 + r.int(3)), 0];
        return Buffer.from([...hdr(), ...q(n)]);
      }
      if (kind === 3) return Buffer.from([...hdr(), ...label(40 + r.int(40)).slice(0, 10)]); // label runs past the end
      // binary junk inside labels (dots, backslashes, NULs, high octets)
      const l = [...r.bytes(1 + r.int(20))];
      return Buffer.from([...hdr(), ...q([l.length, ...l, 3, 0x63, 0x6f, 0x6d, 0], r.pick(TYPES))]);
    },
    edns() {
      const name = [3, 0x63, 0x6f, 0x6d, 0];
      const kind = r.int(11);
      const ok = () => optRecord({ payload: r.pick([0, 1, 511, 512, 1232, 4096, 65535]), flags: r.pick([0, 0x8000, 0xffff]) });
      switch (kind) {
        case 0:
          return Buffer.from([...hdr(1, 0, 0, 2), ...q(name), ...ok(), ...ok()]);
        case 1: // RDLENGTH past the end
          return Buffer.from([...hdr(1, 0, 0, 1), ...q(name), ...optRecord({ rdlen: 1 + r.int(65535) })]);
        case 2: // option length past the RDATA
          return Buffer.from([...hdr(1, 0, 0, 1), ...q(name), ...optRecord({ options: [[10, [1, 2, 3, 4, 5, 6, 7, 8]]], rdlen: 4 + r.int(8) })]);
        case 3:
          return Buffer.from([...hdr(1, 0, 0, 1), ...q(name), ...optRecord({ version: 1 + r.int(255), ercode: r.int(256) })]);
        case 4: // owner not the root
          return Buffer.from([...hdr(1, 0, 0, 1), ...q(name), ...optRecord({ owner: name })]);
        case 5: // OPT in ANSWER / AUTHORITY
          return Buffer.from([...hdr(1, r.int(2), 1, 0), ...q(name), ...ok()]);
        case 6: // TSIG-looking record
          return Buffer.from([...hdr(1, 0, 0, 1), ...q(name), 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
        case 7: // many options, some huge
          return Buffer.from([
            ...hdr(1, 0, 0, 1),
            ...q(name),
            ...optRecord({ options: Array.from({ length: 1 + r.int(30) }, () => [r.int(65536), [...r.bytes(r.int(40))]]) }),
          ]);
        case 8: // arcount huge, few records
          return Buffer.from([...hdr(1, 0, 0, 0xffff), ...q(name), ...ok()]);
        case 9: // OPT plus trailing garbage
          return Buffer.from([...hdr(1, 0, 0, 1), ...q(name), ...ok(), ...r.bytes(1 + r.int(8))]);
        default: // cookie + padding options, well formed
          return Buffer.from([...hdr(1, 0, 0, 1), ...q(name), ...optRecord({ flags: 0x8000, options: [[10, [...r.bytes(8)]], [12, new Array(r.int(200)).fill(0)]] })]);
      }
    },
    qtypeClass() {
      const b = pickSeed();
      const qend = questionEnd(b);
      if (qend < 0) return b;
      if (r.int(2) === 0) setCount(b, qend - 4, r.next() < 0.5 ? r.pick(TYPES) : r.int(65536));
      else setCount(b, qend - 2, r.pick(CLASSES));
      return b;
    },
    caseAndShape() {
      // A valid query with 0x20 case, random RD/CD/AD: must be answered normally.
      const b = pickSeed();
      const qend = questionEnd(b);
      for (let i = 12; i < qend - 4; i++) if (b[i] >= 0x61 && b[i] <= 0x7a && r.int(2)) b[i] ^= 0x20;
      b[2] = (b[2] & 0x78) | r.int(2);
      b[3] = r.int(256) & 0x70;
      return b;
    },
    splice() {
      const a = pickSeed();
      const b = pickSeed();
      const kind = r.int(3);
      if (kind === 0) return Buffer.concat([a, b]);
      if (kind === 1) return Buffer.concat([a.subarray(0, r.int(a.length)), b.subarray(r.int(b.length))]);
      return Buffer.concat([a, r.bytes(1 + r.int(64))]);
    },
    huge() {
      const b = pickSeed();
      const kind = r.int(3);
      if (kind === 0) return Buffer.concat([b, Buffer.alloc(65507 - b.length)]);
      if (kind === 1) {
        // 65535 additional records of 11 octets each would be 720 kB: send as many as fit.
        const rec = [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0];
        const head = Buffer.from([...hdr(1, 0, 0, 0xffff), ...q([0])]);
        const n = Math.floor((65507 - head.length) / rec.length);
        return Buffer.concat([head, Buffer.from(new Array(n).fill(rec).flat())]);
      }
      return r.bytes(2048 + r.int(63000));
    },
  };

  /** [name, weight]: mostly cheap small packets; huge ones rare. */
  const weighted = [
    ['random', 14],
    ['randomAfterHeader', 8],
    ['bitflip', 16],
    ['byteset', 8],
    ['truncate', 10],
    ['header', 10],
    ['pointers', 8],
    ['labels', 6],
    ['edns', 10],
    ['qtypeClass', 10],
    ['caseAndShape', 4],
    ['splice', 5],
    ['huge', 0.05],
  ];
  const total = weighted.reduce((s, [, w]) => s + w, 0);

  return {
    names: weighted.map(([n]) => n),
    /** The next packet and the mutator that made it. */
    next() {
      let x = r.next() * total;
      for (const [name, w] of weighted) {
        x -= w;
        if (x < 0) return { kind: name, bytes: mutators[name]() };
      }
      return { kind: 'random', bytes: mutators.random() };
    },
  };
}

/** Offset just past QTYPE/QCLASS of an uncompressed single-question query, or -1. */
export function questionEnd(b) {
  let o = 12;
  while (o < b.length && b[o] !== 0) {
    if (b[o] > 63) return -1;
    o += b[o] + 1;
  }
  return o + 5 <= b.length ? o + 5 : -1;
}

/**
 * Valid queries with a known answer: apex types, DS, referrals, NXDOMAIN, with
 * and without EDNS/DO and small payloads (truncation), in mixed case.
 * @returns {{ label: string, query: Buffer }[]}
 */
export function probeQueries(tlds, seed, n = 200) {
  const r = rng(seed ^ 0x9e3779b9);
  const out = [];
  const add = (name, qtype, opt, flags = 0) => out.push({ label: `${name} ${qtype}${opt ? ` edns${opt.flags ? '+do' : ''}/${opt.payload}` : ''}`, query: query({ name, qtype, opt, flags }) });
  for (const t of [6, 2, 48, 63, 1, 28, 255]) {
    add('.', t);
    add('.', t, { payload: 1232, flags: 0x8000 });
  }
  while (out.length < n) {
    const tld = r.pick(tlds);
    const mixed = [...tld].map((c) => (r.int(2) ? c.toUpperCase() : c)).join('');
    const opt = r.pick([undefined, { payload: 1232 }, { payload: 1232, flags: 0x8000 }, { payload: 512 + r.int(800), flags: 0x8000 }]);
    switch (r.int(5)) {
      case 0:
        add(mixed, 43, opt);
        break;
      case 1:
        add(`www.${mixed}`, r.pick([1, 28, 2, 15]), opt, r.int(2) ? 0x0100 : 0);
        break;
      case 2:
        add(mixed, 2, opt);
        break;
      case 3:
        add(`nx${r.int(1e9).toString(36)}-no-such-tld.`, r.pick([1, 28]), opt);
        break;
      default:
        add(`a.b.${mixed}`, r.pick([1, 6, 48]), opt);
    }
  }
  return out;
}
