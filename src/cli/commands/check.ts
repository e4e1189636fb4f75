// `rootmirror check`: a Nagios/Icinga/monit plugin that needs nothing from the
// daemon but its DNS port. It asks our server and every root address for
// `. SOA` (with DO) and prints one line with perfdata; exit 0/1/2/3.
//
// What it can know without the daemon's history:
// - behind: whether our serial is behind the live (majority) serial, RFC 1982;
// - for how long: estimated from the inception of the RRSIG over the live SOA
//   (a zone cannot have existed before it was signed; the root zone is signed
//   shortly before publication, so this errs on the long side by about an hour).
//   Without signatures (a --dnssec strip server or unsigned roots) it falls
//   back to "since now", i.e. behind=0s: it reports the serial difference but
//   cannot say WARNING/CRITICAL from duration alone;
// - age: seconds since the served zone was signed (inception of our SOA RRSIG),
//   not since the daemon last confirmed it — /status has that;
// - expired: our SOA RRSIG expiration in the past is CRITICAL.

import { computeDrift, STATE_CODE, type DriftReport } from '../../monitor/drift.js';
import { readRootHints, rootTargets, type AddressFamilies } from '../../monitor/root-hints.js';
import { probeSoa, type ProbeResult } from '../../monitor/soa-probe.js';
import { parseHostPort } from '../../ops/http.js';
import { LOOPBACK_FOR_WILDCARD } from '../listen-default.js';
import { UsageError, bool, defaultedNum, defaultedStr, str, type Command } from '../options.js';
import { critBehindOption, firstListen, jsonOption, listenOption, rootFamilyOption, rootHintsOption, rootPortOption, warnBehindOption } from '../shared-options.js';

export interface CheckOptions {
  server: string;
  rootHints: string;
  rootPort: number;
  family: AddressFamilies;
  warnBehindSec: number;
  critBehindSec: number;
  timeoutMs: number;
  now?: () => number;
}

export interface CheckResult {
  exit: 0 | 1 | 2 | 3;
  line: string;
  report: DriftReport | undefined;
  ours: ProbeResult;
}

export async function runCheck(o: CheckOptions): Promise<CheckResult> {
  const now = o.now ?? Date.now;
  const { host, port } = parseHostPort(o.server, '--server');
  const probeOpts = { timeoutMs: o.timeoutMs, retryDelayMs: Math.min(500, o.timeoutMs), nowMs: now() };
  const servers = await readRootHints(o.rootHints);
  const targets = rootTargets(servers, o.rootPort, o.family);
  const [ours, ...answers] = await Promise.all([
    probeSoa({ server: 'ours', address: host, port }, probeOpts),
    ...targets.map((t) => probeSoa(t, probeOpts)),
  ]);
  if (!ours.ok) {
    return { exit: 2, line: `ROOTMIRROR CRITICAL - our server ${o.server} did not answer: ${ours.error}`, report: undefined, ours };
  }
  const t = now();
  const thresholds = { warnBehindMs: o.warnBehindSec * 1000, critBehindMs: o.critBehindSec * 1000 };
  const report = computeDrift({
    now: t,
    ours: { serial: ours.serial, confirmedAt: ours.sigInception, expiresAt: ours.sigExpiration },
    answers,
    thresholds,
    estimateFromSignature: true,
  });
  let text = report.reason;
  if (report.behind && !answers.some((a) => a.ok && a.serial === report.liveSerial && a.sigInception !== undefined))
    text += ' (lag not datable: the roots sent no SOA RRSIG)';
  const lagging = report.disagreeing.length;
  if (lagging > 0 && report.liveSerial !== undefined) text += `; ${lagging} root instance(s) disagree (${report.disagreeing.map((d) => `${d.server} ${d.serial}`).join(', ')})`;
  if (report.silent.length > 0 && report.rootsAnswered > 0) text += `; ${report.silent.length} root address(es) silent`;
  const perf = [`behind=${Math.round(report.behindMs / 1000)}s;${o.warnBehindSec};${o.critBehindSec};0`];
  if (report.ageMs !== undefined) perf.push(`age=${Math.round(report.ageMs / 1000)}s`);
  perf.push(`roots_answered=${report.rootsAnswered};;;0;${report.rootsAsked}`, `roots_matching=${report.rootsMatching};;;0;${report.rootsAsked}`);
  return { exit: STATE_CODE[report.state], line: `ROOTMIRROR ${report.state} - ${text} | ${perf.join(' ')}`, report, ours };
}

/** Where `serve --listen ADDR:PORT` is reached: a wildcard address on loopback. */
function serveAddress(listen: string): string {
  const { host, port } = parseHostPort(listen, '--listen');
  const target = LOOPBACK_FOR_WILDCARD[host] ?? host;
  return target.includes(':') ? `[${target}]:${port}` : `${target}:${port}`;
}

export const command: Command = {
  name: 'check',
  summary: 'Nagios/Icinga plugin: compare our SOA serial with the live roots; one line, exit 0/1/2/3',
  usage: '',
  options: [
    { name: 'server', type: 'string', metavar: 'ADDR:PORT', help: 'our mirror to check (default: the first --listen address)' },
    listenOption({ help: 'the addresses `rootmirror serve` listens on (the same variable serve reads; a wildcard address is asked on loopback)' }),
    rootHintsOption(),
    rootPortOption({ help: 'port the roots in the hints answer on (53; tests use fake roots)' }),
    rootFamilyOption(),
    warnBehindOption({ help: 'WARNING when behind longer than this' }),
    critBehindOption({ help: 'CRITICAL when behind longer than this' }),
    { name: 'timeout', type: 'duration', default: 2, metavar: 'D', help: 'per-query timeout (one retry after silence)' },
    jsonOption({ help: 'print the whole report as JSON' }),
  ],
  async run(args) {
    let r: CheckResult;
    try {
      if (args.positionals.length > 0) throw new UsageError('check takes no positional arguments');
      r = await runCheck({
        server: str(args, 'server') ?? serveAddress(firstListen(args)),
        rootHints: defaultedStr(args, 'root-hints'),
        rootPort: defaultedNum(args, 'root-port'),
        family: defaultedStr(args, 'root-family') as AddressFamilies,
        warnBehindSec: defaultedNum(args, 'warn-behind'),
        critBehindSec: defaultedNum(args, 'crit-behind'),
        timeoutMs: defaultedNum(args, 'timeout') * 1000,
      });
    } catch (e) {
      // A plugin that cannot run reports UNKNOWN (3), never a stack trace.
      process.stdout.write(`ROOTMIRROR UNKNOWN - ${(e as Error).message}\n`);
      return 3;
    }
    if (bool(args, 'json')) process.stdout.write(JSON.stringify({ exit: r.exit, line: r.line, ours: r.ours, report: r.report }, null, 2) + '\n');
    else process.stdout.write(r.line + '\n');
    return r.exit;
  },
};
