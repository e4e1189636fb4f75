// One job in a short-lived child process (node:child_process fork with an
// IPC channel): the refresh's checks (refresh-worker.ts) and downloads
// (download-child.ts) run this way, so the serving process never holds what
// they allocate (worker-pipeline.ts says why a process and not a thread).
//
// The child runs at the lowest CPU priority (nice 19): where the host has
// fewer idle cores than the serving thread and a child need (2 cores and a
// busy resolver), the kernel gives the serving thread the CPU first.
// Measured at 20,000 qps on 2 cores: without it, queries stalled up to 0.5 s
// and 1,312 were lost during a refresh. A child that exits without a result,
// runs out of its heap or is still running at the time limit is a CheckError.

import { fork, type Serializable } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CheckError } from '../verify/candidate.js';

export interface ChildOptions<M, R extends M> {
  readonly heapLimitMb: number;
  readonly timeLimitMs: number;
  /** What the child does, for messages: "the check", "the download". */
  readonly what: string;
  /** The message that ends the job; others go to onOther (progress, warnings). */
  readonly isResult: (m: M) => m is R;
  readonly onOther?: (m: M) => void;
  /** The child's stderr is the daemon's (a progress bar on a terminal) instead of kept for the error. */
  readonly inheritStderr?: boolean;
  /** More V8 flags for this child (what suits a process that lives for one job; the caller says why). */
  readonly v8Flags?: readonly string[];
}

/**
 * The URL of a child's entry module in this folder (`refresh-worker.js`,
 * `download-child.js`). The daemon runs the build (dist/); the test runner
 * runs the sources from src/ as TypeScript, which a child cannot load, so
 * there it starts the build of the same file (`npm test` builds first).
 */
export function childEntry(file: string): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL(`../../dist/refresh/${file}`, here) : new URL(`./${file}`, here);
}

/** Keep this much of the child's stderr (V8 prints why it died there) for the error. */
const STDERR_KEEP = 2048;

export function runInChild<M, R extends M>(entry: URL, job: object, o: ChildOptions<M, R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let done = false;
    let stderr = '';
    const child = fork(fileURLToPath(entry), [], {
      execArgv: [`--max-old-space-size=${o.heapLimitMb}`, ...(o.v8Flags ?? [])],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', o.inheritStderr ? 'inherit' : 'pipe', 'ipc'],
    });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, 19);
      } catch {
        // Not permitted here (a sandbox): the child runs at our priority.
      }
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (stderr = (stderr + d).slice(-STDERR_KEEP)));
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(
      () =>
        finish(() => {
          child.kill('SIGKILL');
          reject(new CheckError(`${o.what} did not finish within ${o.timeLimitMs >= 1000 ? `${Math.round(o.timeLimitMs / 1000)} s` : `${o.timeLimitMs} ms`}; stopped`));
        }),
      o.timeLimitMs,
    );
    timer.unref();
    child.on('message', (m: M) => {
      if (o.isResult(m)) finish(() => resolve(m));
      else o.onOther?.(m);
    });
    child.on('error', (err: Error) => finish(() => reject(new CheckError(`${o.what}'s process failed: ${err.message}`))));
    // 'close', not 'exit': it comes after the IPC channel is drained, so a result sent just before exiting is never missed.
    child.on('close', (code, signal) =>
      finish(() => {
        const oom = /heap out of memory|Reached heap limit/i.test(stderr);
        const why = oom ? `ran out of its ${o.heapLimitMb} MiB heap (a zone far larger than expected?)` : `exited (${signal ?? `code ${code}`}) without a result${stderr.trim() !== '' ? `: ${lastLine(stderr)}` : ''}`;
        reject(new CheckError(`${o.what}'s process ${why}`));
      }),
    );
    child.send(job as Serializable);
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]!.trim();
}
