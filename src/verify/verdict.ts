// What each verification layer returns. A bad zone is a verdict (ok: false and
// a one-line detail saying what failed and what to check), never an exception;
// exceptions are for bugs and unreadable key files.

export type Layer = 'pgp' | 'zonemd' | 'dnssec';

/** Every layer, in the order a candidate goes through them. */
export const ALL_LAYERS: readonly Layer[] = ['pgp', 'zonemd', 'dnssec'];

export interface Verdict {
  readonly ok: boolean;
  /** One line for logs, /status and `rootmirror verify`. */
  readonly detail: string;
  /** Wall time the layer took. */
  readonly ms: number;
  /** The layer passed but its cryptography is weak (the InterNIC DSA-1024/SHA-1 key). */
  readonly weak?: boolean;
}

/** The verdict of each layer that ran (kept in meta.json, shown in /status). */
export type LayerVerdicts = Partial<Record<Layer, Verdict>>;

/** A time in verdict details: ISO 8601 UTC, without milliseconds when they are 0. */
export function isoTime(t: number | Date): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** Time `f` and attach the duration to its verdict. */
export async function timed(f: () => Promise<Omit<Verdict, 'ms'>> | Omit<Verdict, 'ms'>): Promise<Verdict> {
  const t0 = performance.now();
  const v = await f();
  return { ...v, ms: performance.now() - t0 };
}
