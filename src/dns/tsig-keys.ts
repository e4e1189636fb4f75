// TSIG keys (RFC 8945 §6): the HMAC algorithms we implement and the BIND-style
// key file that names them, as `tsig-keygen` writes it:
//
//     key "xfr-key" {
//         algorithm hmac-sha256;
//         secret "NHC1SvqwNisA9kmmMLSsmvxeaiqZFWO0FEcxcT2/KfU=";
//     };
//
// Several keys per file; `#`, `//` and `/* */` comments; names quoted or not.
// Anything malformed is a TsigKeyFileError naming file:line, never a key with
// a silently wrong secret. No I/O here: the caller reads the file.

import { Name, NameError } from './name.js';

export class TsigKeyFileError extends Error {
  override readonly name = 'TsigKeyFileError';
}

export type TsigHash = 'sha256' | 'sha384' | 'sha512';

export interface TsigAlgorithm {
  /** Mnemonic as written in key files, lower case: `hmac-sha256`. */
  readonly name: string;
  /** The algorithm name carried in the TSIG RDATA (RFC 8945 §6, RFC 4635 §2). */
  readonly wireName: Name;
  /** node:crypto digest name for createHmac. */
  readonly hash: TsigHash;
  /** Full HMAC output length in octets (RFC 8945 §5.2.2.1 truncation rules use it). */
  readonly macLength: number;
}

const ALGORITHMS: readonly TsigAlgorithm[] = [
  { name: 'hmac-sha256', wireName: Name.fromText('hmac-sha256.'), hash: 'sha256', macLength: 32 },
  { name: 'hmac-sha384', wireName: Name.fromText('hmac-sha384.'), hash: 'sha384', macLength: 48 },
  { name: 'hmac-sha512', wireName: Name.fromText('hmac-sha512.'), hash: 'sha512', macLength: 64 },
];
const byKey = new Map(ALGORITHMS.map((a) => [a.wireName.key, a]));

/** The algorithm for a name in any case, with or without the trailing dot; undefined if we do not implement it. */
export function algorithmByName(name: string | Name): TsigAlgorithm | undefined {
  const key = typeof name === 'string' ? name.toLowerCase().replace(/\.?$/, '.') : name.key;
  return byKey.get(key);
}

export interface TsigKey {
  /** The key name; TSIG compares it case-insensitively in canonical form (RFC 8945 §4.3.3). */
  readonly name: Name;
  readonly algorithm: TsigAlgorithm;
  readonly secret: Uint8Array;
  /** Line of the key file the key starts on (0 when built in code). */
  readonly line: number;
}

/** The keys of one file, looked up by name. */
export class TsigKeyring {
  private readonly byName = new Map<string, TsigKey>();

  constructor(keys: Iterable<TsigKey>) {
    for (const k of keys) this.byName.set(k.name.key, k);
  }

  get(name: Name): TsigKey | undefined {
    return this.byName.get(name.key);
  }

  get size(): number {
    return this.byName.size;
  }

  /** Keys in file order. */
  keys(): TsigKey[] {
    return [...this.byName.values()];
  }
}

interface Token {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
}

function tokenize(text: string, fail: (line: number, msg: string) => never): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail(line, 'comment is not closed: add */');
      for (let k = i; k < end; k++) if (text[k] === '\n') line++;
      i = end + 2;
    } else if (c === '"') {
      const start = line;
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) fail(start, 'quoted string is not closed: add "');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\n') line++;
        if (d === '\\' && i + 1 < text.length) i++;
        s += text[i]!;
        i++;
      }
      i++;
      out.push({ text: s, quoted: true, line: start });
    } else if (c === '{' || c === '}' || c === ';') {
      out.push({ text: c, quoted: false, line });
      i++;
    } else {
      let s = '';
      while (i < text.length && !/[\s{};"#]/.test(text[i]!) && !text.startsWith('//', i) && !text.startsWith('/*', i)) s += text[i++]!;
      out.push({ text: s, quoted: false, line });
    }
  }
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parse a BIND-style key file; `file` only labels the errors. Throws TsigKeyFileError. */
export function parseTsigKeys(text: string, file: string): TsigKeyring {
  const fail = (line: number, msg: string): never => {
    throw new TsigKeyFileError(`${file}:${line}: ${msg}`);
  };
  const tokens = tokenize(text, fail);
  let pos = 0;
  const lastLine = (): number => tokens[tokens.length - 1]?.line ?? 1;
  const peek = (): Token | undefined => tokens[pos];
  const shown = (t: Token | undefined): string => (t === undefined ? 'the end of the file' : `"${t.text}"`);
  const expectPunct = (p: string, after: string): void => {
    const t = tokens[pos];
    if (t === undefined || t.quoted || t.text !== p) fail(t?.line ?? lastLine(), `expected "${p}" after ${after}, found ${shown(t)}`);
    pos++;
  };

  const keys: TsigKey[] = [];
  const seen = new Map<string, number>();
  while (pos < tokens.length) {
    const kw = tokens[pos++]!;
    if (kw.quoted || kw.text.toLowerCase() !== 'key') {
      fail(kw.line, `expected "key", found "${kw.text}": a key file holds only key "NAME" { ... }; statements`);
    }
    const nameTok = tokens[pos++];
    if (nameTok === undefined || (!nameTok.quoted && '{};'.includes(nameTok.text))) fail(nameTok?.line ?? kw.line, `expected a key name after "key", found ${shown(nameTok)}`);
    let name: Name;
    try {
      name = Name.fromText(nameTok!.text, Name.root);
    } catch (e) {
      return fail(nameTok!.line, `key name "${nameTok!.text}" is not a domain name: ${(e as NameError).message}`);
    }
    const label = `key "${name.toString()}"`;
    expectPunct('{', label);
    let algorithm: TsigAlgorithm | undefined;
    let secret: Uint8Array | undefined;
    for (;;) {
      const t = peek();
      if (t === undefined) fail(lastLine(), `${label} is not closed: expected "}", found the end of the file`);
      pos++;
      if (!t!.quoted && t!.text === '}') break;
      const what = t!.text.toLowerCase();
      const value = tokens[pos++];
      if (value === undefined || (!value.quoted && '{};'.includes(value.text))) fail(value?.line ?? t!.line, `expected a value after "${t!.text}", found ${shown(value)}`);
      if (what === 'algorithm') {
        algorithm = algorithmByName(value!.text);
        if (algorithm === undefined) {
          const base = /^(hmac-sha(?:256|384|512))-\d+\.?$/i.exec(value!.text);
          if (base) fail(value!.line, `truncated TSIG algorithm "${value!.text}" is not supported: use ${base[1]!.toLowerCase()} (full-length MACs)`);
          fail(value!.line, `unknown TSIG algorithm "${value!.text}": use ${ALGORITHMS.map((a) => a.name).join(', ').replace(/, ([^,]*)$/, ' or $1')}`);
        }
        expectPunct(';', 'the algorithm');
      } else if (what === 'secret') {
        const b64 = value!.text.replace(/\s+/g, '');
        if (b64 === '') fail(value!.line, `secret of ${label} is empty`);
        if (!BASE64.test(b64)) fail(value!.line, `secret of ${label} is not valid base64`);
        secret = new Uint8Array(Buffer.from(b64, 'base64'));
        expectPunct(';', 'the secret');
      } else {
        fail(t!.line, `unknown statement "${t!.text}" in ${label}: only algorithm and secret are allowed`);
      }
    }
    expectPunct(';', '"}"');
    if (secret === undefined) fail(kw.line, `${label} has no secret: add secret "BASE64";`);
    if (algorithm === undefined) fail(kw.line, `${label} has no algorithm: add algorithm hmac-sha256;`);
    const first = seen.get(name.key);
    if (first !== undefined) fail(kw.line, `${label} is defined twice (first on line ${first})`);
    seen.set(name.key, kw.line);
    keys.push({ name, algorithm: algorithm!, secret: secret!, line: kw.line });
  }
  if (keys.length === 0) throw new TsigKeyFileError(`${file}: no key in the file: add key "NAME" { algorithm hmac-sha256; secret "BASE64"; };`);
  return new TsigKeyring(keys);
}
