// Real resolvers using rootmirror for the root, configured with exactly the
// text `rootmirror print-config` prints (plus test-only settings: addresses,
// no chroot, no privilege drop, the test trust anchor).
//
// The world, all on 127.62.0.0/16 port 53 (resolvers only talk to port 53):
//   127.62.0.1   rootmirror --dnssec strip   serving a test root zone
//   127.62.0.11  rootmirror --dnssec keep    serving the same zone
//   127.62.0.2   NSD: test. (signed here, DS in the root), many. (13 NS, a
//                referral larger than 512 bytes), unsigned. (no DS: insecure)
//   127.62.0.3   dnscache        → strip mirror
//   127.62.0.4   Unbound, validating, stub-zone → keep mirror
//   127.62.0.5   Unbound, validating, stub-zone → strip mirror (must fail)
//   127.62.0.6   Unbound, validating, auth-zone (the printed alternative) → keep mirror
//   127.62.0.7   BIND (named), validating, static-stub → keep mirror      } run when
//                (BIND only listens on addresses configured on an interface:
//                 it takes client queries on 127.0.0.1, a free port)
//   127.62.0.8   Knot Resolver (kresd), validating, root hints → keep      } installed
//   127.62.0.9   PowerDNS Recursor, validating, forward-zones → keep      }
// The root zone is test/fixtures/signed/small.zone with the glue moved to
// 127.62.0.2 and the real DS of the test. key made here, signed with the
// fixture keys, so test/fixtures/signed/trust-anchor.ds anchors it.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt, dig, findProgram, freePort, isRoot, metric, startDaemon, startRootmirror, waitTcp, type Daemon, type RootmirrorProcess } from './helpers/processes.js';

const FIX = fileURLToPath(new URL('./fixtures/signed/', import.meta.url));
const KSK = join(FIX, 'K.+008+04667');
const ZSK = join(FIX, 'K.+008+08784');
const ANCHOR = join(FIX, 'trust-anchor.ds');

const IP = {
  strip: '127.62.0.1',
  keep: '127.62.0.11',
  auth: '127.62.0.2',
  dnscache: '127.62.0.3',
  unboundKeep: '127.62.0.4',
  unboundStrip: '127.62.0.5',
  unboundAuthZone: '127.62.0.6',
  bind: '127.62.0.7',
  kresd: '127.62.0.8',
  pdns: '127.62.0.9',
} as const;

const tools = {
  nsd: findProgram('nsd'),
  dnscache: findProgram('dnscache'),
  unbound: findProgram('unbound'),
  dig: findProgram('dig'),
  keygen: findProgram('ldns-keygen'),
  signzone: findProgram('ldns-signzone'),
  key2ds: findProgram('ldns-key2ds'),
};
const missing = Object.entries(tools)
  .filter(([, p]) => p === undefined)
  .map(([n]) => n);
// Port 53 on loopback aliases, dnscache's chroot: root only.
const skipReason = !isRoot ? 'needs root (port 53, dnscache chroot)' : missing.length > 0 ? `missing ${missing.join(', ')}` : undefined;
if (skipReason !== undefined) process.stderr.write(`resolvers-e2e: skipped: ${skipReason}\n`);

let tmp: string;
const daemons: Daemon[] = [];
let strip: RootmirrorProcess;
let keep: RootmirrorProcess;

function printConfig(resolver: string, address: string, dnssec: 'strip' | 'keep'): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'print-config', resolver, '--address', address, '--dnssec', dnssec], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  if (r.status !== 0) throw new Error(`print-config ${resolver} failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

const run = (cmd: string, args: string[], cwd = tmp): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Zones for NSD and the root that delegates to it. */
function buildWorld(): string {
  const soa = (origin: string) => `${origin} 3600 IN SOA ns1.${origin} hostmaster.${origin} 2026112901 3600 900 604800 300`;
  // test.: signed here with throw-away ECDSA keys (fast), DS goes into the root.
  writeFileSync(
    join(tmp, 'test.zone'),
    [soa('test.'), 'test. 3600 IN NS ns1.test.', 'test. 3600 IN NS ns2.test.', `ns1.test. 3600 IN A ${IP.auth}`, `ns2.test. 3600 IN A ${IP.auth}`, 'www.test. 3600 IN A 192.0.2.80', ''].join('\n'),
  );
  const ksk = run(tools.keygen!, ['-a', 'ECDSAP256SHA256', '-k', 'test.']).trim();
  const zsk = run(tools.keygen!, ['-a', 'ECDSAP256SHA256', 'test.']).trim();
  run(tools.signzone!, ['-o', 'test.', '-i', '20260101000000', '-e', '20360101000000', '-f', 'test.zone.signed', 'test.zone', zsk, ksk]);
  const ds = run(tools.key2ds!, ['-n', '-2', `${ksk}.key`]).trim();
  // many.: 13 name servers with glue, so the root's referral needs > 512 octets.
  const letters = 'abcdefghijklm'.split('');
  writeFileSync(
    join(tmp, 'many.zone'),
    [soa('many.').replace(/ns1\.many\./, 'a.nic.many.'), ...letters.map((l) => `many. 3600 IN NS ${l}.nic.many.`), ...letters.map((l) => `${l}.nic.many. 3600 IN A ${IP.auth}`), 'www.many. 3600 IN A 192.0.2.81', ''].join('\n'),
  );
  writeFileSync(join(tmp, 'unsigned.zone'), [soa('unsigned.'), 'unsigned. 3600 IN NS ns1.unsigned.', `ns1.unsigned. 3600 IN A ${IP.auth}`, 'www.unsigned. 3600 IN A 192.0.2.82', ''].join('\n'));

  // The root: the small fixture, glue moved here, real DS for test., none for many.
  const root = readFileSync(join(FIX, 'small.zone'), 'utf8')
    .split('\n')
    .filter((l) => !/^many\.\s.*\sDS\s/.test(l) && !/^test\.\s.*\sDS\s/.test(l))
    .map((l) => l.replace(/^((?:ns1|ns2)\.test\.|ns1\.unsigned\.|[a-m]\.nic\.many\.)(\s+\d+\s+IN\s+A\s+)\S+$/, `$1$2${IP.auth}`))
    .concat([ds, ''])
    .join('\n');
  writeFileSync(join(tmp, 'root.in'), root);
  run(tools.signzone!, ['-o', '.', '-i', '20260101000000', '-e', '20360101000000', '-z', '1:1', '-f', 'root.zone.signed', 'root.in', ZSK, KSK]);

  writeFileSync(
    join(tmp, 'nsd.conf'),
    `server:
  ip-address: ${IP.auth}
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "${tmp}"
  pidfile: "${tmp}/nsd.pid"
  database: ""
  xfrdfile: "${tmp}/xfrd.state"
  zonelistfile: "${tmp}/zone.list"
  logfile: "${tmp}/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: "test."
  zonefile: "test.zone.signed"
zone:
  name: "many."
  zonefile: "many.zone"
zone:
  name: "unsigned."
  zonefile: "unsigned.zone"
`,
  );
  return join(tmp, 'root.zone.signed');
}

async function mirror(address: string, dnssec: 'strip' | 'keep', zone: string): Promise<RootmirrorProcess> {
  const p = await startRootmirror([
    'serve',
    '--zone-file',
    zone,
    '--listen',
    `${address}:53`,
    '--http',
    `${address}:0`,
    '--dnssec',
    dnssec,
    '--monitor-interval',
    '0',
    '--on-expired',
    'servfail',
  ]);
  daemons.push(p);
  return p;
}

beforeAll(async () => {
  if (skipReason !== undefined) return;
  assertBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rootmirror-resolvers-'));
  const zone = buildWorld();
  const nsd = startDaemon(tools.nsd!, ['-d', '-c', join(tmp, 'nsd.conf')]);
  daemons.push(nsd);
  [strip, keep] = await Promise.all([mirror(IP.strip, 'strip', zone), mirror(IP.keep, 'keep', zone), waitTcp(IP.auth, 53, 10_000, 'nsd')]);
}, 60_000);

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 30_000);

describe.skipIf(skipReason !== undefined)('dnscache through rootmirror (--dnssec strip)', () => {
  let cache: Daemon;
  beforeAll(async () => {
    const root = join(tmp, 'dnscache-root');
    mkdirSync(join(root, 'servers'), { recursive: true });
    mkdirSync(join(root, 'ip'), { recursive: true });
    writeFileSync(join(root, 'ip', '127'), ''); // accept clients 127.*
    // Exactly what print-config says to do: the `echo ADDR > .../servers/@` line,
    // with the Debian path replaced by this test's root.
    const { stdout, stderr } = printConfig('dnscache', IP.strip, 'strip');
    expect(stderr).toBe('');
    const echo = stdout.split('\n').find((l) => /^echo \S+ > \S+\/root\/servers\/@$/.test(l));
    expect(echo).toBe(`echo ${IP.strip} > /etc/sv/dnscache/root/servers/@`);
    execFileSync('sh', ['-c', echo!.replace('/etc/sv/dnscache/root/', `${root}/`)]);
    expect(readFileSync(join(root, 'servers', '@'), 'utf8')).toBe(`${IP.strip}\n`);
    cache = startDaemon(tools.dnscache!, [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { IP: IP.dnscache, IPSEND: IP.dnscache, CACHESIZE: '1000000', ROOT: root, UID: '0', GID: '0' },
    });
    daemons.push(cache);
    cache.child.stdin!.end(randomBytes(128)); // dnscache seeds its query IDs and ports from stdin
    await waitTcp(IP.dnscache, 53, 10_000, 'dnscache');
  });

  it('resolves www.test. A: root referral from the mirror, answer from the TLD server', async () => {
    const r = await dig(IP.dnscache, 'www.test.', 'A', ['+rec']);
    expect(r.status, r.raw + cache.log()).toBe('NOERROR');
    expect(r.answer).toEqual(['www.test. 3600 IN A 192.0.2.80']);
  });

  it('resolves www.many. A, whose referral only fits over TCP (no EDNS → TC → TCP retry)', async () => {
    const before = await (await fetch(`http://${strip.ready.http}/metrics`)).text();
    const r = await dig(IP.dnscache, 'www.many.', 'A', ['+rec']);
    expect(r.status, r.raw + cache.log()).toBe('NOERROR');
    expect(r.answer).toEqual(['www.many. 3600 IN A 192.0.2.81']);
    const after = await (await fetch(`http://${strip.ready.http}/metrics`)).text();
    expect(metric(after, 'rootmirror_dns_truncated_total') - metric(before, 'rootmirror_dns_truncated_total')).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'rootmirror_dns_queries_total', { transport: 'tcp', rcode: 'NOERROR' }) - metric(before, 'rootmirror_dns_queries_total', { transport: 'tcp', rcode: 'NOERROR' })).toBeGreaterThanOrEqual(1);
  });
});

/** Test-only Unbound settings, then the print-config text verbatim. */
function unboundConf(name: string, listen: string, printed: string): string {
  const conf = join(tmp, `${name}.conf`);
  writeFileSync(
    conf,
    `# test-only settings
server:
    interface: ${listen}
    port: 53
    outgoing-interface: ${listen}
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "${tmp}"
    pidfile: "${tmp}/${name}.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    num-threads: 1
    module-config: "validator iterator"
    # test. is a locally served zone by default (RFC 6761); here it is delegated.
    local-zone: "test." nodefault
    trust-anchor-file: "${ANCHOR}"
remote-control:
    control-enable: no

# from rootmirror print-config unbound
${printed}`,
  );
  return conf;
}

async function startUnbound(name: string, listen: string, printed: string): Promise<Daemon> {
  const d = startDaemon(tools.unbound!, ['-d', '-c', unboundConf(name, listen, printed)]);
  daemons.push(d);
  await waitTcp(listen, 53, 10_000, `unbound ${name}`);
  return d;
}

describe.skipIf(skipReason !== undefined)('Unbound through rootmirror', () => {
  it('--dnssec keep + stub-zone: validates www.test. A (AD), and www.unsigned. stays insecure (no AD)', async () => {
    const { stdout, stderr } = printConfig('unbound', IP.keep, 'keep');
    expect(stderr).toBe('');
    const u = await startUnbound('unbound-keep', IP.unboundKeep, stdout);
    const r = await dig(IP.unboundKeep, 'www.test.', 'A', ['+rec', '+dnssec']);
    expect(r.status, r.raw + u.log()).toBe('NOERROR');
    expect(r.flags).toContain('ad');
    expect(r.answer).toContain('www.test. 3600 IN A 192.0.2.80');
    const i = await dig(IP.unboundKeep, 'www.unsigned.', 'A', ['+rec', '+dnssec']);
    expect(i.status, i.raw + u.log()).toBe('NOERROR');
    expect(i.flags).not.toContain('ad');
    expect(i.answer).toEqual(['www.unsigned. 3600 IN A 192.0.2.82']);
    const n = await dig(IP.unboundKeep, 'nonexistent-tld.', 'A', ['+rec', '+dnssec']);
    expect(n.status, n.raw + u.log()).toBe('NXDOMAIN');
    expect(n.flags).toContain('ad'); // validated denial from the root's NSEC chain
  });

  it('--dnssec strip: print-config warns, and the warning is true: Unbound answers SERVFAIL', async () => {
    const { stdout, stderr } = printConfig('unbound', IP.strip, 'strip');
    expect(stderr).toMatch(/--dnssec strip.*fails validation.*--dnssec keep/);
    const u = await startUnbound('unbound-strip', IP.unboundStrip, stdout);
    const r = await dig(IP.unboundStrip, 'www.test.', 'A', ['+rec', '+dnssec']);
    expect(r.status, r.raw + u.log()).toBe('SERVFAIL');
    expect(strip.log()).toMatch(/validating resolver \(DO bit set\) is querying a zone served with --dnssec strip/);
    const m = await (await fetch(`http://${strip.ready.http}/metrics`)).text();
    expect(metric(m, 'rootmirror_dns_do_on_stripped_total')).toBeGreaterThanOrEqual(1);
  });

  it('--dnssec keep + the printed auth-zone alternative: transfers the zone, checks ZONEMD, validates (AD)', async () => {
    const { stdout } = printConfig('unbound', IP.keep, 'keep');
    // The alternative block, uncommented; the stub-zone clause left out ("instead of, not with").
    const lines = stdout.split('\n');
    const from = lines.indexOf('# auth-zone:');
    expect(from).toBeGreaterThan(0);
    const alt = lines.slice(from).filter((l) => l.startsWith('#')).map((l) => l.slice(2));
    const server = lines.slice(0, lines.indexOf('stub-zone:'));
    const u = await startUnbound('unbound-authzone', IP.unboundAuthZone, [...server, ...alt, ''].join('\n'));
    // The transfer happens in the background after start: wait for the zone file.
    const deadline = Date.now() + 15_000;
    let r = await dig(IP.unboundAuthZone, 'www.test.', 'A', ['+rec', '+dnssec']);
    while (!/ad/.test(r.flags.join(' ')) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      r = await dig(IP.unboundAuthZone, 'www.test.', 'A', ['+rec', '+dnssec']);
    }
    expect(r.status, r.raw + u.log()).toBe('NOERROR');
    expect(r.flags).toContain('ad');
    expect(readFileSync(join(tmp, 'root.zone'), 'utf8')).toMatch(/ZONEMD/);
    const m = await (await fetch(`http://${keep.ready.http}/metrics`)).text();
    expect(metric(m, 'rootmirror_dns_queries_total', { transport: 'tcp', qtype: 'AXFR', rcode: 'NOERROR' })).toBeGreaterThanOrEqual(1);
  });
});

// The other validating resolvers print-config knows; they run when installed
// (bind9, knot-resolver, pdns-recursor) and are skipped otherwise.
const named = findProgram('named');
const kresd = findProgram('kresd');
const pdns = findProgram('pdns_recursor');
/** The fixture trust anchor's DS fields: `4667 8 2 7f10…`. */
const anchorDs = (): string[] => readFileSync(ANCHOR, 'utf8').trim().split(/\s+/).slice(4);

async function expectValidated(server: string, d: Daemon, port = 53): Promise<void> {
  const r = await dig(server, 'www.test.', 'A', ['+rec', '+dnssec'], port);
  expect(r.status, r.raw + d.log()).toBe('NOERROR');
  expect(r.flags, r.raw).toContain('ad');
  expect(r.answer).toContain('www.test. 3600 IN A 192.0.2.80');
  const n = await dig(server, 'nonexistent-tld.', 'A', ['+rec', '+dnssec'], port);
  expect(n.status, n.raw + d.log()).toBe('NXDOMAIN');
}

describe.skipIf(skipReason !== undefined || named === undefined)('BIND through rootmirror (--dnssec keep)', () => {
  /** named.conf: test-only options, then `zones` (from print-config). */
  async function startNamed(name: string, zones: string): Promise<{ d: Daemon; port: number; dir: string }> {
    const dir = join(tmp, name);
    mkdirSync(dir);
    const port = await freePort('127.0.0.1');
    const [tag, alg, digestType, digest] = anchorDs();
    writeFileSync(
      join(dir, 'named.conf'),
      `// test-only settings
options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    session-keyfile "${dir}/session.key";
    managed-keys-directory "${dir}";
    listen-on port ${port} { 127.0.0.1; };
    listen-on-v6 { none; };
    query-source address ${IP.bind};
    transfer-source ${IP.bind};
    recursion yes;
    allow-query { 127.0.0.0/8; };
    allow-recursion { 127.0.0.0/8; };
    dnssec-validation yes;
};
controls { };
trust-anchors { . static-ds ${tag} ${alg} ${digestType} "${digest}"; };

// from rootmirror print-config bind
${zones}`,
    );
    const check = spawnSync(findProgram('named-checkconf') ?? 'named-checkconf', [join(dir, 'named.conf')], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const d = startDaemon(named!, ['-g', '-4', '-n', '1', '-c', join(dir, 'named.conf')]);
    daemons.push(d);
    await waitTcp('127.0.0.1', port, 15_000, 'named').catch((e: Error) => {
      throw new Error(`${e.message}: ${d.log()}`);
    });
    return { d, port, dir };
  }

  it('static-stub for ".": validates www.test. A (AD)', async () => {
    const { stdout, stderr } = printConfig('bind', IP.keep, 'keep');
    expect(stderr).toBe('');
    const { d, port } = await startNamed('bind-static-stub', stdout);
    await expectValidated('127.0.0.1', d, port);
  });

  it('the printed mirror-zone alternative: transfers the zone from rootmirror, validates it, answers (AD)', async () => {
    const { stdout } = printConfig('bind', IP.keep, 'keep');
    const lines = stdout.split('\n');
    const alt = lines.slice(lines.indexOf('// zone "." {')).filter((l) => l.startsWith('// ')).map((l) => l.slice(3));
    const { d, port, dir } = await startNamed('bind-mirror', alt.join('\n') + '\n');
    const deadline = Date.now() + 15_000;
    while (!/mirror zone loaded|transferred serial 2026110100/.test(d.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(d.log()).toMatch(/zone \.\/IN: transferred serial 2026110100/);
    // named writes the file after it logs the transfer (the dump is queued): wait for it.
    const file = join(dir, 'db.root.mirror');
    const written = Date.now() + 15_000;
    while (!(existsSync(file) && statSync(file).size > 0) && Date.now() < written) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(file).length).toBeGreaterThan(0);
    await expectValidated('127.0.0.1', d, port);
  });
});

describe.skipIf(skipReason !== undefined || kresd === undefined)('Knot Resolver through rootmirror (--dnssec keep)', () => {
  // kresd ignores glue on 127.0.0.0/8 (lib/layer/iterate.c), so the TLD servers of
  // this test are out of its reach: it is asked what the root zone itself answers.
  it('root hints → the mirror: validated root answers (AD), and still from the mirror once ". NS" is cached', async () => {
    const { stdout, stderr } = printConfig('knot-resolver', IP.keep, 'keep');
    expect(stderr).toBe('');
    const dir = join(tmp, 'kresd');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'kresd.conf'),
      `-- test-only settings
net.listen('${IP.kresd}', 53, { kind = 'dns' })
net.ipv6 = false
net.outgoing_v4('${IP.kresd}')
cache.open(10 * MB, 'lmdb://${dir}/cache')
trust_anchors.remove('.')
trust_anchors.add('${readFileSync(ANCHOR, 'utf8').trim()}')

-- from rootmirror print-config knot-resolver
${stdout}`,
    );
    const d = startDaemon(kresd!, ['-n', '-c', join(dir, 'kresd.conf'), dir]);
    daemons.push(d);
    await waitTcp(IP.kresd, 53, 15_000, 'kresd');
    const queries = async () => metric(await (await fetch(`http://${keep.ready.http}/metrics`)).text(), 'rootmirror_dns_queries_total');
    const ns = await dig(IP.kresd, '.', 'NS', ['+rec', '+dnssec']);
    expect(ns.status, ns.raw + d.log()).toBe('NOERROR');
    expect(ns.flags).toContain('ad');
    // ". NS" (the real roots' names) is cached now; without the hints for those
    // names kresd would look them up and send the next questions to the real roots.
    for (const [qname, qtype, rcode] of [
      ['nonexistent-tld.', 'A', 'NXDOMAIN'],
      ['com.', 'DS', 'NOERROR'],
      ['unsigned.', 'DS', 'NOERROR'],
    ] as const) {
      const before = await queries();
      const r = await dig(IP.kresd, qname, qtype, ['+rec', '+dnssec']);
      expect(r.status, `${qname} ${qtype}\n${r.raw}`).toBe(rcode);
      expect(r.flags, `${qname} ${qtype}\n${r.raw}`).toContain('ad');
      expect(await queries(), `${qname} ${qtype} asked of the mirror`).toBeGreaterThan(before);
    }
  });
});

describe.skipIf(skipReason !== undefined || pdns === undefined)('PowerDNS Recursor through rootmirror (--dnssec keep)', () => {
  it('forward-zones=.: validates www.test. A (AD)', async () => {
    const { stdout, stderr } = printConfig('pdns-recursor', IP.keep, 'keep');
    expect(stderr).toBe('');
    const dir = join(tmp, 'pdns');
    mkdirSync(dir);
    writeFileSync(join(dir, 'recursor.lua'), `clearTA('.')\naddTA('.', '${anchorDs().join(' ')}')\n`);
    writeFileSync(
      join(dir, 'recursor.conf'),
      `# test-only settings
local-address=${IP.pdns}
local-port=53
allow-from=127.0.0.0/8
query-local-address=${IP.pdns}
dnssec=validate
daemon=no
socket-dir=${dir}
lua-config-file=${dir}/recursor.lua
# the TLD servers of this test are on loopback, which PowerDNS refuses to query by default
dont-query=

# from rootmirror print-config pdns-recursor
${stdout}`,
    );
    const d = startDaemon(pdns!, [`--config-dir=${dir}`]);
    daemons.push(d);
    await waitTcp(IP.pdns, 53, 15_000, 'pdns_recursor');
    await expectValidated(IP.pdns, d);
  });
});
