// deploy/: the systemd unit (systemd-analyze verify and an exposure ceiling),
// the Kubernetes sidecar and the compose file (parsed as YAML, then the parts
// that must agree with rootmirror: probes, ports, env, print-config's text).
// Tools that are missing skip their check and say why.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolverConfig } from '../src/cli/resolver-config.js';
import { ExitCode } from '../src/errors.js';
import { findProgram } from './helpers/processes.js';

const DEPLOY = fileURLToPath(new URL('../deploy/', import.meta.url));
const UNIT = join(DEPLOY, 'rootmirror.service');
const K8S = join(DEPLOY, 'kubernetes/resolver-with-rootmirror.yaml');
const COMPOSE = join(DEPLOY, 'compose/docker-compose.yml');

const systemdAnalyze = findProgram('systemd-analyze');
// The first python3 with PyYAML: the one on PATH, else Debian's (python3-yaml, installed by .ci/run).
const python = [findProgram('python3'), '/usr/bin/python3'].find(
  (p) => p !== undefined && spawnSync(p, ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0,
);
const hasYaml = python !== undefined;
if (systemdAnalyze === undefined) process.stderr.write('deploy.test: systemd-analyze not installed: unit file checks skipped\n');
if (!hasYaml) process.stderr.write('deploy.test: python3 with PyYAML not available: YAML checks skipped\n');

/** YAML (all documents) → JSON, through PyYAML's safe loader. */
function yamlDocs(file: string): unknown[] {
  const r = spawnSync(python!, ['-c', 'import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

/** The lines of `print-config unbound` that are configuration, not comments. */
const unboundLines = (address: string): string[] =>
  resolverConfig('unbound', { address, port: 53, dnssec: 'keep' })
    .text.split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

/** Lines of an unbound.conf, comments and blanks dropped, indentation ignored. */
const confLines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l !== '');

function expectContainsInOrder(haystack: readonly string[], needles: readonly string[]): void {
  let from = 0;
  for (const n of needles) {
    const i = haystack.indexOf(n, from);
    expect(i, `"${n}" (in order) in ${JSON.stringify(haystack)}`).toBeGreaterThanOrEqual(0);
    from = i + 1;
  }
}

describe.skipIf(systemdAnalyze === undefined)('deploy/rootmirror.service', () => {
  it('passes systemd-analyze verify and stays at exposure <= 2.0 (systemd-analyze security)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rootmirror-unit-'));
    try {
      copyFileSync(UNIT, join(dir, 'rootmirror.service'));
      const v = spawnSync(systemdAnalyze!, ['verify', join(dir, 'rootmirror.service')], { encoding: 'utf8' });
      expect(v.status, v.stderr).toBe(0);
      expect(v.stderr).toBe('');
      const s = spawnSync(systemdAnalyze!, ['security', '--offline=yes', '--threshold=20', join(dir, 'rootmirror.service')], { encoding: 'utf8' });
      expect(s.status, s.stdout.split('\n').slice(-3).join('\n')).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('binds port 53 with one ambient capability and nothing else; state in StateDirectory', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const set = (k: string) => [...unit.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]);
    expect(set('User')).toEqual(['rootmirror']);
    expect(set('AmbientCapabilities')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(set('CapabilityBoundingSet')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(set('NoNewPrivileges')).toEqual(['yes']);
    expect(set('StateDirectory')).toEqual(['rootmirror']);
    expect(set('KillSignal')).toEqual(['SIGTERM']);
    expect(set('ExecStart')[0]).toMatch(/ serve$/);
  });
});

describe('deploy/rootmirror.service restart policy', () => {
  it('restarts on failure but not on a configuration error (exit 78): restarting cannot fix a missing key file', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const set = (k: string) => [...unit.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]);
    expect(set('Restart')).toEqual(['on-failure']);
    expect(set('RestartPreventExitStatus')).toEqual([String(ExitCode.config)]);
  });
});

describe('the ways rootmirror is run agree on how Node and glibc are set up', () => {
  it('the systemd unit, the Dockerfile and `npm start`: node --max-semi-space-size=1, MALLOC_MMAP_THRESHOLD_=131072', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const dockerfile = readFileSync(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8');
    const start = (JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(unit).toMatch(/^Environment=MALLOC_MMAP_THRESHOLD_=131072$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/env node --max-semi-space-size=1 /m);
    expect(dockerfile).toMatch(/^ENV [^]*?\n\s+MALLOC_MMAP_THRESHOLD_=131072 \\$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--max-semi-space-size=1", /m);
    expect(start).toBe('MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 bin/rootmirror serve');
  });
});

describe.skipIf(!hasYaml)('deploy/kubernetes and deploy/compose', () => {
  it('Kubernetes: a sidecar with readiness on /readyz, Prometheus annotations, non-root, port 53 via the pod sysctl', () => {
    const docs = yamlDocs(K8S) as Array<{ kind: string; data?: Record<string, string>; spec?: any }>;
    const cm = docs.find((d) => d.kind === 'ConfigMap')!;
    const dep = docs.find((d) => d.kind === 'Deployment')!;
    const pod = dep.spec.template;
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8053', 'prometheus.io/path': '/metrics' });
    expect(pod.spec.securityContext.sysctls).toContainEqual({ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' });
    const rm = pod.spec.containers.find((c: { name: string }) => c.name === 'rootmirror');
    const env = Object.fromEntries(rm.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ ROOTMIRROR_LISTEN: '127.53.53.53:53', ROOTMIRROR_DNSSEC: 'keep', ROOTMIRROR_HTTP: '0.0.0.0:8053' });
    expect(rm.ports).toContainEqual({ name: 'ops', containerPort: 8053, protocol: 'TCP' });
    expect(rm.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'ops' });
    expect(rm.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'ops' });
    expect(rm.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(rm.volumeMounts).toContainEqual({ name: 'rootmirror-data', mountPath: '/var/lib/rootmirror' });
    for (const c of pod.spec.containers) expect(c.image).not.toMatch(/:latest$|^[^:]+$/);
    // The resolver's config is print-config's text (for 127.53.53.53, keep), plus its own interface settings.
    expectContainsInOrder(confLines(cm.data!['unbound.conf']!), unboundLines('127.53.53.53'));
  });

  it('compose: Unbound in rootmirror\'s network namespace, started once rootmirror is healthy, configured with print-config\'s text', () => {
    const [doc] = yamlDocs(COMPOSE) as Array<{ services: Record<string, any> }>;
    const { rootmirror, unbound } = doc!.services;
    expect(rootmirror.environment).toMatchObject({ ROOTMIRROR_LISTEN: '127.53.53.53:53', ROOTMIRROR_DNSSEC: 'keep' });
    expect(rootmirror.volumes).toContain('rootmirror-data:/var/lib/rootmirror');
    expect(unbound.network_mode).toBe('service:rootmirror');
    expect(unbound.depends_on).toEqual({ rootmirror: { condition: 'service_healthy' } });
    expect(unbound.image).not.toMatch(/:latest$|^[^:]+$/);
    expectContainsInOrder(confLines(readFileSync(join(DEPLOY, 'compose/unbound.conf'), 'utf8')), unboundLines('127.53.53.53'));
  });
});
