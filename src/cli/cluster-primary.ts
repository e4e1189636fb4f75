// The --workers primary: it forks, relays and restarts, and answers nothing.
// Roles are given, not derived from node:cluster ids (which grow with every
// restart): one leader, N-1 followers (worker-messages.ts). The leader starts
// first and alone; once it is ready the followers are forked with the
// addresses it bound, so `--listen ADDR:0` means one port for all of them
// (each worker binds its own SO_REUSEPORT socket; there is no shared handle
// in the primary to carry a port-0 choice). A dead leader is restarted as the
// leader, a dead follower as a follower.

import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log.js';
import { isWorkerMessage, workerEnv, type WorkerMessage, type WorkerRole, type ZoneNews } from './worker-messages.js';

/**
 * Fork the workers and keep them running. A worker that dies before it was
 * ready failed at start (configuration, port in use): another would fail the
 * same way, so the primary stops the others and exits with its status.
 */
export function runPrimary(workers: number, log: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    let failedAtStart: number | undefined;
    let alive = 0;
    const roles = new Map<number, WorkerRole>();
    const ready = new Set<number>();
    let listen: readonly string[] | undefined;
    // The leader's last word on its zone: what a follower that starts (or restarts) must mirror first.
    let news: ZoneNews | undefined;
    // --zone-file: the image the leader built, for the followers to open instead of building their own.
    let image: WorkerMessage | undefined;
    const fork = (role: WorkerRole): void => {
      alive++;
      const w = cluster.fork(workerEnv({ role, listen }));
      roles.set(w.id, role);
    };
    const send = (w: Worker | undefined, m: WorkerMessage): void => {
      if (w !== undefined && w.isConnected()) w.send(m);
    };
    const withRole = (role: WorkerRole): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && roles.get(w.id) === role);
    cluster.on('message', (w, m: unknown) => {
      if (!isWorkerMessage(m)) return;
      switch (m.type) {
        case 'rootmirror:ready':
          ready.add(w.id);
          if (listen === undefined) {
            listen = m.listen;
            for (let i = 1; i < workers && !stopping; i++) fork('follower');
          }
          break;
        case 'rootmirror:zone':
          if (roles.get(w.id) !== 'leader') break;
          news = m.news;
          for (const f of withRole('follower')) send(f, m);
          break;
        case 'rootmirror:image':
          if (roles.get(w.id) === 'leader') image = m;
          break;
        case 'rootmirror:hello':
          if (image !== undefined) send(w, image);
          send(w, { type: 'rootmirror:zone', news });
          break;
        case 'rootmirror:notify':
          for (const l of withRole('leader')) send(l, m);
          break;
      }
    });
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    };
    cluster.on('exit', (w, code, signal) => {
      alive--;
      const role = roles.get(w.id) ?? 'follower';
      roles.delete(w.id);
      if (!stopping && !ready.has(w.id)) {
        // Its own one-line error is already on stderr (workers share it).
        failedAtStart = code ?? 1;
        log.error('worker failed at start; stopping', { worker: w.id, role, code, signal });
        stop('SIGTERM');
      } else if (!stopping) {
        log.error(`worker died; starting another ${role}`, { worker: w.id, role, code, signal });
        fork(role);
      }
      if (stopping && alive === 0) resolve(failedAtStart ?? 0);
    });
    // Structured clone: the --zone-file image (megabytes) goes as bytes, not as a JSON object of numbers.
    cluster.setupPrimary({ serialization: 'advanced' });
    fork('leader');
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
