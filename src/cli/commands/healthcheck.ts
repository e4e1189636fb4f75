// `rootmirror healthcheck`: GET /readyz on the ops endpoint; exit 0 on 200,
// 1 otherwise, one line either way. It is the container's HEALTHCHECK, so it
// reads the same ROOTMIRROR_HTTP as `serve`, and a wildcard listen address
// (0.0.0.0:8053, for a kubelet or Prometheus outside) is asked on loopback.

import { UsageError, type Command } from '../options.js';
import { getOps, hostPort, opsClientOptions, opsTarget, type OpsTarget } from '../ops-client.js';

export interface HealthResult {
  readonly ok: boolean;
  readonly line: string;
}

/** One GET of /readyz; never throws. */
export async function probeReady(t: OpsTarget): Promise<HealthResult> {
  const target = hostPort(t);
  try {
    const { status, body } = await getOps(t, '/readyz', { maxBytes: 512, overflow: 'truncate' });
    const text = body.trim().split('\n')[0] ?? '';
    return { ok: status === 200, line: `${status === 200 ? 'healthy' : 'unhealthy'}: ${target}/readyz ${status}: ${text}` };
  } catch (e) {
    return { ok: false, line: `unhealthy: ${target}/readyz: ${(e as Error).message}` };
  }
}

export const command: Command = {
  name: 'healthcheck',
  summary: 'ask the ops endpoint whether a verified, unexpired zone is served (GET /readyz); exit 0 if so, else 1',
  usage: '',
  options: opsClientOptions(),
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const r = await probeReady(opsTarget(args));
    (r.ok ? process.stdout : process.stderr).write(r.line + '\n');
    return r.ok ? 0 : 1;
  },
};
