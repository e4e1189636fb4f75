#!/usr/bin/env node
// Server throughput benchmark: dnsperf against rootmirror and the reference
// servers, all serving the same root zone, in one run on this machine.
//
//   npm run bench [-- OPTIONS]        (builds dist/, then runs this; needs root)
//   node bench/dnsperf.mjs [OPTIONS]
//
// Per server, one after the other (echo, rootmirror, rootmirror --workers 2,
// nsd, knot, bind, unbound, tinydns): start it with bench/peers/start-peer.sh
// pinned to --server-cpus, then with dnsperf pinned to --load-cpus
//   warm-up  --warmup s at full speed (JIT, answer caches);
//   max      --duration s at full speed: qps, avg/max latency, lost;
//   rate     --rate qps for --rate-duration s with dnsperf -v: lost, p99, max,
//            and every response's rcode checked against the zone (NXDOMAIN iff
//            the TLD does not exist): a peer answering REFUSED, SERVFAIL or a
//            local-zone NOERROR is misconfigured and the run says so;
//   memory   RSS/PSS of the server's process tree (/proc) after both phases,
//            and the server's CPU time per query in each phase (/proc stat):
//            on a shared host, CPU µs per query moves less than qps does.
// Prints a Markdown table and the target checks; writes JSON + Markdown to
// --out (bench/results/, gitignored). Servers, temp dirs and the loopback
// address BIND needs are removed at the end, also on Ctrl-C. Exit status 1
// when a server failed or answered wrongly.
//
// Same data for everyone: rootmirror serves the zone file with --dnssec strip;
// the peers get `rootmirror export --dnssec strip` of the same file (BIND
// format; tinydns-data format for tinydns), so all serve the same RRsets (no
// DS, DNSKEY, RRSIG, NSEC, ZONEMD: the 10% DS queries get NODATA everywhere,
// except from tinydns, which answers a DS at a cut with the referral).
// dnsperf sends no EDNS (like dnscache, the resolver strip mode is for), so
// answers are cut to 512 octets. A peer whose average response differs from
// rootmirror's by more than 10% is flagged: it is not serving the same data.
// --dnssec keep serves the signed zone to all but tinydns and makes dnsperf
// set DO (the validating-resolver case); it is only fair with RRSIGs that are
// current: BIND drops expired ones at load (the fixtures' expired 2026-09-04).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPeer, peerAvailable } from './peers/peers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

// --- options --------------------------------------------------------------------
const ALL = ['echo', 'rootmirror', 'rootmirror-w2', 'nsd', 'knot', 'bind', 'unbound', 'tinydns'];
const opt = {
  servers: ALL,
  zone: join(ROOT, 'test/fixtures/root-zone/root.zone.2026082200'),
  duration: 15,
  warmup: 3,
  rate: 20000,
  rateDuration: 10,
  clients: 4,
  outstanding: 100,
  queries: 100000,
  timeout: 2,
  rounds: 1,
  nodeFlags: undefined, // start-peer.sh's default: the deployed --max-semi-space-size=1
  serverCpus: '1',
  loadCpus: '0',
  dnssec: 'strip',
  edns: false,
  out: join(HERE, 'results'),
};
const USAGE = `usage: node bench/dnsperf.mjs [options]
  --servers LIST      comma-separated, from ${ALL.join(',')} (default all)
  --quick             short validation run: --warmup 1 --duration 3 --rate-duration 3
  --duration S        max-throughput phase length (${opt.duration})
  --warmup S          warm-up before it (${opt.warmup})
  --rate QPS          fixed-rate phase (${opt.rate}), --rate-duration S (${opt.rateDuration})
  --clients N         dnsperf -c (${opt.clients}); --outstanding N: dnsperf -q (${opt.outstanding})
  --rounds N          run the whole sequence N times; the table shows each
                      server's median round by max qps (default 1)
  --queries N         query file size (${opt.queries}), made by bench/querymix.mjs
  --zone FILE         root zone (${opt.zone.slice(ROOT.length + 1)})
  --dnssec strip|keep strip: everyone serves the stripped zone, no EDNS (default);
                      keep: signed zone, dnsperf sets DO (tinydns still stripped)
  --edns              dnsperf -e (EDNS0 without DO) in strip mode
  --server-cpus LIST  taskset for the servers (${opt.serverCpus}; rootmirror-w2 gets server+load CPUs)
  --node-flags FLAGS  node flags for rootmirror (default: the deployed --max-semi-space-size=1)
  --load-cpus LIST    taskset for dnsperf (${opt.loadCpus})
  --out DIR           results directory (bench/results)`;
{
  const a = process.argv.slice(2);
  const val = (i) => {
    if (a[i + 1] === undefined) die(`${a[i]} needs a value\n${USAGE}`, 2);
    return a[i + 1];
  };
  const num = (i) => {
    const n = Number(val(i));
    if (!(n > 0)) die(`${a[i]} wants a positive number`, 2);
    return n;
  };
  for (let i = 0; i < a.length; i++) {
    switch (a[i]) {
      case '--servers': opt.servers = val(i).split(','); i++; break;
      case '--quick': Object.assign(opt, { warmup: 1, duration: 3, rateDuration: 3 }); break;
      case '--duration': opt.duration = num(i); i++; break;
      case '--warmup': opt.warmup = Number(val(i)); i++; break;
      case '--rate': opt.rate = num(i); i++; break;
      case '--rate-duration': opt.rateDuration = num(i); i++; break;
      case '--clients': opt.clients = num(i); i++; break;
      case '--outstanding': opt.outstanding = num(i); i++; break;
      case '--queries': opt.queries = num(i); i++; break;
      case '--rounds': opt.rounds = num(i); i++; break;
      case '--zone': opt.zone = resolve(val(i)); i++; break;
      case '--dnssec': opt.dnssec = val(i); i++; break;
      case '--edns': opt.edns = true; break;
      case '--server-cpus': opt.serverCpus = val(i); i++; break;
      case '--node-flags': opt.nodeFlags = val(i); i++; break;
      case '--load-cpus': opt.loadCpus = val(i); i++; break;
      case '--out': opt.out = resolve(val(i)); i++; break;
      case '-h': case '--help': console.log(USAGE); process.exit(0);
      default: die(`unknown option ${a[i]}\n${USAGE}`, 2);
    }
  }
  for (const s of opt.servers) if (!ALL.includes(s)) die(`unknown server ${s} (known: ${ALL.join(', ')})`, 2);
  if (!['strip', 'keep'].includes(opt.dnssec)) die('--dnssec strip|keep', 2);
}

function die(msg, code = 1) {
  console.error(`bench: ${msg}`);
  process.exit(code);
}
const log = (msg) => console.error(`bench: ${msg}`);

// --- where each server listens (127.63.0.0/16 is this benchmark's range) -----------------
const SERVERS = {
  echo: { peer: 'echo', addr: '127.63.0.6', port: 5306 },
  rootmirror: { peer: 'rootmirror', addr: '127.63.0.10', port: 5310 },
  'rootmirror-w2': { peer: 'rootmirror', addr: '127.63.0.11', port: 5311, threads: 2, allCpus: true },
  nsd: { peer: 'nsd', addr: '127.63.0.1', port: 5301 },
  knot: { peer: 'knot', addr: '127.63.0.2', port: 5302 },
  // named listens only on addresses configured on an interface: start-peer.sh
  // adds 127.63.0.3/32 to lo for the run and deletes it afterwards.
  bind: { peer: 'bind', addr: '127.63.0.3', port: 5303 },
  unbound: { peer: 'unbound', addr: '127.63.0.4', port: 5304 },
  // djbdns hard-codes port 53.
  tinydns: { peer: 'tinydns', addr: '127.63.0.5', port: 53 },
};

// --- preflight ------------------------------------------------------------------------
const have = (b) => spawnSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' }).status === 0;
for (const b of ['dnsperf', 'taskset', 'dig']) if (!have(b)) die(`${b} is not installed (apt-get install dnsperf util-linux bind9-dnsutils)`);
if (!existsSync(join(ROOT, 'dist/bundle/main.js'))) die('dist/ is missing: run npm run build (npm run bench does)');
if (process.getuid?.() !== 0) log('not root: bind (needs an address on lo) and tinydns (chroot) will fail');
const servers = [];
for (const s of ALL.filter((x) => opt.servers.includes(x))) {
  if (peerAvailable(SERVERS[s].peer)) servers.push(s);
  else log(`skipping ${s}: not installed`);
}
const allCpus = [...new Set(`${opt.serverCpus},${opt.loadCpus}`.split(','))].sort((a, b) => parseInt(a) - parseInt(b)).join(',');
if (cpus().length < 2) log(`only ${cpus().length} CPU: server and dnsperf share it, numbers mean little`);

// --- cleanup on every way out -------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'rootmirror-bench.'));
const running = new Set(); // peers
const loaders = new Set(); // dnsperf processes
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const c of loaders) c.kill('SIGTERM');
  await Promise.all([...running].map((p) => p.stop()));
  rmSync(work, { recursive: true, force: true });
}
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true;
    log(`${sig}: stopping servers`);
    void cleanup().then(() => process.exit(130));
  });
}

// --- run a program, collect its output --------------------------------------------------------
function run(cmd, args, { onLine } = {}) {
  return new Promise((resolveRun, reject) => {
    // Per-query output (dnsperf -v) goes to a file and is read after the run:
    // reading it through a pipe while dnsperf runs makes this process compete
    // with dnsperf and the server, and the latency tail it measured was mostly
    // that (p99 ~2 ms for the echo through a pipe, ~0.3 ms through a file).
    const perQuery = onLine ? join(work, `dnsperf-v-${process.hrtime.bigint()}.txt`) : undefined;
    const fd = perQuery ? openSync(perQuery, 'w') : undefined;
    const child = spawn(cmd, args, { stdio: ['ignore', fd ?? 'pipe', 'pipe'] });
    loaders.add(child);
    child.on('exit', () => loaders.delete(child));
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (fd !== undefined) {
        closeSync(fd);
        for (const l of readFileSync(perQuery, 'utf8').split('\n')) {
          if (l.startsWith('> ')) onLine(l);
          else out += l + '\n';
        }
        rmSync(perQuery, { force: true });
      }
      if (code === 0) resolveRun(out);
      else reject(new Error(`${cmd} exited ${code}: ${err.trim().slice(-2000)}`));
    });
  });
}

// --- data: the zone for the peers, the query file, the TLDs -------------------------------------
const rootmirror = (...args) => execFileSync(process.execPath, [join(ROOT, 'bin/rootmirror'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
const peerZone = join(work, 'root.zone');
const tinydnsData = join(work, 'root.tinydns');
rootmirror('export', opt.zone, '--format', 'bind', '--dnssec', opt.dnssec, '-o', peerZone);
if (servers.includes('tinydns')) rootmirror('export', opt.zone, '--format', 'tinydns', '--dnssec', 'strip', '-o', tinydnsData);
const queryFile = join(work, 'queries.txt');
execFileSync(process.execPath, [join(HERE, 'querymix.mjs'), opt.zone, '-n', String(opt.queries), '-o', queryFile], { stdio: ['ignore', 'ignore', 'inherit'] });
const tlds = new Set();
for (const line of readFileSync(peerZone, 'utf8').split('\n')) {
  const f = line.split(/\s+/);
  if (f[3] === 'NS' && f[0] !== '.' && f[0].indexOf('.') === f[0].length - 1) tlds.add(f[0].toLowerCase());
}
if (tlds.size === 0) die(`no TLDs found in the exported zone ${peerZone}`);

// --- dnsperf ------------------------------------------------------------------------------------
function dnsperfArgs(s, seconds, extra) {
  const a = ['-c', opt.loadCpus, 'dnsperf', '-s', s.addr, '-p', String(s.port), '-d', queryFile, '-l', String(seconds), '-t', String(opt.timeout)];
  if (opt.dnssec === 'keep') a.push('-D');
  else if (opt.edns) a.push('-e');
  return [...a, ...extra];
}

/** dnsperf's summary block → numbers. */
function parseSummary(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const rcodes = {};
  const rc = /Response codes:\s+(.*)/.exec(text);
  if (rc) for (const m of rc[1].matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1]] = Number(m[2]);
  const lat = /Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/.exec(text);
  return {
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    runTime: num(/Run time \(s\):\s+([\d.]+)/),
    avgLatencyMs: lat ? Number(lat[1]) * 1000 : NaN,
    minLatencyMs: lat ? Number(lat[2]) * 1000 : NaN,
    maxLatencyMs: lat ? Number(lat[3]) * 1000 : NaN,
    requestBytes: num(/Average packet size:\s+request (\d+)/),
    responseBytes: num(/Average packet size:\s+request \d+, response (\d+)/),
    rcodes,
  };
}

/** The rcodes must be those of the mix: NOERROR and NXDOMAIN only, NXDOMAIN near 35%. */
function mixProblems(name, r) {
  if (name === 'echo') return [];
  const problems = [];
  for (const [code, n] of Object.entries(r.rcodes)) if (code !== 'NOERROR' && code !== 'NXDOMAIN' && n > 0) problems.push(`${n} ${code}`);
  const nx = (r.rcodes.NXDOMAIN ?? 0) / Math.max(1, r.completed);
  if (r.completed > 1000 && Math.abs(nx - 0.35) > 0.02) problems.push(`NXDOMAIN ${(nx * 100).toFixed(1)}% (mix: 35%)`);
  return problems;
}

/** Fixed rate with per-query output: exact rcode check, latency percentiles. */
async function ratePhase(name, s) {
  const lat = [];
  const wrong = new Map();
  let timeouts = 0;
  const out = await run('taskset', dnsperfArgs(s, opt.rateDuration, ['-Q', String(opt.rate), '-v', '-c', String(opt.clients)]), {
    onLine(l) {
      // "> NOERROR www.example.com. A 0.000123" ; a timeout is "> T name type"
      const f = l.split(' ');
      const rcode = f[1];
      if (rcode === 'T') {
        timeouts++;
        return;
      }
      if (rcode === 'I') return; // interrupted at the end of the run
      lat.push(Number(f[f.length - 1]) * 1000);
      if (name === 'echo') return;
      const qname = f[2].toLowerCase();
      const tld = qname.slice(qname.lastIndexOf('.', qname.length - 2) + 1);
      const expect = qname === '.' || tlds.has(tld) ? 'NOERROR' : 'NXDOMAIN';
      if (rcode !== expect) {
        const k = `${rcode} for ${f[2]} ${f[3]} (expected ${expect})`;
        wrong.set(k, (wrong.get(k) ?? 0) + 1);
      }
    },
  });
  const summary = parseSummary(out);
  lat.sort((x, y) => x - y);
  // lost queries count as slower than any answer
  const pct = (p) => {
    const rank = Math.ceil(p * (lat.length + timeouts)) - 1;
    return rank < lat.length ? lat[rank] : Infinity;
  };
  const wrongCount = [...wrong.values()].reduce((x, y) => x + y, 0);
  return {
    ...summary,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    p999Ms: pct(0.999),
    wrongRcodes: wrongCount,
    wrongExamples: [...wrong.entries()].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([k, n]) => `${n}× ${k}`),
  };
}

// --- /proc: the server's process tree, its memory, its CPU pinning ------------------------------
function procTree(pid) {
  const out = [pid];
  for (const t of safeReaddir(`/proc/${pid}/task`)) {
    const kids = safeRead(`/proc/${pid}/task/${t}/children`).trim();
    if (kids) for (const k of kids.split(/\s+/)) out.push(...procTree(Number(k)));
  }
  return out;
}
function safeReaddir(p) {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}
function safeRead(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
const kb = (text, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
function memory(pid) {
  const procs = procTree(pid).map((p) => {
    const status = safeRead(`/proc/${p}/status`);
    return { pid: p, rssKb: kb(status, 'VmRSS'), hwmKb: kb(status, 'VmHWM'), pssKb: kb(safeRead(`/proc/${p}/smaps_rollup`), 'Pss') };
  });
  const sum = (k) => procs.reduce((x, p) => x + p[k], 0);
  // PSS adds up correctly across forked processes sharing pages (NSD, --workers);
  // peak is the largest single process's high-water mark.
  return { processes: procs.length, rssMb: sum('rssKb') / 1024, pssMb: sum('pssKb') / 1024, peakRssMb: Math.max(...procs.map((p) => p.hwmKb)) / 1024, procs };
}
/** "0-2,5" → "0,1,2,5" */
function expandCpus(list) {
  const out = [];
  for (const part of list.split(',')) {
    const [a, b = a] = part.split('-').map(Number);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return [...new Set(out)].sort((x, y) => x - y).join(',');
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
/** CPU seconds (all threads) used so far by the server's process tree: user and system. */
function cpuSeconds(pid) {
  let user = 0;
  let system = 0;
  for (const p of procTree(pid)) {
    const stat = safeRead(`/proc/${p}/stat`);
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    user += Number(f[11] ?? 0); // field 14: utime
    system += Number(f[12] ?? 0); // field 15: stime
  }
  return { user: user / CLK_TCK, system: system / CLK_TCK };
}
/** CPU µs per completed query between two cpuSeconds() readings; the user-space part apart. */
function perQuery(before, after, completed) {
  const user = ((after.user - before.user) * 1e6) / completed;
  return { cpuUsPerQuery: user + ((after.system - before.system) * 1e6) / completed, userUsPerQuery: user };
}
function pinning(pid) {
  const seen = new Set();
  for (const p of procTree(pid)) {
    for (const t of safeReaddir(`/proc/${p}/task`)) {
      const m = /^Cpus_allowed_list:\s+(\S+)/m.exec(safeRead(`/proc/${p}/task/${t}/status`));
      if (m) seen.add(m[1]);
    }
  }
  return [...seen];
}

// --- versions, for the record ----------------------------------------------------------------------
function version(cmd, args, re = /(\d+\.\d+(\.\d+)?)/) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return re.exec(`${r.stdout}\n${r.stderr}`)?.[1] ?? '?';
}
const VERSIONS = {
  echo: `node ${process.versions.node}`,
  rootmirror: `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}, node ${process.versions.node}`,
  'rootmirror-w2': '',
  nsd: have('nsd') ? version('nsd', ['-v']) : '',
  knot: have('knotd') ? version('knotd', ['-V']) : '',
  bind: have('named') ? version('named', ['-v']) : '',
  unbound: have('unbound') ? version('unbound', ['-V']) : '',
  tinydns: 'djbdns 1.05',
};

// --- the run ----------------------------------------------------------------------------------------
const rounds = []; // every measurement, round by round
const started = new Date();
const meta = {
  date: started.toISOString(),
  host: { cpus: cpus().length, model: cpus()[0]?.model, kernel: safeRead('/proc/sys/kernel/osrelease').trim(), loadavgBefore: loadavg() },
  dnsperf: version('dnsperf', ['-h'], /Version (\S+)/),
  options: { ...opt, servers },
  zone: opt.zone.startsWith(ROOT) ? opt.zone.slice(ROOT.length + 1) : opt.zone,
  tlds: tlds.size,
};
log(`${servers.length} servers, zone ${meta.zone} (${tlds.size} TLDs, --dnssec ${opt.dnssec}), ${opt.queries} queries; ` +
  `server CPU ${opt.serverCpus}, dnsperf CPU ${opt.loadCpus}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

try {
  for (let round = 1; round <= opt.rounds; round++) {
    if (opt.rounds > 1) log(`round ${round} of ${opt.rounds}`);
    for (const name of servers) {
      if (interrupted) break;
      const s = SERVERS[name];
      const cpusFor = s.allCpus ? allCpus : opt.serverCpus;
      const env = { PEER_CPUS: cpusFor, PEER_THREADS: String(s.threads ?? 1), PEER_DNSSEC: opt.dnssec };
      if (opt.nodeFlags !== undefined) env.PEER_NODE_FLAGS = opt.nodeFlags;
      if (name === 'tinydns') env.PEER_LOG = '/dev/null'; // one log line per query otherwise
      const zone = name === 'tinydns' ? tinydnsData : name.startsWith('rootmirror') ? opt.zone : name === 'echo' ? '-' : peerZone;
      log(`${name}: starting on ${s.addr}:${s.port} (CPU ${cpusFor}${s.threads ? `, ${s.threads} workers` : ''})`);
      const r = { name, round, addr: `${s.addr}:${s.port}`, cpus: cpusFor, version: VERSIONS[name] };
      rounds.push(r);
      let peer;
      try {
        peer = await startPeer(s.peer, zone, s.addr, s.port, { env, readyTimeoutMs: 120_000 });
        running.add(peer);
        let died = false;
        void peer.exited.then(() => (died = true));
        r.pinnedTo = pinning(peer.pid);
        r.memoryAtStart = memory(peer.pid);
        if (r.pinnedTo.some((c) => expandCpus(c) !== expandCpus(cpusFor))) log(`${name}: WARNING threads on CPUs ${r.pinnedTo.join(' ')}, asked for ${cpusFor}`);
        if (opt.warmup > 0) {
          r.warmup = parseSummary(await run('taskset', dnsperfArgs(s, opt.warmup, ['-c', String(opt.clients), '-q', String(opt.outstanding)])));
        }
        let cpu0 = cpuSeconds(peer.pid);
        r.max = parseSummary(await run('taskset', dnsperfArgs(s, opt.duration, ['-c', String(opt.clients), '-q', String(opt.outstanding)])));
        Object.assign(r.max, perQuery(cpu0, cpuSeconds(peer.pid), r.max.completed));
        r.max.problems = mixProblems(name, r.max);
        log(`${name}: ${Math.round(r.max.qps).toLocaleString('en')} qps, lost ${r.max.lost}, response ${r.max.responseBytes} B${r.max.problems.length ? `, WRONG MIX: ${r.max.problems.join(', ')}` : ''}`);
        cpu0 = cpuSeconds(peer.pid);
        r.rate = await ratePhase(name, s);
        Object.assign(r.rate, perQuery(cpu0, cpuSeconds(peer.pid), r.rate.completed));
        if (r.rate.qps < 0.95 * opt.rate) log(`${name}: WARNING the fixed-rate phase reached only ${Math.round(r.rate.qps)} qps`);
        log(`${name}: @${opt.rate} qps: lost ${r.rate.lost}, p99 ${fmtMs(r.rate.p99Ms)}, max ${fmtMs(r.rate.maxLatencyMs)}` +
          (r.rate.wrongRcodes ? `, ${r.rate.wrongRcodes} WRONG RCODES: ${r.rate.wrongExamples.join('; ')}` : ''));
        r.memory = memory(peer.pid);
        if (died) throw new Error(`${name} died during the run\n${peer.stderr}`);
      } catch (e) {
        r.error = e.message.split('\n').slice(0, 6).join(' | ');
        log(`${name}: FAILED: ${e.message}`);
      } finally {
        if (peer) {
          await peer.stop();
          running.delete(peer);
        }
      }
    }
  }
} finally {
  await cleanup();
}
if (interrupted) await new Promise(() => {}); // the signal handler exits; no report from half a run
meta.host.loadavgAfter = loadavg();
meta.seconds = Math.round((Date.now() - started) / 1000);

// The table's row per server: its median round by max qps (a failed round counts as 0).
const results = servers.map((name) => {
  const mine = rounds.filter((r) => r.name === name).sort((a, b) => (a.max?.qps ?? 0) - (b.max?.qps ?? 0));
  const median = mine[Math.floor((mine.length - 1) / 2)];
  return { ...median, qpsRounds: mine.map((r) => Math.round(r.max?.qps ?? 0)) };
});

// --- report --------------------------------------------------------------------------------------------
function fmtMs(ms) {
  if (!Number.isFinite(ms)) return ms === Infinity ? 'lost' : '–';
  return ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}
const fmtUs = (us) => (Number.isFinite(us) ? us.toFixed(us < 100 ? 1 : 0) : '–');
const fmtQps = (q) => (Number.isFinite(q) ? `${Math.round(q / 1000)}k` : '–');
const fmtMb = (m) => (Number.isFinite(m) ? `${m < 10 ? m.toFixed(1) : Math.round(m)} MB` : '–');
/** One process: its RSS. Several (forks sharing pages): the sum of RSS counts shared pages twice, so PSS too. */
const fmtMem = (m) => (m.processes === 1 ? fmtMb(m.rssMb) : `Σ ${fmtMb(m.rssMb)}, PSS ${fmtMb(m.pssMb)} (${m.processes} proc)`);
const LABEL = { 'rootmirror-w2': 'rootmirror --workers 2' };
const rm = results.find((r) => r.name === 'rootmirror' && r.max);
// Same data, same answers: a DNS server whose average response differs much from
// rootmirror's serves something else (BIND drops expired RRSIGs at load, for one).
// tinydns is expected to differ (no AAAA glue, no EDNS), echo returns the query.
for (const r of rounds) {
  if (!rm || !r.max || r.name === 'echo' || r.name === 'tinydns') continue;
  const ratio = r.max.responseBytes / rm.max.responseBytes;
  if (Math.abs(ratio - 1) > 0.1) r.sizeWarning = `average response ${r.max.responseBytes} B vs rootmirror's ${rm.max.responseBytes} B: not serving the same data?`;
}
const rows = results.map((r) => {
  const label = `${LABEL[r.name] ?? r.name}${r.error ? ' (failed)' : ''}`;
  if (!r.max) return [label, ...Array(11).fill('–')];
  const ratio = rm && r !== rm ? (rm.max.qps / r.max.qps).toFixed(2) : '';
  const flag = r.max.problems?.length || r.rate?.wrongRcodes || r.sizeWarning ? ' ⚠' : '';
  return [
    label + flag,
    fmtQps(r.max.qps),
    ratio,
    fmtMs(r.max.avgLatencyMs),
    fmtMs(r.max.maxLatencyMs),
    String(r.max.lost),
    r.rate ? fmtMs(r.rate.p99Ms) : '–',
    r.rate ? fmtMs(r.rate.maxLatencyMs) : '–',
    r.rate ? String(r.rate.lost) : '–',
    `${fmtUs(r.max.cpuUsPerQuery)} / ${fmtUs(r.rate?.cpuUsPerQuery)}`,
    r.memory ? fmtMem(r.memory) : '–',
    `${r.max.responseBytes} B`,
  ];
});
const head = ['server', 'qps (max)', 'rootmirror ÷ it', 'avg lat', 'max lat', 'lost', `p99 @${opt.rate / 1000}k`, `max @${opt.rate / 1000}k`, `lost @${opt.rate / 1000}k`, `CPU µs/q max / @${opt.rate / 1000}k`, 'RSS', 'avg resp'];
const table = [
  `| ${head.join(' | ')} |`,
  `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');

const checks = [];
const echo = results.find((r) => r.name === 'echo' && r.max);
const w2 = results.find((r) => r.name === 'rootmirror-w2' && r.max);
if (rm) {
  if (echo) checks.push(check(rm.max.qps >= 0.9 * echo.max.qps, `one process ≥ 90% of the Node echo: ${pct(rm.max.qps / echo.max.qps)}`));
  for (const p of ['bind', 'unbound', 'tinydns']) {
    const r = results.find((x) => x.name === p && x.max);
    if (r) checks.push(check(rm.max.qps > r.max.qps, `ahead of ${p}: ${(rm.max.qps / r.max.qps).toFixed(2)}×`));
  }
  if (rm.rate) checks.push(check(rm.rate.lost === 0 && rm.rate.p99Ms < 1, `@${opt.rate} qps: lost ${rm.rate.lost}, p99 ${fmtMs(rm.rate.p99Ms)} (0 lost, p99 < 1 ms)`));
  if (rm.memory) checks.push(check(rm.memory.peakRssMb < 100, `RSS < 100 MB: peak ${fmtMb(rm.memory.peakRssMb)}, now ${fmtMb(rm.memory.rssMb)}`));
  if (w2) checks.push(`- --workers 2 / --workers 1: ${(w2.max.qps / rm.max.qps).toFixed(2)}× (server on CPUs ${allCpus}, shared with dnsperf)`);
  // The table pairs each server's median round; the echo and rootmirror run
  // back to back in every round, so their ratio per round is the steadier one.
  const perRound = [];
  for (let k = 1; k <= opt.rounds; k++) {
    const e = rounds.find((r) => r.round === k && r.name === 'echo' && r.max);
    const m = rounds.find((r) => r.round === k && r.name === 'rootmirror' && r.max);
    if (e && m) perRound.push(m.max.qps / e.max.qps);
  }
  if (perRound.length > 1) {
    const sorted = [...perRound].sort((a, b) => a - b);
    checks.push(`- rootmirror ÷ echo round by round: ${perRound.map((x) => x.toFixed(2)).join(' / ')} (median ${((sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2).toFixed(2)})`);
  }
}
function check(ok, text) {
  return `- ${ok ? 'PASS' : 'FAIL'} ${text}`;
}
function pct(x) {
  return `${Math.round(x * 100)}%`;
}

const quick = opt.duration < 10;
const header =
  `dnsperf ${meta.dnsperf}, ${meta.host.cpus}× ${meta.host.model}, Linux ${meta.host.kernel}; ` +
  `zone ${meta.zone} (${tlds.size} TLDs), --dnssec ${opt.dnssec}${opt.dnssec === 'keep' ? ', DO set' : opt.edns ? ', EDNS' : ', no EDNS'}; ` +
  `mix 50% referrals / 10% TLD DS / 5% apex / 35% NXDOMAIN (${opt.queries} queries); ` +
  `max: ${opt.duration} s, dnsperf -c ${opt.clients} -q ${opt.outstanding}; fixed rate ${opt.rate} qps for ${opt.rateDuration} s; ` +
  `servers on CPU ${opt.serverCpus} (rootmirror --workers 2 on ${allCpus}), dnsperf on CPU ${opt.loadCpus}; ` +
  `load average ${meta.host.loadavgBefore.map((x) => x.toFixed(2)).join(' ')} before, ${meta.host.loadavgAfter.map((x) => x.toFixed(2)).join(' ')} after.`;
const failures = rounds.filter((r) => r.error || r.max?.problems?.length || r.rate?.wrongRcodes || r.sizeWarning);
const md = [
  `### ${started.toISOString().slice(0, 10)}${quick ? ' (short run)' : ''}`,
  '',
  header,
  '',
  table,
  '',
  ...checks,
  ...(opt.rounds > 1 ? ['', `Median of ${opt.rounds} rounds; max qps per round: ${results.map((r) => `${r.name} ${r.qpsRounds.map((q) => fmtQps(q)).join('/')}`).join(', ')}.`] : []),
  ...(failures.length ? ['', ...failures.map((r) => `- ⚠ ${r.name}${opt.rounds > 1 ? ` (round ${r.round})` : ''}: ${r.error ?? [...(r.max?.problems ?? []), ...(r.rate?.wrongExamples ?? []), ...(r.sizeWarning ? [r.sizeWarning] : [])].join('; ')}`)] : []),
  '',
].join('\n');

mkdirSync(opt.out, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
writeFileSync(join(opt.out, `dnsperf-${stamp}.json`), JSON.stringify({ meta, results, rounds }, null, 2) + '\n');
writeFileSync(join(opt.out, `dnsperf-${stamp}.md`), md);
console.log(md);
log(`results in ${join(opt.out, `dnsperf-${stamp}.{json,md}`)}, ${meta.seconds} s`);
process.exitCode = failures.length ? 1 : 0;
