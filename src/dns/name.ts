// Domain names: one normalized type for the whole code base.
//
// A Name keeps the wire form exactly as written (case preserved, RFC 4343) and a
// lower-cased key used for equality and maps. Canonical order (RFC 4034 §6.1) and
// presentation escapes (RFC 1035 §5.1) live here and nowhere else.

import { octets } from './octets.js';
import { OperatorError } from '../errors.js';

export class NameError extends OperatorError {
  override readonly name = 'NameError';
}

const MAX_LABEL = 63;
const MAX_NAME = 255;

/** Lower-case an ASCII octet; DNS case folding is ASCII only (RFC 4343). */
export function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

export class Name {
  /** Uncompressed wire form, case as given. */
  readonly wire: Uint8Array;
  /** Lower-cased presentation form with a trailing dot; the identity of the name. */
  readonly key: string;
  private labelOffsets?: number[];

  private constructor(wire: Uint8Array, key: string) {
    this.wire = wire;
    this.key = key;
  }

  static readonly root: Name = new Name(Uint8Array.of(0), '.');

  /** Build from raw labels (no length octets). */
  static fromLabels(labels: readonly Uint8Array[]): Name {
    let len = 1;
    for (const l of labels) {
      if (l.length === 0) throw new NameError('empty label');
      if (l.length > MAX_LABEL) throw new NameError(`label longer than ${MAX_LABEL} octets`);
      len += l.length + 1;
    }
    if (len > MAX_NAME) throw new NameError(`name longer than ${MAX_NAME} octets`);
    const wire = octets(len);
    let o = 0;
    for (const l of labels) {
      wire[o++] = l.length;
      wire.set(l, o);
      o += l.length;
    }
    wire[o] = 0;
    return Name.fromUncompressedWire(wire);
  }

  /** Wrap an uncompressed wire name that is already known to be valid. */
  static fromUncompressedWire(wire: Uint8Array): Name {
    return new Name(wire, keyOf(wire));
  }

  /**
   * Parse presentation format. Relative names (no trailing dot) are completed
   * with `origin`; `@` is the origin. Escapes: `\.`, `\\`, `\DDD`.
   */
  static fromText(text: string, origin?: Name): Name {
    if (text === '@') {
      if (!origin) throw new NameError('"@" used without an origin');
      return origin;
    }
    if (text === '.') return Name.root;
    if (text.length === 0) throw new NameError('empty name');
    const labels: Uint8Array[] = [];
    let cur: number[] = [];
    let absolute = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c /* \ */) {
        const d = text.slice(i + 1, i + 4);
        if (/^[0-9]{3}$/.test(d)) {
          const v = Number(d);
          if (v > 255) throw new NameError(`escape \\${d} is out of range in "${text}"`);
          cur.push(v);
          i += 3;
        } else if (i + 1 < text.length) {
          cur.push(text.charCodeAt(++i) & 0xff);
        } else {
          throw new NameError(`dangling backslash in "${text}"`);
        }
      } else if (c === 0x2e /* . */) {
        if (cur.length === 0) throw new NameError(`empty label in "${text}"`);
        labels.push(Uint8Array.from(cur));
        cur = [];
        if (i === text.length - 1) absolute = true;
      } else {
        if (c > 0xff) throw new NameError(`non-ASCII character in "${text}"`);
        cur.push(c);
      }
    }
    if (cur.length > 0) labels.push(Uint8Array.from(cur));
    for (const l of labels) {
      if (l.length > MAX_LABEL) throw new NameError(`label longer than ${MAX_LABEL} octets in "${text}"`);
    }
    if (!absolute) {
      if (!origin) throw new NameError(`relative name "${text}" without an origin`);
      return Name.fromLabels([...labels, ...origin.labels()]);
    }
    return Name.fromLabels(labels);
  }

  /**
   * Read a possibly compressed name from a message. Pointers must point
   * strictly backwards, which also rules out loops (RFC 1035 §4.1.4).
   * Returns the name and the offset just past it in the original stream.
   */
  static fromWire(msg: Uint8Array, offset: number): { name: Name; next: number } {
    // Fast path: no compression pointer (every query's QNAME, most RDATA).
    let pos = offset;
    for (;;) {
      if (pos >= msg.length) throw new NameError('name runs past the end of the message');
      const len = msg[pos]!;
      if (len === 0) {
        const end = pos + 1;
        if (end - offset > MAX_NAME) throw new NameError(`name longer than ${MAX_NAME} octets`);
        const wire = msg.slice(offset, end);
        return { name: new Name(wire, keyOf(wire)), next: end };
      }
      if (len > MAX_LABEL) break; // a pointer or a bad label type: the general path decides
      pos += len + 1;
      if (pos - offset >= MAX_NAME) throw new NameError(`name longer than ${MAX_NAME} octets`);
    }
    return Name.fromCompressedWire(msg, offset);
  }

  private static fromCompressedWire(msg: Uint8Array, offset: number): { name: Name; next: number } {
    const out: number[] = [];
    let pos = offset;
    let next = -1;
    let limit = offset; // pointers must go strictly below this
    for (;;) {
      if (pos >= msg.length) throw new NameError('name runs past the end of the message');
      const len = msg[pos]!;
      if (len === 0) {
        out.push(0);
        if (next < 0) next = pos + 1;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (pos + 1 >= msg.length) throw new NameError('truncated compression pointer');
        const ptr = ((len & 0x3f) << 8) | msg[pos + 1]!;
        if (next < 0) next = pos + 2;
        if (ptr >= limit) throw new NameError('compression pointer does not point backwards');
        limit = ptr;
        pos = ptr;
        continue;
      }
      if (kind !== 0) throw new NameError(`unsupported label type 0x${kind.toString(16)}`);
      if (pos + 1 + len > msg.length) throw new NameError('label runs past the end of the message');
      out.push(len);
      for (let i = 1; i <= len; i++) out.push(msg[pos + i]!);
      if (out.length + 1 > MAX_NAME) throw new NameError(`name longer than ${MAX_NAME} octets`);
      pos += len + 1;
    }
    return { name: Name.fromUncompressedWire(Uint8Array.from(out)), next };
  }

  /** Labels, most specific first, as views into the wire form. */
  labels(): Uint8Array[] {
    const offs = this.offsets();
    return offs.map((o) => this.wire.subarray(o + 1, o + 1 + this.wire[o]!));
  }

  get labelCount(): number {
    return this.offsets().length;
  }

  isRoot(): boolean {
    return this.wire.length === 1;
  }

  /** The name with the first `n` labels removed. */
  parent(n = 1): Name {
    const offs = this.offsets();
    if (n > offs.length) throw new NameError(`${this.toString()} has no ancestor ${n} labels up`);
    if (n === offs.length) return Name.root;
    return Name.fromUncompressedWire(this.wire.subarray(offs[n]!));
  }

  equals(other: Name): boolean {
    return this.key === other.key;
  }

  /** True if this name is `other` or below it. */
  isSubdomainOf(other: Name): boolean {
    if (other.isRoot()) return true;
    const k = this.key;
    const o = other.key;
    if (k === o) return true;
    if (k.length <= o.length || !k.endsWith(o)) return false;
    // The suffix must start on a label boundary (not after an escaped dot):
    // compare the wire forms from the label where `other` would begin.
    const offs = this.offsets();
    const skip = offs.length - other.labelCount;
    if (skip <= 0) return false;
    const w = this.wire;
    const ow = other.wire;
    const start = offs[skip]!;
    if (w.length - start !== ow.length) return false;
    for (let i = 0; i < ow.length; i++) if (lower(w[start + i]!) !== lower(ow[i]!)) return false;
    return true;
  }

  /** Wire form with ASCII upper case folded, as RFC 4034 §6.2 wants. */
  canonicalWire(): Uint8Array {
    const w = this.wire;
    let needs = false;
    for (let i = 0; i < w.length; i++) {
      const b = w[i]!;
      if (b >= 0x41 && b <= 0x5a) {
        needs = true;
        break;
      }
    }
    if (!needs) return w;
    const out = new Uint8Array(w.length);
    // Length octets are < 64 so folding them is harmless.
    for (let i = 0; i < w.length; i++) out[i] = lower(w[i]!);
    return out;
  }

  /** Presentation form with a trailing dot and RFC 1035 escapes, case preserved. */
  toString(): string {
    return presentation(this.wire, false);
  }

  /** Same name with this case replaced by the lower-case form. */
  toLowerCase(): Name {
    const c = this.canonicalWire();
    return c === this.wire ? this : Name.fromUncompressedWire(c);
  }

  private offsets(): number[] {
    if (this.labelOffsets) return this.labelOffsets;
    const offs: number[] = [];
    let o = 0;
    while (this.wire[o]! !== 0) {
      offs.push(o);
      o += this.wire[o]! + 1;
    }
    this.labelOffsets = offs;
    return offs;
  }
}

function presentation(wire: Uint8Array, fold: boolean): string {
  if (wire.length === 1) return '.';
  let s = '';
  let o = 0;
  while (wire[o]! !== 0) {
    const len = wire[o]!;
    for (let i = o + 1; i <= o + len; i++) {
      let b = wire[i]!;
      if (fold) b = lower(b);
      if (b === 0x2e || b === 0x5c || b === 0x22 || b === 0x28 || b === 0x29 || b === 0x3b || b === 0x40 || b === 0x24) {
        s += '\\' + String.fromCharCode(b);
      } else if (b <= 0x20 || b >= 0x7f) {
        s += '\\' + b.toString().padStart(3, '0');
      } else {
        s += String.fromCharCode(b);
      }
    }
    s += '.';
    o += len + 1;
  }
  return s;
}

/** Lower-case one-character strings for octets that need no escape; '' for those that do. */
const PLAIN: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  if (b <= 0x20 || b >= 0x7f) return '';
  if ([0x2e, 0x5c, 0x22, 0x28, 0x29, 0x3b, 0x40, 0x24].includes(b)) return '';
  return String.fromCharCode(lower(b));
});

function keyOf(wire: Uint8Array): string {
  if (wire.length === 1) return '.';
  // Fast path: every octet printable and unescaped (nearly all real names).
  let s = '';
  let o = 0;
  while (wire[o]! !== 0) {
    const end = o + wire[o]!;
    for (let i = o + 1; i <= end; i++) {
      const c = PLAIN[wire[i]!]!;
      if (c === '') return presentation(wire, true);
      s += c;
    }
    s += '.';
    o = end + 1;
  }
  return s;
}

/**
 * RFC 4034 §6.1 canonical ordering: compare label by label from the most
 * significant (rightmost), each label as lower-cased octets; a name that
 * runs out of labels first sorts first.
 */
export function compareCanonical(a: Name, b: Name): number {
  if (a.key === b.key) return 0;
  const la = a.labels();
  const lb = b.labels();
  let i = la.length - 1;
  let j = lb.length - 1;
  while (i >= 0 && j >= 0) {
    const c = compareLabel(la[i]!, lb[j]!);
    if (c !== 0) return c;
    i--;
    j--;
  }
  return la.length - lb.length;
}

function compareLabel(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let k = 0; k < n; k++) {
    const d = lower(x[k]!) - lower(y[k]!);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * A string whose code-unit order is compareCanonical's order (RFC 4034 §6.1),
 * for sorting many names: build it once per name, then compare with `<`.
 * Labels from the rightmost, each octet lower-cased and shifted up by one,
 * U+0000 between labels, so a label sorts before any longer label it starts,
 * and a name before the names below it. The root is ''. The zone's NSEC
 * chain is searched with these keys (lookup.ts), and locate-wire.ts builds
 * the same key from a query's wire form.
 */
export function canonicalSortKey(name: Name): string {
  const w = name.wire;
  const starts: number[] = [];
  for (let o = 0; w[o]! !== 0; o += w[o]! + 1) starts.push(o);
  return wireSortKey(w, starts, starts.length);
}

/** canonicalSortKey() of a name in a message: `count` labels starting at msg[starts[i]] (a query's question). */
export function wireSortKey(msg: Uint8Array, starts: ArrayLike<number>, count: number): string {
  if (count === 0) return '';
  let n = count - 1; // separators
  for (let i = 0; i < count; i++) n += msg[starts[i]!]!;
  const units = new Uint16Array(n);
  let u = 0;
  for (let i = count - 1; i >= 0; i--) {
    if (i !== count - 1) units[u++] = 0;
    const s = starts[i]!;
    const end = s + msg[s]!;
    for (let k = s + 1; k <= end; k++) units[u++] = lower(msg[k]!) + 1;
  }
  return String.fromCharCode.apply(null, units as unknown as number[]);
}
