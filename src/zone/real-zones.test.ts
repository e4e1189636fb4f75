// The real and generated root zones in test/fixtures parse, pass the zone checks,
// and agree with ldns-read-zone (Debian ldnsutils): the same counts by type and,
// record for record, the same data as ldns's own re-rendering of the file.

import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { typeToString } from '../dns/types.js';
import { findZoneProblems } from './checks.js';
import { parseZone, parseZoneFile, parseZoneText } from './parser.js';
import type { ParsedRecord } from './parse-options.js';

const fixtures = join(import.meta.dirname, '../../test/fixtures');

/** Counts from test/fixtures/README.md (obtained there with ldns-read-zone). */
const zones: { name: string; counts: Record<string, number> | undefined }[] = [
  {
    name: 'root-zone/root.zone.2026082200',
    counts: { A: 5941, AAAA: 5646, DNSKEY: 3, DS: 1480, NS: 7581, NSEC: 1439, RRSIG: 2, SOA: 1, ZONEMD: 1 },
  },
  {
    name: 'root-zone/root.zone.2026082201',
    counts: { A: 5941, AAAA: 5646, DNSKEY: 3, DS: 1480, NS: 7581, NSEC: 1439, RRSIG: 2, SOA: 1, ZONEMD: 1 },
  },
  {
    name: 'root-zone-full/root.zone.2026073102.gz',
    counts: { A: 5938, AAAA: 5643, DNSKEY: 3, DS: 1483, NS: 7577, NSEC: 1439, RRSIG: 2792, SOA: 1, ZONEMD: 1 },
  },
];

const hasLdns = (() => {
  try {
    execFileSync('ldns-read-zone', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function countByType(rrs: readonly ParsedRecord[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of rrs) {
    const t = typeToString(r.type);
    c[t] = (c[t] ?? 0) + 1;
  }
  return c;
}

/** Plain text of a fixture, gunzipped into a temp file if needed (ldns-read-zone reads files). */
function plainFile(path: string): string {
  if (!path.endsWith('.gz')) return path;
  const dir = mkdtempSync(join(tmpdir(), 'rootmirror-ldns-'));
  const out = join(dir, 'zone');
  writeFileSync(out, gunzipSync(readFileSync(path)));
  return out;
}

function key(r: ParsedRecord): string {
  return `${r.name.key} ${r.ttl} ${r.class} ${r.type} ${Buffer.from(r.rdata).toString('hex')}`;
}

describe('real root zones', () => {
  const signed = join(fixtures, 'signed/root.zone.signed');
  const all = [...zones, ...(existsSync(signed) ? [{ name: 'signed/root.zone.signed', counts: undefined }] : [])].map((z) => ({ ...z, path: join(fixtures, z.name) }));

  it.each(all)('$name parses and passes the zone checks', async ({ path, counts }) => {
    const rrs = await parseZoneFile(path, { origin: Name.root });
    if (counts) expect(countByType(rrs)).toEqual(counts);
    expect(findZoneProblems(rrs, Name.root).map((p) => p.message)).toEqual([]);
  });

  it.skipIf(!hasLdns).each(all)('$name: same records as ldns-read-zone renders them', async ({ path }) => {
    const file = plainFile(path);
    const ours = await parseZoneFile(file, { origin: Name.root });
    const ldnsText = execFileSync('ldns-read-zone', [file], { maxBuffer: 64 * 1024 * 1024, encoding: 'latin1' });
    const theirs = parseZoneText(ldnsText, { origin: Name.root, file: 'ldns-read-zone output' });
    expect(countByType(ours)).toEqual(countByType(theirs));
    // ldns lower-cases nothing in the root zone but may reorder; compare as sorted multisets.
    const a = ours.map(key).sort();
    const b = theirs.map(key).sort();
    expect(a.length).toBe(b.length);
    const firstDiff = a.findIndex((x, i) => x !== b[i]);
    expect(firstDiff === -1 ? null : { ours: a[firstDiff], ldns: b[firstDiff] }).toBeNull();
  });

  it('streaming a file gives the same records as parsing it whole', async () => {
    const path = join(fixtures, 'root-zone/root.zone.2026082200');
    const whole = parseZoneText(readFileSync(path), { origin: Name.root, file: path });
    const streamed: ParsedRecord[] = [];
    for await (const rr of parseZone(createReadStream(path, { highWaterMark: 4096 }), { origin: Name.root, file: path })) streamed.push(rr);
    expect(streamed.length).toBe(whole.length);
    expect(streamed.map(key)).toEqual(whole.map(key));
    expect(streamed.map((r) => r.line)).toEqual(whole.map((r) => r.line));
  });
});
