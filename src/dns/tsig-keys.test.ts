import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Name } from './name.js';
import { TsigKeyFileError, algorithmByName, parseTsigKeys } from './tsig-keys.js';

const B64 = 'NHC1SvqwNisA9kmmMLSsmvxeaiqZFWO0FEcxcT2/KfU=';

function errorOf(text: string): string {
  try {
    parseTsigKeys(text, 'keys.conf');
  } catch (e) {
    expect(e).toBeInstanceOf(TsigKeyFileError);
    return (e as Error).message;
  }
  throw new Error('expected a TsigKeyFileError');
}

describe('parseTsigKeys', () => {
  it('reads several keys with comments of all three kinds', () => {
    const ring = parseTsigKeys(
      `# first
key "xfr-key" {   // the transfer key
  algorithm hmac-sha256;
  secret "${B64}";
};
/* a block
   comment */ key Other.Key. { secret "AAECAwQFBgcICQoLDA0ODw=="; algorithm "HMAC-SHA512."; };
key "third" { algorithm hmac-sha384; secret "AAEC AwQF"; };
`,
      'keys.conf',
    );
    expect(ring.size).toBe(3);
    const a = ring.get(Name.fromText('XFR-key.'))!;
    expect(a.algorithm.name).toBe('hmac-sha256');
    expect(Buffer.from(a.secret).toString('base64')).toBe(B64);
    expect(a.line).toBe(2);
    const b = ring.get(Name.fromText('other.key.'))!;
    expect(b.algorithm.name).toBe('hmac-sha512');
    expect(b.algorithm.macLength).toBe(64);
    expect(b.name.toString()).toBe('Other.Key.');
    expect(b.line).toBe(7);
    // Whitespace inside the quoted base64 is allowed, as BIND allows it.
    expect([...ring.get(Name.fromText('third.'))!.secret]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ring.get(Name.fromText('nothere.'))).toBeUndefined();
  });

  it.each([
    ['key "k" { algorithm hmac-md5; secret "AAAA"; };', 'keys.conf:1: unknown TSIG algorithm "hmac-md5": use hmac-sha256, hmac-sha384 or hmac-sha512'],
    ['key "k" {\n algorithm hmac-sha256;\n secret "not base64!";\n};', 'keys.conf:3: secret of key "k." is not valid base64'],
    ['key "k" { algorithm hmac-sha256; secret ""; };', 'keys.conf:1: secret of key "k." is empty'],
    ['key "k" { algorithm hmac-sha256; };', 'keys.conf:1: key "k." has no secret: add secret "BASE64";'],
    ['key "k" { secret "AAAA"; };', 'keys.conf:1: key "k." has no algorithm: add algorithm hmac-sha256;'],
    [`key "k" { algorithm hmac-sha256; secret "AAAA"; };\n\nkey "K." { algorithm hmac-sha256; secret "AAAA"; };`, 'keys.conf:3: key "K." is defined twice (first on line 1)'],
    ['key "k" { algorithm hmac-sha256; secret "AAAA"; color blue; };', 'keys.conf:1: unknown statement "color" in key "k.": only algorithm and secret are allowed'],
    ['options { };', 'keys.conf:1: expected "key", found "options": a key file holds only key "NAME" { ... }; statements'],
    ['key "k" { algorithm hmac-sha256; secret "AAAA"; }', 'keys.conf:1: expected ";" after "}", found the end of the file'],
    ['key "k" {\n algorithm hmac-sha256\n secret "AAAA"; };', 'keys.conf:3: expected ";" after the algorithm, found "secret"'],
    ['key "k" { algorithm hmac-sha256; secret "AAAA";', 'keys.conf:1: key "k." is not closed: expected "}", found the end of the file'],
    ['/* never closed\nkey "k" {};', 'keys.conf:1: comment is not closed: add */'],
    ['key "k\n', 'keys.conf:1: quoted string is not closed: add "'],
    ['key "a..b" { algorithm hmac-sha256; secret "AAAA"; };', 'keys.conf:1: key name "a..b" is not a domain name: empty label in "a..b"'],
    ['key "k" { algorithm hmac-sha256-128; secret "AAAA"; };', 'keys.conf:1: truncated TSIG algorithm "hmac-sha256-128" is not supported: use hmac-sha256 (full-length MACs)'],
    ['', 'keys.conf: no key in the file: add key "NAME" { algorithm hmac-sha256; secret "BASE64"; };'],
  ])('%j → %s', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it.skipIf(!existsSync('/usr/sbin/tsig-keygen'))('reads what tsig-keygen writes, for each algorithm', () => {
    const text = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512']
      .map((alg) => execFileSync('/usr/sbin/tsig-keygen', ['-a', alg, `${alg}.example.`], { encoding: 'utf8' }))
      .join('');
    const ring = parseTsigKeys(text, 'tsig-keygen');
    expect(ring.keys().map((k) => [k.name.key, k.algorithm.name, k.secret.length])).toEqual([
      ['hmac-sha256.example.', 'hmac-sha256', 32],
      ['hmac-sha384.example.', 'hmac-sha384', 48],
      ['hmac-sha512.example.', 'hmac-sha512', 64],
    ]);
  });
});

describe('algorithmByName', () => {
  it('takes any case and the FQDN form; the wire name is the canonical one (RFC 8945 §6)', () => {
    expect(algorithmByName('HMAC-SHA384.')?.wireName.key).toBe('hmac-sha384.');
    expect(algorithmByName(Name.fromText('Hmac-Sha256.'))?.hash).toBe('sha256');
    expect(algorithmByName('hmac-sha1')).toBeUndefined();
  });
});
