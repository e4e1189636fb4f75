// deploy/prometheus and deploy/grafana against the real thing: promtool checks
// and unit-tests the alert rules; a real Prometheus (Debian's) scrapes a
// running `rootmirror serve` every second, evaluates the shipped rules every
// second, and runs every query of the Grafana dashboard. Each query must
// evaluate without error and name only metrics the daemon's own /metrics
// declares (or, for the few that need an option this test does not use, that
// deploy/README.md documents).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSignedRootZone } from './helpers/dnssec-signer.js';
import { startFakeRoots } from './helpers/fake-root.js';
import { assertBuilt, findProgram, freePort, startDaemon, startRootmirror, type Daemon, type RootmirrorProcess } from './helpers/processes.js';

const DEPLOY = fileURLToPath(new URL('../deploy/', import.meta.url));
const RULES = join(DEPLOY, 'prometheus/rootmirror.rules.yml');
const RULES_TEST = join(DEPLOY, 'prometheus/rootmirror.rules.test.yml');
const DASHBOARD = join(DEPLOY, 'grafana/rootmirror-dashboard.json');
const HINTS = fileURLToPath(new URL('./fixtures/monitor/fake-roots.hints', import.meta.url));
const N = 2026082201;
/** A zone signed until a month from now: the daemon is ready whatever today's date. */
const zoneDir = mkdtempSync(join(tmpdir(), 'rootmirror-prom-zone-'));
const ZONE = join(zoneDir, 'root.zone');

/**
 * Metrics the dashboard or the rules use that only exist with an option this
 * test does not pass: each is documented in deploy/README.md (checked below).
 */
const NEEDS_AN_OPTION: Readonly<Record<string, string>> = {
  rootmirror_notify_sent_total: 'serve --notify',
};
/** Series Prometheus itself makes for each scrape target. */
const PROMETHEUS_SERIES = new Set(['up']);

const promtool = findProgram('promtool');
const prometheus = findProgram('prometheus');
if (promtool === undefined) process.stderr.write('prometheus.test: promtool not installed: rule checks skipped\n');
if (prometheus === undefined) process.stderr.write('prometheus.test: prometheus not installed: live scrape test skipped\n');

interface Panel {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly Panel[];
}
interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly query?: unknown }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;

/** Every query of the dashboard, rows included, with its panel's title. */
function dashboardQueries(): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const walk = (ps: readonly Panel[]) => {
    for (const p of ps) {
      for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ panel: p.title ?? '?', expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** The expressions of the alert rules, read with promtool's own parser view: `expr:` lines and block scalars. */
function ruleExprs(): string[] {
  const lines = readFileSync(RULES, 'utf8').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] !== '|' && m[2] !== '>') {
      out.push(m[2]!);
      continue;
    }
    const body: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > m[1]!.length)) body.push(lines[++i]!.trim());
    out.push(body.join(' ').trim());
  }
  return out;
}

/** Grafana's variables, as a query over every instance at a 1m resolution would have them. */
const grafanaToPromql = (expr: string) =>
  expr
    .replace(/\$__(rate_interval|interval|range)|\$\{__(rate_interval|interval|range)\}/g, '1m')
    .replace(/\$\{?instance\}?/g, '.*');

/** Metric names in an expression: ours and the process collectors' all start with one of these prefixes. */
const metricNames = (expr: string) => [...expr.matchAll(/\b(?:rootmirror|process|nodejs)_[a-zA-Z0-9_]+|\bup\b(?=\{)/g)].map((m) => m[0]);

/** The families /metrics declares (`# TYPE`), histograms with their _bucket/_sum/_count series. */
function declaredSeries(metrics: string): Set<string> {
  const names = new Set<string>();
  for (const m of metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

/** Poll `probe` until it returns a value, at most `ms`; the last failure is the error. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(promtool === undefined)('deploy/prometheus rules (promtool)', () => {
  it('promtool check rules accepts them', () => {
    const r = spawnSync(promtool!, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: 11 rules found/);
    expect(r.status).toBe(0);
  });

  it('promtool test rules: every alert fires when it should and not before', () => {
    const r = spawnSync(promtool!, ['test', 'rules', RULES_TEST], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it('every alert in the rules has a unit test', () => {
    const alerts = [...readFileSync(RULES, 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]!);
    const tested = new Set([...readFileSync(RULES_TEST, 'utf8').matchAll(/alertname: (\S+)/g)].map((m) => m[1]!));
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.filter((a) => !tested.has(a))).toEqual([]);
  });
});

describe.skipIf(prometheus === undefined)('a real Prometheus scraping a running daemon', () => {
  let roots: Awaited<ReturnType<typeof startFakeRoots>>;
  let daemon: RootmirrorProcess;
  let prom: Daemon;
  let api: string;
  let metrics: string;
  const dir = mkdtempSync(join(tmpdir(), 'rootmirror-prom-'));

  const get = async (path: string): Promise<{ status: string; data: unknown; error?: string }> => {
    const r = await fetch(`${api}${path}`, { signal: AbortSignal.timeout(5000) });
    return (await r.json()) as { status: string; data: unknown; error?: string };
  };

  beforeAll(async () => {
    assertBuilt();
    writeFileSync(ZONE, currentSignedRootZone(N));
    roots = await startFakeRoots(Array.from({ length: 13 }, () => ({ serial: N + 1 })));
    daemon = await startRootmirror([
      'serve', '--zone-file', ZONE, '--listen', '127.0.46.1:0', '--http', '127.0.46.1:0',
      '--root-hints', HINTS, '--root-port', String(roots.port), '--root-family', '4', '--monitor-interval', '1m',
      // A webhook nothing listens on: its deliveries family is exported (the first OK report sends nothing).
      '--alert-webhook', 'http://127.0.46.1:9/hook',
    ]);
    const target = daemon.ready.http!;
    // One monitor run has reported (it runs at start), so the live serial is there to query.
    metrics = await until('the first monitor report in /metrics', 10_000, async () => {
      const t = await (await fetch(`http://${target}/metrics`)).text();
      return /^rootmirror_live_serial /m.test(t) ? t : undefined;
    });
    const port = await freePort('127.0.46.1');
    api = `http://127.0.46.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: {scrape_interval: 1s, evaluation_interval: 1s}',
        `rule_files: [${JSON.stringify(RULES)}]`,
        'scrape_configs:',
        '  - job_name: rootmirror',
        `    static_configs: [{targets: [${JSON.stringify(target)}]}]`,
        '',
      ].join('\n'),
    );
    prom = startDaemon(prometheus!, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.46.1:${port}`,
      '--log.level=warn',
    ]);
    prom.child.once('exit', (code) => {
      if (code !== null && code !== 0) process.stderr.write(`prometheus exited ${code}: ${prom.log()}\n`);
    });
    await until('prometheus scraping the daemon (target health "up")', 30_000, async () => {
      const r = (await get('/api/v1/targets')).data as { activeTargets: { health: string; lastError: string }[] };
      const t = r.activeTargets[0];
      if (t?.health === 'down') throw new Error(`target down: ${t.lastError}`);
      return t?.health === 'up' ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await daemon?.stop();
    await roots?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(zoneDir, { recursive: true, force: true });
  });

  it('/metrics with the process collectors passes promtool check metrics', (ctx) => {
    if (promtool === undefined) ctx.skip();
    const r = spawnSync(promtool!, ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('every dashboard query names a metric the daemon exports (or one documented as needing an option)', () => {
    const declared = declaredSeries(metrics);
    const readme = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
    for (const [name, option] of Object.entries(NEEDS_AN_OPTION)) expect(readme, `deploy/README.md documents ${name} (${option})`).toContain(name);
    const queries = [...dashboardQueries().map((q) => ({ where: `dashboard "${q.panel}"`, expr: q.expr })), ...ruleExprs().map((e) => ({ where: 'rules', expr: e }))];
    expect(queries.length).toBeGreaterThan(30);
    const unknown: string[] = [];
    for (const q of queries) {
      const names = metricNames(q.expr);
      if (names.length === 0) unknown.push(`${q.where}: ${q.expr} names no metric`);
      for (const n of names) if (!declared.has(n) && !Object.hasOwn(NEEDS_AN_OPTION, n) && !PROMETHEUS_SERIES.has(n)) unknown.push(`${q.where}: ${n}`);
    }
    expect(unknown).toEqual([]);
  });

  it('every dashboard query evaluates without error in Prometheus, and the serials and RSS arrive', async () => {
    const failures: string[] = [];
    for (const q of dashboardQueries()) {
      const promql = grafanaToPromql(q.expr);
      const r = await get(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (r.status !== 'success') failures.push(`"${q.panel}": ${promql}: ${r.error}`);
    }
    expect(failures).toEqual([]);
    // Data flows from the daemon: the served and live serials are what it serves and what the fake roots say.
    const value = async (promql: string) => Number(((await get(`/api/v1/query?query=${encodeURIComponent(promql)}`)).data as { result: { value: [number, string] }[] }).result[0]?.value[1]);
    expect(await value('rootmirror_ready')).toBe(1);
    expect(await value('rootmirror_zone_serial')).toBe(N);
    expect(await value('rootmirror_live_serial')).toBe(N + 1);
    expect(await value('process_resident_memory_bytes')).toBeGreaterThan(10e6);
  });

  it("the instance variable's query finds the daemon", async () => {
    const v = dashboard.templating.list.find((t) => t.name === 'instance');
    expect(JSON.stringify(v?.query)).toContain('label_values(rootmirror_ready, instance)');
    const r = await get(`/api/v1/label/instance/values?match[]=rootmirror_ready`);
    expect(r.data).toEqual([daemon.ready.http]);
  });

  it('every rule group is evaluated without error', async () => {
    const groups = await until('a rule evaluation', 15_000, async () => {
      const g = ((await get('/api/v1/rules')).data as { groups: { name: string; lastEvaluation: string; rules: { name: string; health: string; lastError?: string }[] }[] }).groups;
      return g.length > 0 && g.every((x) => !x.lastEvaluation.startsWith('0001')) && g.every((x) => x.rules.every((r) => r.health !== 'unknown')) ? g : undefined;
    });
    expect(groups.map((g) => g.name)).toEqual(['rootmirror']);
    const rules = groups.flatMap((g) => g.rules);
    expect(rules).toHaveLength(11);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
  });
});
