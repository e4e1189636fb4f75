// IANA root-anchors.xml (RFC 7958, updated by RFC 9718 which adds the optional
// <PublicKey> and <Flags>). The format is small and fixed, so this is a strict
// reader for exactly that, not a general XML parser: no DTD (hence no external
// or custom entities), no CDATA, no processing instructions besides the XML
// declaration, only the elements and attributes the RFCs define. Anything else
// is a DnssecError naming file and line.

import { Name, NameError } from '../dns/name.js';
import { dnskeyKeyTag } from '../dns/rdata/dnssec-records.js';
import { DnssecError } from './dnssec-error.js';
import { digestLength, dsDigest } from './dnssec-algorithms.js';
import { bytesEqual } from '../bytes.js';

/** One <KeyDigest>, checked but not yet filtered by its validity window. */
export interface XmlKeyDigest {
  readonly id: string | undefined;
  readonly owner: Name;
  readonly keyTag: number;
  readonly algorithm: number;
  readonly digestType: number;
  readonly digest: Uint8Array;
  /** ms since the epoch */
  readonly validFrom: number;
  readonly validUntil: number | undefined;
  /** DNSKEY RDATA built from <Flags> and <PublicKey> when both are given (RFC 9718). */
  readonly dnskey: Uint8Array | undefined;
  readonly line: number;
}

interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  text: string;
  readonly line: number;
}

const MAX_DEPTH = 8;
const NAME_RE = /[A-Za-z_][A-Za-z0-9._:-]*/y;

class Reader {
  private pos = 0;
  private readonly newlines: number[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) this.newlines.push(i);
  }

  lineAt(pos: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  fail(problem: string, pos = this.pos): never {
    const line = this.lineAt(pos);
    throw new DnssecError(`${this.file}:${line}: ${problem} (expected IANA root-anchors.xml, RFC 7958/9718)`, { file: this.file, line });
  }

  document(): XmlElement {
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.src.startsWith('<?xml', this.pos)) {
      const end = this.src.indexOf('?>', this.pos);
      if (end < 0) this.fail('unterminated XML declaration');
      const decl = this.src.slice(this.pos, end);
      const enc = /\sencoding\s*=\s*["']([^"']*)["']/.exec(decl);
      if (enc && !/^utf-?8$/i.test(enc[1]!)) this.fail(`encoding "${enc[1]}" (only UTF-8 is accepted)`);
      this.pos = end + 2;
    }
    this.misc();
    if (this.src[this.pos] !== '<') this.fail(this.pos >= this.src.length ? 'no root element' : 'text before the root element');
    const root = this.element(0);
    this.misc();
    if (this.pos < this.src.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace and comments between top-level items; DOCTYPE and PIs are refused. */
  private misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else if (this.src.startsWith('<!DOCTYPE', this.pos)) this.fail('DOCTYPE is not allowed (no DTDs, no entity declarations)');
      else if (this.src.startsWith('<?', this.pos)) this.fail('processing instruction is not allowed');
      else return;
    }
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /[ \t\r\n]/.test(this.src[this.pos]!)) this.pos++;
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment');
    this.pos = end + 3;
  }

  private name(): string {
    NAME_RE.lastIndex = this.pos;
    const m = NAME_RE.exec(this.src);
    if (!m) this.fail('expected an element or attribute name');
    this.pos += m[0].length;
    return m[0];
  }

  private element(depth: number): XmlElement {
    if (depth > MAX_DEPTH) this.fail('elements nested too deeply');
    const start = this.pos;
    this.pos++; // '<'
    const name = this.name();
    const attrs = new Map<string, string>();
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      const c = this.src[this.pos];
      if (c === '/' || c === '>') break;
      if (c === undefined) this.fail(`unterminated <${name}> tag`, start);
      if (this.pos === before) this.fail(`expected whitespace before an attribute in <${name}>`);
      const an = this.name();
      this.skipSpace();
      if (this.src[this.pos] !== '=') this.fail(`attribute ${an} without a value`);
      this.pos++;
      this.skipSpace();
      const q = this.src[this.pos];
      if (q !== '"' && q !== "'") this.fail(`attribute ${an} value must be quoted`);
      const end = this.src.indexOf(q, this.pos + 1);
      if (end < 0) this.fail(`unterminated value of attribute ${an}`);
      const raw = this.src.slice(this.pos + 1, end);
      if (raw.includes('<')) this.fail(`"<" in the value of attribute ${an}`);
      if (attrs.has(an)) this.fail(`attribute ${an} given twice`);
      attrs.set(an, this.decode(raw, this.pos + 1));
      this.pos = end + 1;
    }
    const el: XmlElement = { name, attrs, children: [], text: '', line: this.lineAt(start) };
    if (this.src.startsWith('/>', this.pos)) {
      this.pos += 2;
      return el;
    }
    this.pos++; // '>'
    for (;;) {
      const lt = this.src.indexOf('<', this.pos);
      if (lt < 0) this.fail(`<${name}> is never closed`, start);
      if (lt > this.pos) el.text += this.decode(this.src.slice(this.pos, lt), this.pos);
      this.pos = lt;
      if (this.src.startsWith('</', lt)) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== name) this.fail(`</${closing}> closes <${name}> (line ${el.line})`);
        this.skipSpace();
        if (this.src[this.pos] !== '>') this.fail(`malformed </${closing}>`);
        this.pos++;
        return el;
      }
      if (this.src.startsWith('<!--', lt)) this.comment();
      else if (this.src.startsWith('<![CDATA[', lt)) this.fail('CDATA is not allowed');
      else if (this.src.startsWith('<!', lt) || this.src.startsWith('<?', lt)) this.fail('markup declaration or processing instruction is not allowed');
      else el.children.push(this.element(depth + 1));
    }
  }

  /** The five predefined entities and character references; nothing else (no DTD, so no other entity exists). */
  private decode(raw: string, at: number): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) this.fail(`"&" not starting an entity reference`, at);
      switch (ref) {
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'amp':
          return '&';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
      }
      const m = /^#(?:([0-9]{1,7})|x([0-9a-fA-F]{1,6}))$/.exec(ref);
      const cp = m ? (m[1] !== undefined ? Number(m[1]) : parseInt(m[2]!, 16)) : -1;
      if (cp <= 0 || cp > 0x10ffff) this.fail(`unknown entity &${ref}; (no DTD, only the predefined entities)`, at);
      return String.fromCodePoint(cp);
    });
  }
}

/** xsd:dateTime as used by RFC 7958 ("2017-02-02T00:00:00+00:00"); no zone means UTC. */
function parseDateTime(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  const frac = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  let off = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 14 || om > 59) return undefined;
    off = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return t + frac - off;
}

/** Parse and check a root-anchors.xml document (text already decoded as UTF-8). */
export function parseRootAnchorsXml(text: string, file: string): XmlKeyDigest[] {
  const r = new Reader(text, file);
  const root = r.document();
  const fail = (el: XmlElement, problem: string): never => {
    throw new DnssecError(`${file}:${el.line}: ${problem} (expected IANA root-anchors.xml, RFC 7958/9718)`, { file, line: el.line });
  };
  const onlyAttrs = (el: XmlElement, allowed: readonly string[]): void => {
    for (const a of el.attrs.keys()) if (!allowed.includes(a)) fail(el, `unexpected attribute ${a} on <${el.name}>`);
  };
  const noText = (el: XmlElement): void => {
    if (el.text.trim() !== '') fail(el, `unexpected text inside <${el.name}>`);
  };
  const leaf = (el: XmlElement): string => {
    if (el.children.length > 0) fail(el, `<${el.name}> must contain text only`);
    onlyAttrs(el, []);
    return el.text.trim();
  };
  const int = (el: XmlElement, max: number): number => {
    const t = leaf(el);
    if (!/^[0-9]{1,5}$/.test(t) || Number(t) > max) fail(el, `<${el.name}> must be an integer 0..${max}, got "${t}"`);
    return Number(t);
  };

  if (root.name !== 'TrustAnchor') fail(root, `root element is <${root.name}>, expected <TrustAnchor>`);
  onlyAttrs(root, ['id', 'source']);
  noText(root);
  const zoneEl = root.children[0];
  if (zoneEl === undefined || zoneEl.name !== 'Zone') fail(root, '<TrustAnchor> must start with <Zone>');
  const zoneText = leaf(zoneEl!);
  let owner: Name;
  try {
    if (!zoneText.endsWith('.')) throw new NameError('not absolute (must end with ".")');
    owner = Name.fromText(zoneText);
  } catch (e) {
    return fail(zoneEl!, `bad <Zone> "${zoneText}": ${(e as Error).message}`);
  }

  const out: XmlKeyDigest[] = [];
  for (const kd of root.children.slice(1)) {
    if (kd.name !== 'KeyDigest') fail(kd, `unexpected <${kd.name}> in <TrustAnchor> (only <Zone> and <KeyDigest>)`);
    onlyAttrs(kd, ['id', 'validFrom', 'validUntil']);
    noText(kd);
    const vf = kd.attrs.get('validFrom');
    if (vf === undefined) fail(kd, '<KeyDigest> without validFrom');
    const validFrom = parseDateTime(vf!);
    if (validFrom === undefined) fail(kd, `validFrom "${vf}" is not an xsd:dateTime`);
    const vu = kd.attrs.get('validUntil');
    const validUntil = vu === undefined ? undefined : parseDateTime(vu);
    if (vu !== undefined && validUntil === undefined) fail(kd, `validUntil "${vu}" is not an xsd:dateTime`);
    if (validUntil !== undefined && validUntil <= validFrom!) fail(kd, `validUntil ${vu} is not after validFrom ${vf}`);

    const fields = new Map<string, XmlElement>();
    for (const c of kd.children) {
      if (!['KeyTag', 'Algorithm', 'DigestType', 'Digest', 'PublicKey', 'Flags'].includes(c.name)) fail(c, `unexpected <${c.name}> in <KeyDigest>`);
      if (fields.has(c.name)) fail(c, `<${c.name}> given twice in one <KeyDigest>`);
      fields.set(c.name, c);
    }
    const need = (n: string): XmlElement => fields.get(n) ?? fail(kd, `<KeyDigest> without <${n}>`);
    const keyTag = int(need('KeyTag'), 0xffff);
    const algorithm = int(need('Algorithm'), 0xff);
    const digestType = int(need('DigestType'), 0xff);
    const digestEl = need('Digest');
    const hex = leaf(digestEl);
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) fail(digestEl, '<Digest> must be hexadecimal with an even number of digits');
    const digest = new Uint8Array(Buffer.from(hex, 'hex'));
    const want = digestLength(digestType);
    if (want !== undefined && digest.length !== want) fail(digestEl, `<Digest> of ${digest.length} octets, digest type ${digestType} has ${want}`);

    let dnskey: Uint8Array | undefined;
    const pkEl = fields.get('PublicKey');
    const flagsEl = fields.get('Flags');
    if ((pkEl === undefined) !== (flagsEl === undefined)) fail(kd, '<PublicKey> and <Flags> must be given together');
    if (pkEl !== undefined && flagsEl !== undefined) {
      const flags = int(flagsEl, 0xffff);
      const b64 = leaf(pkEl).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) fail(pkEl, '<PublicKey> is not base64');
      const pk = Buffer.from(b64, 'base64');
      dnskey = new Uint8Array(4 + pk.length);
      dnskey[0] = flags >>> 8;
      dnskey[1] = flags & 0xff;
      dnskey[2] = 3;
      dnskey[3] = algorithm;
      dnskey.set(pk, 4);
      // The key and its digest must agree, or the file is corrupt.
      const tag = dnskeyKeyTag(dnskey);
      if (tag !== keyTag) fail(pkEl, `<PublicKey>/<Flags> give key tag ${tag}, <KeyTag> says ${keyTag}`);
      const d = dsDigest(owner, dnskey, digestType);
      if (d !== undefined && !bytesEqual(d, digest)) fail(digestEl, `<Digest> does not match <PublicKey> (key tag ${keyTag})`);
    }
    out.push({ id: kd.attrs.get('id'), owner, keyTag, algorithm, digestType, digest, validFrom: validFrom!, validUntil, dnskey, line: kd.line });
  }
  if (out.length === 0) fail(root, '<TrustAnchor> has no <KeyDigest>');
  return out;
}
