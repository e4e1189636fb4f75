// A fleet from one mirror (issue 15), with real secondaries: BIND 9 (`type
// mirror`, TSIG) and Unbound (`auth-zone`, `zonemd-check: yes`; Unbound 1.17
// has no TSIG for auth-zone transfers, so it pulls from a second rootmirror
// without --tsig-key) transfer the zone from rootmirror, are sent a NOTIFY
// after rootmirror swaps in a new serial (ldns-notify from the mirror's own
// address: rootmirror sends no NOTIFY itself yet), pull the difference by IXFR
// and serve the new serial; what they then hold equals an AXFR from rootmirror.
//
// The zones: test/fixtures/signed/small.zone at two serials (the second with
// one more delegation), signed here with the fixture keys so BIND's mirror
// zone validates them against test/fixtures/signed/trust-anchor.ds and
// Unbound's ZONEMD check passes. rootmirror fetches them from a local HTTP
// source with a PGP signature made with a throw-away key.

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rdataToText } from '../src/dns/rdata.js';
import { typeToString } from '../src/dns/types.js';
import { parseZoneText } from '../src/zone/parser.js';
import { BIN, assertBuilt, dig, findProgram, freePort, metric, startDaemon, startRootmirror, waitTcp, type Daemon, type RootmirrorProcess } from './helpers/processes.js';
import { FixtureServer, makeKey, seedDataDir, sign, type TestKey } from './refresh-kit.js';

const FIX = fileURLToPath(new URL('./fixtures/signed/', import.meta.url));
const ANCHOR = join(FIX, 'trust-anchor.ds');
const S1 = 2026110100;
const S2 = S1 + 1;
const IP = { tsigMirror: '127.63.0.1', openMirror: '127.63.0.2', unbound: '127.63.0.6' } as const;

const tools = {
  named: findProgram('named'),
  unbound: findProgram('unbound'),
  dig: findProgram('dig'),
  signzone: findProgram('ldns-signzone'),
  notify: findProgram('ldns-notify'),
};
const missing = Object.entries(tools)
  .filter(([, p]) => p === undefined)
  .map(([n]) => n);
const skipReason = missing.length > 0 ? `missing ${missing.join(', ')}` : undefined;
if (skipReason !== undefined) process.stderr.write(`fleet-e2e: skipped: ${skipReason}\n`);

const SECRET = randomBytes(32).toString('base64');
const KEY_TEXT = `key "fleet-key" {\n    algorithm hmac-sha256;\n    secret "${SECRET}";\n};\n`;

let tmp: string;
let pgp: TestKey;
let src: FixtureServer;
const daemons: Daemon[] = [];
let tsigMirror: RootmirrorProcess;
let openMirror: RootmirrorProcess;
let zones: Record<number, Uint8Array>;

const portOf = (p: RootmirrorProcess): number => Number(p.ready.listen[0]!.split(':').pop());

/** small.zone at `serial`, signed with the fixture keys (ZONEMD SIMPLE SHA-384). */
function signedZone(serial: number, extra: string[]): Uint8Array {
  const text = readFileSync(join(FIX, 'small.zone'), 'utf8').replace(/ 2026110100 /, ` ${serial} `) + extra.join('\n') + '\n';
  const input = join(tmp, `root.${serial}.in`);
  writeFileSync(input, text);
  const out = join(tmp, `root.${serial}.signed`);
  execFileSync(tools.signzone!, ['-o', '.', '-i', '20260101000000', '-e', '20360101000000', '-z', '1:1', '-f', out, input, join(FIX, 'K.+008+08784'), join(FIX, 'K.+008+04667')]);
  return readFileSync(out);
}

async function publish(serial: number): Promise<void> {
  src.file('/root.zone', zones[serial]!);
  src.file('/root.zone.sig', await sign(pgp, zones[serial]!));
}

async function mirror(name: string, address: string, extra: string[]): Promise<RootmirrorProcess> {
  const dir = join(tmp, name);
  await seedDataDir(dir, `${src.base}/root.zone`, pgp);
  const p = await startRootmirror([
    'serve', '--data-dir', dir, '--verify', 'pgp', '--pgp-key', join(tmp, 'pgp.asc'), '--source', `${src.base}/root.zone`,
    '--listen', `${address}:0`, '--http', `${address}:0`, '--dnssec', 'keep', '--on-expired', 'servfail',
    '--refresh', '1', '--refresh-jitter', '0', '--monitor-interval', '0', '--allow-transfer', '127.0.0.0/8', ...extra,
  ]);
  daemons.push(p);
  return p;
}

/** Poll `probe` until it returns true or `ms` pass (each probe is a bounded DNS query). */
async function until(what: string, ms: number, probe: () => Promise<boolean>, log: () => string): Promise<number> {
  const t0 = Date.now();
  while (!(await probe())) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

async function serialAt(server: string, port: number, opts: string[] = ['+norec']): Promise<number | undefined> {
  const r = await dig(server, '.', 'SOA', opts, port);
  const soa = r.answer.find((l) => / SOA /.test(l));
  return soa === undefined ? undefined : Number(soa.split(' ')[6]);
}

/** A zone's records as sorted canonical lines (owner lower-cased, one SOA), for comparing two copies. */
function canonical(text: string): string[] {
  // dig prints the TSIG of each signed message as a record: not zone data.
  const zoneLines = text.split('\n').filter((l) => !/\sTSIG\s/.test(l)).join('\n');
  const lines = parseZoneText(zoneLines, { file: 'dump' }).map((rr) => `${rr.name.toString().toLowerCase()} ${rr.ttl} ${typeToString(rr.type)} ${rdataToText(rr.type, rr.rdata).toLowerCase()}`);
  return [...new Set(lines)].sort();
}

function digAxfr(server: string, port: number, extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('dig', [`@${server}`, '-p', String(port), '.', 'AXFR', '+nocomments', '+nostats', '+nocmd', ...extra], { timeout: 20_000, maxBuffer: 64 << 20 }, (e, stdout) =>
      e ? reject(e) : resolve(stdout),
    ),
  );
}

function notify(from: string, to: string, port: number, serial: number): void {
  execFileSync(tools.notify!, ['-I', from, '-z', '.', '-s', String(serial), '-p', String(port), '-r', '3', to], { stdio: 'ignore', timeout: 20_000 });
}

beforeAll(async () => {
  if (skipReason !== undefined) return;
  assertBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rootmirror-fleet-'));
  zones = { [S1]: signedZone(S1, []), [S2]: signedZone(S2, ['fleet.\t172800\tIN\tNS\tns1.example.', 'fleet.\t172800\tIN\tNS\tns2.example.']) };
  pgp = await makeKey('fleet test registry');
  writeFileSync(join(tmp, 'pgp.asc'), pgp.publicKey.armor());
  writeFileSync(join(tmp, 'fleet.key'), KEY_TEXT);
  src = await new FixtureServer().start();
  await publish(S1);
  [tsigMirror, openMirror] = await Promise.all([mirror('tsig', IP.tsigMirror, ['--tsig-key', join(tmp, 'fleet.key')]), mirror('open', IP.openMirror, [])]);
}, 60_000);

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await src?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 30_000);

describe.skipIf(skipReason !== undefined)('a fleet of secondaries fed by rootmirror', () => {
  let named: { d: Daemon; port: number };
  let unbound: { d: Daemon; port: number };

  it('BIND (type mirror, TSIG) and Unbound (auth-zone, zonemd-check) transfer serial 1 from rootmirror', async () => {
    const bindDir = join(tmp, 'bind');
    mkdirSync(bindDir);
    const bindPort = await freePort('127.0.0.1');
    const [tag, alg, digestType, digest] = readFileSync(ANCHOR, 'utf8').trim().split(/\s+/).slice(4);
    const zoneClause = printConfig('bind', `${IP.tsigMirror}:${portOf(tsigMirror)}`);
    writeFileSync(
      join(bindDir, 'named.conf'),
      `// test-only settings
options {
    directory "${bindDir}";
    pid-file "${bindDir}/named.pid";
    session-keyfile "${bindDir}/session.key";
    managed-keys-directory "${bindDir}";
    listen-on port ${bindPort} { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion yes;
    allow-query { 127.0.0.0/8; };
    allow-recursion { 127.0.0.0/8; };
    allow-transfer { 127.0.0.0/8; };  // so the test can compare what BIND holds
    dnssec-validation yes;
};
controls { };
trust-anchors { . static-ds ${tag} ${alg} ${digestType} "${digest}"; };
${KEY_TEXT}
// from rootmirror print-config bind --fleet
${zoneClause}`,
    );
    const check = spawnSync(findProgram('named-checkconf') ?? 'named-checkconf', [join(bindDir, 'named.conf')], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const d = startDaemon(tools.named!, ['-g', '-4', '-n', '1', '-c', join(bindDir, 'named.conf')]);
    daemons.push(d);
    named = { d, port: bindPort };

    const ubPort = await freePort(IP.unbound);
    writeFileSync(
      join(tmp, 'unbound.conf'),
      `# test-only settings
server:
    interface: ${IP.unbound}
    port: ${ubPort}
    # from loopback only: nothing leaves the machine (the root hints' servers are out of reach)
    outgoing-interface: ${IP.unbound}
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "${tmp}"
    pidfile: "${tmp}/unbound.pid"
    use-syslog: no
    logfile: ""
    # 4: the auth-zone transfer lines (IXFR or AXFR) are logged
    verbosity: 4
    num-threads: 1
    # fleet. DS is asked once, after the transfer; nothing negative is kept long anyway
    cache-max-negative-ttl: 1
    module-config: "validator iterator"
    trust-anchor-file: "${ANCHOR}"
remote-control:
    control-enable: no

# from rootmirror print-config unbound --fleet
${printConfig('unbound', `${IP.openMirror}:${portOf(openMirror)}`)}`,
    );
    const u = startDaemon(tools.unbound!, ['-d', '-c', join(tmp, 'unbound.conf')]);
    daemons.push(u);
    unbound = { d: u, port: ubPort };
    await Promise.all([waitTcp('127.0.0.1', bindPort, 15_000, 'named'), waitTcp(IP.unbound, ubPort, 15_000, 'unbound')]);

    await until('BIND transferred serial 1', 20_000, async () => /transferred serial 2026110100/.test(d.log()), d.log);
    await until('Unbound serves serial 1', 20_000, async () => (await serialAt(IP.unbound, ubPort, ['+rec'])) === S1, u.log);
    const m = await (await fetch(`http://${tsigMirror.ready.http}/metrics`)).text();
    expect(metric(m, 'rootmirror_dns_queries_total', { transport: 'tcp', rcode: 'NOERROR' })).toBeGreaterThanOrEqual(1);
    expect(metric(m, 'rootmirror_dns_transfer_tsig_refused_total')).toBe(0);
  }, 60_000);

  it('after rootmirror swaps in serial 2, a NOTIFY makes both pull it by IXFR and serve it within seconds', async () => {
    await publish(S2);
    await Promise.all([
      until('TSIG mirror serves serial 2', 20_000, async () => (await serialAt(IP.tsigMirror, portOf(tsigMirror))) === S2, tsigMirror.log),
      until('open mirror serves serial 2', 20_000, async () => (await serialAt(IP.openMirror, portOf(openMirror))) === S2, openMirror.log),
    ]);
    // EDNS EXPIRE (RFC 7314): the seconds the mirror's copy has left, at most the SOA expire, going down.
    const expire = async (): Promise<number> => Number(/; EXPIRE: (\d+)/.exec((await dig(IP.tsigMirror, '.', 'SOA', ['+expire', '+norec'], portOf(tsigMirror))).raw)?.[1]);
    const e1 = await expire();
    expect(e1).toBeGreaterThan(604800 - 120);
    expect(e1).toBeLessThanOrEqual(604800);
    const t0 = Date.now();
    notify(IP.tsigMirror, '127.0.0.1', named.port, S2);
    notify(IP.openMirror, IP.unbound, unbound.port, S2);
    const [bindMs, unboundMs] = await Promise.all([
      until('BIND transferred serial 2', 20_000, async () => /transferred serial 2026110101/.test(named.d.log()), named.d.log).then(() => Date.now() - t0),
      // Unbound keeps answering ". SOA" from its cache: its own log line says when the new copy is in use.
      until('Unbound uses serial 2', 20_000, async () => /auth zone \. updated to serial 2026110101/.test(unbound.d.log()), () => '').then(() => Date.now() - t0),
    ]);
    expect(named.d.log()).toMatch(/transferred serial 2026110101: TSIG 'fleet-key'/);
    expect(unbound.d.log()).toMatch(/auth zone \. transfer next IXFR fetch from 127\.63\.0\.2 started[^]*last IXFR packet[^]*ZONEMD verification successful[^]*updated to serial 2026110101/);
    process.stderr.write(`fleet-e2e: NOTIFY to new serial served: BIND ${bindMs} ms, Unbound ${unboundMs} ms\n`);
    expect(bindMs).toBeLessThan(10_000);
    expect(unboundMs).toBeLessThan(10_000);
    for (const p of [tsigMirror, openMirror]) {
      const m = await (await fetch(`http://${p.ready.http}/metrics`)).text();
      expect(metric(m, 'rootmirror_dns_ixfr_total', { result: 'incremental' }), `${p.ready.listen[0]} ${m.split('\n').filter((l) => l.includes('xfr')).join('\n')}`).toBeGreaterThanOrEqual(1);
    }
    // The resolvers answer from the new zone, validated (BIND) and ZONEMD-checked (Unbound).
    // fleet. exists only in serial 2: its (absent) DS is proven by the new NSEC chain, validated.
    for (const [server, port] of [['127.0.0.1', named.port], [IP.unbound, unbound.port]] as const) {
      const r = await dig(server, 'fleet.', 'DS', ['+rec', '+dnssec'], port);
      expect(r.status, `${server}: ${r.raw}`).toBe('NOERROR');
      expect(r.flags, `${server}: ${r.raw}`).toContain('ad');
      expect(r.raw).toMatch(/fleet\.\s+\d+\s+IN\s+NSEC\s+many\./);
    }
  }, 60_000);

  it('what each secondary holds equals an AXFR from rootmirror', async () => {
    const reference = canonical(await digAxfr(IP.tsigMirror, portOf(tsigMirror), ['-y', `hmac-sha256:fleet-key:${SECRET}`]));
    expect(reference.some((l) => l.startsWith(`. 86400 SOA`) && l.includes(` ${S2} `))).toBe(true);
    expect(reference.length).toBeGreaterThan(100);
    const read = (file: string): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    // BIND (a mirror zone refuses AXFR out): the zone file of serial 1 plus the journal the IXFR wrote,
    // applied by BIND's own named-compilezone -j, is what it serves.
    const db = join(tmp, 'bind', 'db.root.mirror');
    await until('BIND wrote the IXFR to its journal', 15_000, async () => read(`${db}.jnl`) !== '', named.d.log);
    const compiled = join(tmp, 'bind-held.zone');
    execFileSync(findProgram('named-compilezone') ?? 'named-compilezone', ['-j', '-i', 'none', '-f', 'text', '-F', 'text', '-o', compiled, '.', db], { cwd: join(tmp, 'bind'), stdio: 'ignore' });
    expect(canonical(read(compiled)), 'BIND').toEqual(reference);
    // Unbound writes what it holds to its zonefile after the transfer.
    const file = join(tmp, 'root.zone');
    await until(`Unbound wrote serial 2 to ${file}`, 15_000, async () => read(file).includes(`${S2}`), unbound.d.log);
    expect(canonical(read(file)), 'Unbound').toEqual(reference);
  }, 60_000);
});

/** `rootmirror print-config RESOLVER --fleet`, the key name for BIND (Unbound has no TSIG for auth-zone). */
function printConfig(resolver: 'bind' | 'unbound', address: string): string {
  const args = [BIN, 'print-config', resolver, '--fleet', '--address', address, '--dnssec', 'keep', ...(resolver === 'bind' ? ['--tsig-key-name', 'fleet-key'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  if (r.status !== 0) throw new Error(`print-config ${resolver} --fleet failed: ${r.stderr}`);
  expect(r.stderr).toBe('');
  return r.stdout;
}
