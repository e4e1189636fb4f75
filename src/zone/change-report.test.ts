import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseZoneText } from '../zone/parser.js';
import { buildZone, loadZoneFile } from '../zone/build.js';
import type { Zone } from '../zone/zone.js';
import { RRType } from '../dns/types.js';
import { changeReport, keyTag, logChangeReport } from './change-report.js';

// Zones go through the real pipeline: master-file parser and buildZone.
function zoneFromText(text: string): Zone {
  return buildZone(parseZoneText(text, { file: 'test' }), { dnssec: 'keep' });
}

const fixture = (s: string) => readFileSync(new URL(`../../test/fixtures/root-zone/root.zone.${s}`, import.meta.url), 'utf8');

describe('changeReport', () => {
  it('two real consecutive root zones: only SOA, its RRSIG and ZONEMD differ (diff(1) says so), so nothing to report', () => {
    const r = changeReport(zoneFromText(fixture('2026082200')), zoneFromText(fixture('2026082201')));
    expect(r).toEqual({
      fromSerial: 2026082200,
      toSerial: 2026082201,
      tldsAdded: [],
      tldsRemoved: [],
      delegationsChanged: [],
      dsChanged: [],
      dnskeyChanged: undefined,
      summary: '2026082200 -> 2026082201: no delegation, DS or DNSKEY changes',
    });
  });

  it('root DNSKEY key tags are the published ones (RFC 4034 App. B)', () => {
    const z = zoneFromText(fixture('2026082201'));
    const tags = z.records.filter((r) => r.type === RRType.DNSKEY).map((r) => keyTag(r.rdata));
    // 20326 is KSK-2017, 38696 KSK-2024 (IANA root-anchors.xml).
    expect(tags).toContain(20326);
    expect(tags).toContain(38696);
  });

  it('a crafted pair: TLD added and removed, NS/glue/DS changes, a new KSK', () => {
    const base = fixture('2026082201');
    const lines = base.split('\n');
    const edited = lines
      .filter((l) => !/^aaa\.\s/.test(l)) // TLD aaa removed
      .filter((l) => !/^se\.\s.*\sNS\s+z\.ns\.se\.$/.test(l)) // se loses one NS
      .map((l) => l.replace(/^(a\.ns\.se\.\s+\d+\s+IN\s+A\s+)192\.36\.144\.107$/, '$1192.0.2.53')) // glue renumbered
      .map((l) => l.replace(/^(se\.\s+\d+\s+IN\s+DS\s+59407 8 2 )67A8E06F/, '$1DEADBEEF')) // se DS rolled
      .map((l) => l.replace(/2026082201 1800/, '2026082202 1800'));
    edited.push(
      'example.\t172800\tIN\tNS\tns1.example.',
      'ns1.example.\t172800\tIN\tA\t192.0.2.1',
      'example.\t86400\tIN\tDS\t12345 13 2 ' + 'AB'.repeat(32),
      // a third KSK appears (standby key, as in a rollover)
      '.\t172800\tIN\tDNSKEY\t257 3 8 ' + Buffer.alloc(260, 9).toString('base64'),
    );
    const r = changeReport(zoneFromText(base), zoneFromText(edited.join('\n')));
    expect(r.tldsAdded).toEqual(['example.']);
    expect(r.tldsRemoved).toEqual(['aaa.']);
    const se = r.delegationsChanged.find((d) => d.name === 'se.');
    expect(se?.ns).toEqual({ added: [], removed: ['z.ns.se.'] });
    expect(se?.glue.added).toEqual(['a.ns.se. 192.0.2.53']);
    expect(se?.glue.removed).toContain('a.ns.se. 192.36.144.107');
    expect(se?.glue.removed.some((g) => g.startsWith('z.ns.se. '))).toBe(true);
    // every other changed delegation is one that shares a.ns.se. as a name server
    for (const d of r.delegationsChanged.filter((d) => d.name !== 'se.')) {
      expect(d.ns).toEqual({ added: [], removed: [] });
      expect(d.glue).toEqual({ added: ['a.ns.se. 192.0.2.53'], removed: ['a.ns.se. 192.36.144.107'] });
    }
    expect(r.dsChanged).toEqual([
      { name: 'se.', added: ['59407 8 2 DEADBEEFCEFDD9397F77F26C41ADE4EC142F299BCFA1827F0EF8FD87F2F63022'], removed: ['59407 8 2 67A8E06FCEFDD9397F77F26C41ADE4EC142F299BCFA1827F0EF8FD87F2F63022'] },
    ]);
    expect(r.dnskeyChanged?.removed).toEqual([]);
    expect(r.dnskeyChanged?.added).toHaveLength(1);
    expect(r.dnskeyChanged?.added[0]).toMatch(/^flags=257 alg=8 tag=\d+$/);
    expect(r.summary).toMatch(/^2026082201 -> 2026082202: 1 TLD\(s\) added \(example\.\); 1 TLD\(s\) removed \(aaa\.\); \d+ delegation\(s\) changed NS\/glue; 1 DS change\(s\); ROOT DNSKEY SET CHANGED \(\+flags=257 alg=8 tag=\d+\)$/);

    const lines2: { level: string; msg: string }[] = [];
    const log = {
      debug: () => {},
      info: (msg: string) => lines2.push({ level: 'info', msg }),
      warn: (msg: string) => lines2.push({ level: 'warn', msg }),
      error: (msg: string) => lines2.push({ level: 'error', msg }),
      child: () => log,
    };
    logChangeReport(log, r);
    expect(lines2.filter((l) => l.level === 'error')).toEqual([
      { level: 'error', msg: 'ROOT DNSKEY SET CHANGED in 2026082202 (KSK: check your trust anchor, RFC 5011)' },
    ]);
  });
});

describe('changeReport on zones loaded from files', () => {
  it('loadZoneFile on the two real zones agrees with the in-memory path', async () => {
    const path = (s: string) => fileURLToPath(new URL(`../../test/fixtures/root-zone/root.zone.${s}`, import.meta.url));
    const a = await loadZoneFile(path('2026082200'), { dnssec: 'keep' });
    const b = await loadZoneFile(path('2026082201'), { dnssec: 'keep' });
    expect(changeReport(a, b).summary).toBe('2026082200 -> 2026082201: no delegation, DS or DNSKEY changes');
    // and a zone against itself from the other path: the glue/AAAA handling is identical
    const viaText = changeReport(zoneFromText(fixture('2026082201')), b);
    expect(viaText.delegationsChanged).toEqual([]);
    expect(viaText.dnskeyChanged).toBeUndefined();
  }, 30_000);
});
