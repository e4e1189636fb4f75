// Interop: the tinydns export, compiled by tinydns-data and served by the real
// tinydns (djbdns 1.05) on a loopback address, answers like lookup() does, for
// a few hundred sampled questions: referrals (TLDs, names below them, glue
// names) and NXDOMAIN. tinydns has no DNSSEC, no EDNS and no AAAA glue, so the
// comparison is: rcode, AA, ANSWER, AUTHORITY, and the A records of ADDITIONAL.
//
// tinydns listens on port 53 only and must start as root (it chroots and drops
// to UID/GID); the test is skipped, saying so, when that is not possible.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Name } from '../src/dns/name.js';
import type { ResourceRecord } from '../src/dns/record.js';
import { RRType, typeFromString } from '../src/dns/types.js';
import { loadZoneFile } from '../src/zone/build.js';
import { exportTinydns } from '../src/zone/export-tinydns.js';
import { lookup } from '../src/zone/lookup.js';
import type { Zone } from '../src/zone/zone.js';

const ZONE = fileURLToPath(new URL('fixtures/root-zone/root.zone.2026082200', import.meta.url));
/** An unusual loopback address, so nothing else on port 53 is in the way. */
const ADDR = '127.53.71.9';

/** Absolute path of a program on PATH (tinydns lives in /usr/sbin), or undefined. */
function which(tool: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const have = (tool: string): boolean => which(tool) !== undefined;
const why =
  !have('tinydns') || !have('tinydns-data')
    ? 'tinydns/tinydns-data not installed (Debian package tinydns)'
    : process.getuid?.() !== 0
      ? 'tinydns must start as root (it binds port 53 and chroots)'
      : undefined;
if (why !== undefined) console.warn(`SKIPPED tinydns interop test: ${why}`);

/** The same normal form for both sides: decode our records with the decoder that reads tinydns' replies. */
function encodeRR(rr: ResourceRecord): Buffer {
  const b = Buffer.alloc(rr.name.wire.length + 10 + rr.rdata.length);
  b.set(rr.name.wire, 0);
  let o = rr.name.wire.length;
  o = b.writeUInt16BE(rr.type, o);
  o = b.writeUInt16BE(rr.class, o);
  o = b.writeUInt32BE(rr.ttl, o);
  o = b.writeUInt16BE(rr.rdata.length, o);
  b.set(rr.rdata, o);
  return b;
}
function norm(a: { name: string; type: string; ttl?: number; data?: unknown }): string {
  const data = typeof a.data === 'string' ? a.data.toLowerCase() : Buffer.isBuffer(a.data) ? a.data.toString('hex') : JSON.stringify(a.data);
  return `${a.name.toLowerCase()} ${a.ttl} ${a.type} ${data}`;
}
const ours = (rrs: readonly ResourceRecord[]): string[] => rrs.map((rr) => norm(dnsPacket.answer.decode(encodeRR(rr)) as never)).sort();
const theirs = (rrs: readonly dnsPacket.Answer[] | undefined): string[] => (rrs ?? []).map((a) => norm(a as never)).sort();

describe.skipIf(why !== undefined)('tinydns serving the tinydns export answers like lookup()', () => {
  let dir: string;
  let server: ChildProcess;
  let sock: Socket;
  let zone: Zone;
  const pending = new Map<number, (msg: dnsPacket.Packet) => void>();

  beforeAll(async () => {
    zone = await loadZoneFile(ZONE, { dnssec: 'strip' });
    dir = mkdtempSync(join(tmpdir(), 'rootmirror-tinydns-'));
    writeFileSync(join(dir, 'data'), [...exportTinydns(zone)].join(''));
    const built = spawnSync(which('tinydns-data')!, [], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (built.status !== 0) throw new Error(`tinydns-data failed: ${built.stderr}`);

    server = spawn(which('tinydns')!, [], {
      env: { IP: ADDR, ROOT: dir, UID: String(process.getuid!()), GID: String(process.getgid!()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // tinydns says "starting tinydns" once its socket is bound: that is the readiness signal.
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`tinydns did not start within 10 s: ${seen}`)), 10_000);
      const onData = (d: Buffer): void => {
        seen += d.toString();
        if (seen.includes('starting tinydns')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout!.on('data', onData);
      server.stderr!.on('data', onData);
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tinydns exited with ${code}: ${seen}`));
      });
      server.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    server.stdout!.resume();
    server.stderr!.resume();

    sock = createSocket('udp4');
    sock.on('message', (buf) => {
      const msg = dnsPacket.decode(buf);
      pending.get(msg.id ?? -1)?.(msg);
    });
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  }, 60_000);

  afterAll(async () => {
    sock?.close();
    if (server !== undefined && server.exitCode === null) {
      const gone = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await gone;
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  let nextId = 1;
  function ask(qname: string, qtype: string): Promise<dnsPacket.Packet> {
    const id = nextId++;
    const query = dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ name: qname, type: qtype as dnsPacket.RecordType, class: 'IN' }] });
    return new Promise((resolve, reject) => {
      let tries = 0;
      const send = (): void => {
        if (tries++ === 3) {
          pending.delete(id);
          reject(new Error(`no answer from tinydns for ${qname} ${qtype}`));
          return;
        }
        sock.send(query, 53, ADDR);
        timer = setTimeout(send, 1000);
      };
      let timer: NodeJS.Timeout;
      pending.set(id, (msg) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(msg);
      });
      send();
    });
  }

  it('agrees on 300 sampled referral and NXDOMAIN questions', async () => {
    let seed = 20260822;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const label = (): string => Array.from({ length: 1 + rnd(10) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[rnd(36)]).join('');
    const tlds = zone.delegations.map((d) => d.name.toString());
    const glueNames = [...zone.nodes.values()].filter((n) => n.occluded && n.rrsets.has(RRType.A)).map((n) => n.name.toString());
    const questions: [string, string][] = [];
    for (let i = 0; i < 100; i++) questions.push([`${label()}.${tlds[rnd(tlds.length)]!}`, ['A', 'AAAA', 'MX', 'TXT'][rnd(4)]!]);
    for (let i = 0; i < 60; i++) questions.push([tlds[rnd(tlds.length)]!, ['NS', 'A', 'SOA'][rnd(3)]!]);
    for (let i = 0; i < 40; i++) questions.push([glueNames[rnd(glueNames.length)]!, ['A', 'AAAA'][rnd(2)]!]);
    for (let i = 0; i < 100; i++) {
      const q = rnd(2) === 0 ? `${label()}-nx.` : `${label()}.${label()}-nx.`;
      questions.push([rnd(4) === 0 ? q.toUpperCase() : q, ['A', 'AAAA', 'NS'][rnd(3)]!]);
    }

    const kinds = new Map<string, number>();
    let compared = 0;
    for (const [q, t] of questions) {
      const qname = Name.fromText(q);
      const want = lookup(zone, qname, typeFromString(t)!, { dnssecOk: false });
      const got = await ask(q.replace(/\.$/, ''), t);
      const label = `${q} ${t}`;
      kinds.set(want.kind, (kinds.get(want.kind) ?? 0) + 1);
      expect(got.rcode, label).toBe(want.rcode === 3 ? 'NXDOMAIN' : 'NOERROR');
      expect(Boolean(got.flag_aa), label).toBe(want.aa);
      expect(theirs(got.answers), label).toEqual(ours(want.answer));
      expect(theirs(got.authorities), label).toEqual(ours(want.authority));
      const tc = Boolean(got.flag_tc);
      const gotA = theirs((got.additionals ?? []).filter((a) => a.type === 'A'));
      const wantA = ours(want.additional.filter((r) => r.type === RRType.A));
      // Over 512 octets tinydns drops additional records; what it sends must still be ours.
      if (tc || gotA.length < wantA.length) expect(gotA.every((a) => wantA.includes(a)), label).toBe(true);
      else expect(gotA, label).toEqual(wantA);
      compared++;
    }
    expect(compared).toBe(300);
    expect(kinds.get('referral')).toBeGreaterThan(150);
    expect(kinds.get('nxdomain')).toBeGreaterThanOrEqual(100);
  }, 120_000);
});
