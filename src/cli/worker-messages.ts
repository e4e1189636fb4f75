// What the --workers processes tell each other, through the node:cluster
// primary (workers have no channel to one another). The primary forks one
// leader (the mirror, monitoring, NOTIFY out: what --workers 1 runs) and
// followers (they answer only), and says which in the environment: a
// node:cluster id is not a role, since a restarted worker gets a new one.

/** The leader keeps the copy; a follower serves the image the leader stored (follower.ts). */
export type WorkerRole = 'leader' | 'follower';

/** What the primary tells a worker it forks. */
export interface WorkerSetup {
  readonly role: WorkerRole;
  /**
   * The addresses the first leader bound, ports resolved: every later worker
   * (followers, a restarted leader) binds exactly these, so `--listen ADDR:0`
   * gives all workers one port (with SO_REUSEPORT each binds its own socket).
   */
  readonly listen: readonly string[] | undefined;
}

const ROLE_ENV = 'ROOTMIRROR_WORKER_ROLE';
const LISTEN_ENV = 'ROOTMIRROR_WORKER_LISTEN';

export function workerEnv(setup: WorkerSetup): Record<string, string> {
  return { [ROLE_ENV]: setup.role, ...(setup.listen !== undefined ? { [LISTEN_ENV]: setup.listen.join(',') } : {}) };
}

/** This worker's setup, from the environment workerEnv() built; undefined outside a --workers worker. */
export function workerSetup(env: NodeJS.ProcessEnv = process.env): WorkerSetup | undefined {
  const role = env[ROLE_ENV];
  if (role !== 'leader' && role !== 'follower') return undefined;
  const listen = env[LISTEN_ENV];
  return { role, listen: listen ? listen.split(',') : undefined };
}

/** The leader's zone, as a follower must mirror it: serving a serial (stored in DIR/current), or not serving. */
export type ZoneNews = { readonly kind: 'serving'; readonly serial: number } | { readonly kind: 'unavailable'; readonly reason: string };

export type WorkerMessage =
  /** worker → primary: started (startDaemon returned), with the addresses it bound. */
  | { readonly type: 'rootmirror:ready'; readonly listen: readonly string[] }
  /** leader → primary → every follower; primary → a follower that said hello: the last news, if any. */
  | { readonly type: 'rootmirror:zone'; readonly news: ZoneNews | undefined }
  /**
   * --zone-file: leader → primary (kept) → a follower that said hello: the
   * zone image the leader built from the file, so no follower parses and
   * builds it again. Needs the cluster's 'advanced' (structured clone) IPC.
   */
  | { readonly type: 'rootmirror:image'; readonly image: Uint8Array; readonly signaturesExpireAt: number | undefined }
  /** follower → primary: send me the leader's last news (and its image, with --zone-file). */
  | { readonly type: 'rootmirror:hello' }
  /** follower → primary → leader: a NOTIFY for . arrived on the follower's socket (RFC 1996); the leader's trigger decides. */
  | { readonly type: 'rootmirror:notify'; readonly serial: number | undefined; readonly client: string };

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('rootmirror:');
}

/** Send to the primary (a no-op outside a worker). */
export function toPrimary(m: WorkerMessage): void {
  process.send?.(m);
}
