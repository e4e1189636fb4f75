import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildZone } from '../zone/build.js';
import { parseZoneText } from '../zone/parser.js';
import type { Zone } from '../zone/zone.js';
import { IxfrJournal } from './ixfr-journal.js';

const tiny = (serial: number, extra = ''): Zone =>
  buildZone(parseZoneText(`. 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. ${serial} 1800 900 604800 86400\n. 518400 IN NS a.root-servers.net.\na.root-servers.net. 518400 IN A 198.41.0.4\n${extra}`, { file: 't' }), { dnssec: 'keep' });

describe('IxfrJournal', () => {
  it('keeps at most N steps, each only SOA + differences; plans incremental, current, full', () => {
    const j = new IxfrJournal(2);
    const zs = [1, 2, 3, 4].map((s) => tiny(s, `x${s}. 86400 IN NS a.root-servers.net.\n`));
    j.record(undefined, zs[0]!);
    for (let i = 1; i < zs.length; i++) j.record(zs[i - 1], zs[i]!);
    expect(j.heldSerials).toEqual([2, 3]);
    expect(j.heldRecords).toBe(4);
    const cur = zs[3]!;
    expect(j.plan(cur, 4)).toEqual({ kind: 'current' });
    expect(j.plan(cur, 5)).toEqual({ kind: 'current' }); // ahead of us (RFC 1982): nothing to send
    expect(j.plan(cur, 1)).toEqual({ kind: 'full' }); // dropped from the journal
    const p = j.plan(cur, 2);
    expect(p.kind === 'incremental' && p.steps.length).toBe(2);
    // A zone the journal did not see swapped in: never an answer from stale steps.
    expect(j.plan(tiny(9), 3)).toEqual({ kind: 'full' });
  });

  it('a rollback or the same serial again empties it (no step leads there); 0 versions keeps nothing', () => {
    const j = new IxfrJournal(3);
    j.record(tiny(1), tiny(2));
    j.record(tiny(2), tiny(1));
    expect(j.heldSerials).toEqual([]);
    const none = new IxfrJournal(0);
    none.record(tiny(1), tiny(2));
    expect(none.plan(tiny(2), 1)).toEqual({ kind: 'full' });
  });

  it('cost of a step on two consecutive real root zones (measured, reported)', () => {
    const read = (s: string) => buildZone(parseZoneText(readFileSync(new URL(`../../test/fixtures/root-zone/root.zone.${s}`, import.meta.url)), { file: s }), { dnssec: 'keep' });
    const a = read('2026082200');
    const b = read('2026082201');
    const j = new IxfrJournal(3);
    const t0 = performance.now();
    j.record(a, b);
    const ms = performance.now() - t0;
    expect(j.heldRecords).toBe(4);
    process.stderr.write(`IxfrJournal.record on two real root zones: ${ms.toFixed(1)} ms, ${j.heldRecords} records held\n`);
  });
});
