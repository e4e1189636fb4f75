// NSD as a test peer: the nsd.conf clauses every test NSD shares (one
// loopback address, all state in the test's own directory, no chroot, no
// privilege drop, no control socket), a key: clause, and starting it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startPeer } from '../../bench/peers/peers.mjs';
import { startDaemon, waitTcp, type Daemon } from './processes.js';

export function nsdServerConf(dir: string, port: number, address = '127.0.0.1'): string {
  return `server:
  ip-address: ${address}@${port}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  database: ""
  xfrdfile: "${dir}/xfrd.state"
  zonelistfile: "${dir}/zone.list"
  logfile: "${dir}/nsd.log"
remote-control:
  control-enable: no
`;
}

/** A TSIG key clause (RFC 8945), the secret in base64 as tsig-keygen writes it. */
export function nsdKeyConf(name: string, algorithm: string, secretBase64: string): string {
  return `key:
  name: "${name}"
  algorithm: ${algorithm}
  secret: "${secretBase64}"
`;
}

/** Write `dir`/nsd.conf (the shared server clauses, then `clauses`), start `nsd` in the foreground, wait until it listens. */
export async function startNsd(nsd: string, dir: string, port: number, clauses: string): Promise<Daemon> {
  writeFileSync(join(dir, 'nsd.conf'), nsdServerConf(dir, port) + clauses);
  const d = startDaemon(nsd, ['-d', '-c', join(dir, 'nsd.conf')]);
  await waitTcp('127.0.0.1', port, 15_000, 'nsd');
  return d;
}

/**
 * NSD (bench/peers' start-up) serving `zonePath` on addr:port for the
 * duration of the enclosing describe: started before its tests, stopped after.
 */
export function nsdDuringSuite(zonePath: string, addr: string, port: number): void {
  let nsd: { stop(): Promise<unknown> } | undefined;
  beforeAll(async () => {
    nsd = (await startPeer('nsd', zonePath, addr, port, { readyTimeoutMs: 60_000 })) as { stop(): Promise<unknown> };
  }, 70_000);
  afterAll(async () => {
    await nsd?.stop();
  });
}
