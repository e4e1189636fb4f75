// Zone checks on records built directly (no RDATA codecs involved), so each
// rule is tested on its own. The malformed-fixture table covers them end to end.

import { describe, expect, it } from 'vitest';
import { Name } from '../dns/name.js';
import type { ResourceRecord } from '../dns/record.js';
import { RRClass, RRType } from '../dns/types.js';
import { ZoneCheckError, checkZone, findZoneProblems } from './checks.js';

const n = (s: string): Name => Name.fromText(s);
const rr = (name: string, type: number, rdata: Uint8Array = new Uint8Array(0), cls: number = RRClass.IN): ResourceRecord => ({
  name: n(name),
  type,
  class: cls,
  ttl: 3600,
  rdata,
});
const ns = (owner: string, target: string): ResourceRecord => rr(owner, RRType.NS, n(target).wire);
const a = (owner: string): ResourceRecord => rr(owner, RRType.A, Uint8Array.of(192, 0, 2, 1));
const aaaa = (owner: string): ResourceRecord => rr(owner, RRType.AAAA, new Uint8Array(16));

/** A minimal valid root: SOA, apex NS with glue, one TLD with in-zone glue. */
function good(): ResourceRecord[] {
  return [
    rr('.', RRType.SOA, new Uint8Array(22)),
    ns('.', 'a.root-servers.net.'),
    a('a.root-servers.net.'),
    ns('com.', 'a.gtld-servers.net.'),
    aaaa('a.gtld-servers.net.'),
    ns('net.', 'a.gtld-servers.net.'),
    rr('com.', RRType.DS, new Uint8Array(36)),
  ];
}

const codes = (rrs: ResourceRecord[], origin = '.'): string[] => findZoneProblems(rrs, n(origin)).map((p) => p.code);

describe('zone checks', () => {
  it('accept a good zone', () => {
    expect(codes(good())).toEqual([]);
    expect(() => checkZone(good(), Name.root)).not.toThrow();
  });

  it('exactly one SOA, at the apex (RFC 1035 §5.2)', () => {
    expect(codes(good().slice(1))).toEqual(['no-soa']);
    expect(codes([...good(), rr('.', RRType.SOA, new Uint8Array(22))])).toEqual(['multiple-soa']);
    expect(codes([rr('com.', RRType.SOA), ...good().slice(1)])).toEqual(['soa-not-at-apex']);
  });

  it('apex NS present', () => {
    expect(codes(good().filter((r) => !(r.type === RRType.NS && r.name.isRoot())))).toEqual(['no-apex-ns']);
  });

  it('every name at or under the origin', () => {
    const zone = [rr('example.', RRType.SOA), ns('example.', 'ns.example.'), a('ns.example.'), a('www.EXAMPLE.'), a('example.org.'), a('notexample.')];
    expect(findZoneProblems(zone, n('example.')).map((p) => `${p.code} ${p.record?.name.toString()}`)).toEqual([
      'out-of-zone example.org.',
      'out-of-zone notexample.',
    ]);
  });

  it('class IN only', () => {
    expect(codes([...good(), rr('version.bind.', RRType.TXT, Uint8Array.of(1, 0x78), RRClass.CH)])).toEqual(['class-not-in']);
  });

  it('no CNAME beside other data (RFC 1034 §3.6.2); RRSIG and NSEC may share its owner (RFC 4035 §2.5)', () => {
    const cname = rr('alias.', RRType.CNAME, n('com.').wire);
    expect(codes([...good(), cname, rr('alias.', RRType.RRSIG, new Uint8Array(30)), rr('alias.', RRType.NSEC, new Uint8Array(8))])).toEqual([]);
    expect(codes([...good(), rr('alias.', RRType.TXT, Uint8Array.of(1, 0x78)), cname])).toEqual(['cname-and-other-data']);
    expect(codes([...good(), cname, a('alias.')])).toEqual(['cname-and-other-data']);
    expect(codes([...good(), cname, rr('alias.', RRType.CNAME, n('net.').wire)])).toEqual(['multiple-cname']);
  });

  it('in-zone NS targets need A or AAAA; targets outside the origin do not', () => {
    expect(codes([...good(), ns('org.', 'b0.org.afilias-nst.org.')])).toEqual(['missing-glue']);
    // Either address family is enough; case does not matter.
    expect(codes([...good(), ns('org.', 'B0.ORG.afilias-nst.org.'), aaaa('b0.org.afilias-nst.org.')])).toEqual([]);
    const zone = [rr('example.', RRType.SOA), ns('example.', 'ns.example.'), a('ns.example.'), ns('sub.example.', 'ns.other.net.')];
    expect(findZoneProblems(zone, n('example.'))).toEqual([]);
    // Every NS record with the missing target is reported, so each delegation is named.
    expect(codes([...good(), ns('org.', 'x.nic.'), ns('info.', 'x.nic.')])).toEqual(['missing-glue', 'missing-glue']);
  });

  it('checkZone throws one ZoneCheckError naming every problem and the record', () => {
    const bad = [...good().slice(1), rr('version.bind.', RRType.TXT, Uint8Array.of(0), RRClass.CH)];
    let caught: unknown;
    try {
      checkZone(bad, Name.root);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ZoneCheckError);
    const e = caught as ZoneCheckError;
    expect(e.problems.map((p) => p.code)).toEqual(['class-not-in', 'no-soa']);
    expect(e.message).toContain('version.bind. TXT: class CH');
    expect(e.message).toContain('no SOA record');
    expect(e.message).toMatch(/^zone \. refused: 2 problems/);
  });

  it('uses file:line when the records carry it', () => {
    const rec = { ...a('x.'), class: RRClass.HS, file: 'root.zone', line: 42 };
    expect(findZoneProblems([...good(), rec], Name.root)[0]!.message).toMatch(/^root\.zone:42: x\. A: class HS/);
  });

  it('caps the message but keeps every problem', () => {
    const many = [...good(), ...Array.from({ length: 30 }, (_, i) => ns(`t${i}.`, `ns.t${i}.`))];
    const e = (() => {
      try {
        checkZone(many, Name.root);
      } catch (x) {
        return x as ZoneCheckError;
      }
      throw new Error('no error');
    })();
    expect(e.problems).toHaveLength(30);
    expect(e.message).toContain('… and 20 more');
  });
});
