import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import { buildZone } from './build.js';
import { imageChange } from './image-change.js';
import { ZoneImage } from './image.js';
import { writeImage } from './image-writer.js';
import { parseZoneText } from './parser.js';
import { encodeRecords } from './record-wire.js';
import { computeChange, type ZoneChange } from './zone-change.js';
import type { Zone } from './zone.js';

// imageChange() must give what computeChange() gives, record for record and
// string for string, for every kind of change the report knows about.

const ROOT = readFileSync(new URL('../../test/fixtures/root-zone/root.zone.2026082200', import.meta.url), 'latin1');
const build = (text: string): Zone => buildZone(parseZoneText(Buffer.from(text, 'latin1'), { file: 't', origin: Name.root }), { dnssec: 'keep' });
const imageOf = (z: Zone): ZoneImage => new ZoneImage(writeImage(z));
/** The change in a form toEqual compares byte for byte: records encoded, the report as is. */
const comparable = (c: ZoneChange) => ({ fromSerial: c.fromSerial, deleted: encodeRecords(c.diff.deleted), added: encodeRecords(c.diff.added), counts: [c.diff.deleted.length, c.diff.added.length], report: c.report });
const nextSerial = (text: string): string => text.replace(/(\s)2026082200(\s)/, '$12026082201$2');

/** Edits of the root zone text, each a kind of change; the serial is always bumped. */
const edits: Record<string, (t: string) => string> = {
  'only the serial': (t) => t,
  'a TLD removed (org.)': (t) => t.replace(/^org\.\s+\d+\s+IN\s+(NS|DS)\s.*\n/gm, ''),
  'a TLD added, with in-domain glue': (t) => `${t}zzzz. 172800 IN NS ns1.zzzz.\nns1.zzzz. 172800 IN A 192.0.2.1\n`,
  'an NS added to a delegation': (t) => `${t}com. 172800 IN NS a0.org.afilias-nst.info.\n`,
  'glue changed for every delegation naming the host (a.gtld-servers.net.)': (t) => t.replace('192.5.6.30', '192.0.2.30'),
  'a DS changed (key rollover)': (t) => t.replace('42665 8 2 4B15F405', '42666 8 2 4B15F405'),
  'a TTL changed (delete + add)': (t) => t.replace(/^(a\.nic\.aaa\.\s+)172800/m, '$186400'),
  'a change of case only (no change, RFC 4034 §6.2)': (t) => t.replace(/^b\.nic\.aaa\./m, 'B.NIC.AAA.').replace(/(\s)a\.nic\.aaa\.$/m, '$1A.NIC.AAA.'),
  'the root DNSKEY set changed (a ZSK removed)': (t) => t.replace(/^\.\s+172800\s+IN\s+DNSKEY\s+256 .*\n/m, ''),
};

describe('imageChange (what changed, read from two zone images)', () => {
  let base: Zone;
  let baseImage: ZoneImage;
  beforeAll(() => {
    base = build(ROOT);
    baseImage = imageOf(base);
  });

  it.each(Object.keys(edits))('%s: the same difference and report as computeChange', (what) => {
    const edited = edits[what]!(nextSerial(ROOT));
    expect(edited).not.toBe(ROOT);
    const next = build(edited);
    const expected = computeChange({ origin: base.origin, serial: base.serial, records: base.records }, next);
    const got = imageChange(baseImage, imageOf(next));
    expect(comparable(got)).toEqual(comparable(expected));
  });

  it('every edit at once, and back again', () => {
    const next = build(Object.values(edits).reduce((t, e) => e(t), nextSerial(ROOT)));
    const nextImage = imageOf(next);
    const forward = imageChange(baseImage, nextImage);
    expect(comparable(forward)).toEqual(comparable(computeChange({ origin: base.origin, serial: base.serial, records: base.records }, next)));
    // The edits show: a removed and an added TLD, glue, DS and DNSKEY changes.
    expect(forward.report.tldsAdded).toEqual(['zzzz.']);
    expect(forward.report.tldsRemoved).toEqual(['org.']);
    expect(forward.report.delegationsChanged.map((d) => d.name)).toContain('com.');
    expect(forward.report.dsChanged.map((d) => d.name)).toEqual(['ac.']);
    expect(forward.report.dnskeyChanged?.removed).toHaveLength(1);
    const back = imageChange(nextImage, baseImage);
    expect(comparable(back)).toEqual(comparable(computeChange({ origin: next.origin, serial: next.serial, records: next.records }, base)));
  });
});
