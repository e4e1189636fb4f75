// Jobs in a short-lived child process (node:child_process fork with an IPC
// channel): the refresh's checks (refresh-worker.ts) and downloads
// (download-child.ts, which may go on with the check of its download) run
// this way, so the serving process never holds what they allocate
// (worker-pipeline.ts says why a process and not a thread).
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

/** How a child process is started. */
export interface ProcessOptions {
  readonly heapLimitMb: number;
  /** The child's stderr is the daemon's (a progress bar on a terminal) instead of kept for the error. */
  readonly inheritStderr?: boolean;
  /** More V8 flags for this child (what suits a process that lives for one job; the caller says why). */
  readonly v8Flags?: readonly string[];
}

/** One job in a child: what it is called, how long it may take, which message ends it. */
export interface JobOptions<M, R extends M> {
  readonly timeLimitMs: number;
  /** What the child does, for messages: "the check", "the download". */
  readonly what: string;
  /** The message that ends the job; others go to onOther (progress, warnings). */
  readonly isResult: (m: M) => m is R;
  readonly onOther?: (m: M) => void;
}

export type ChildOptions<M, R extends M> = ProcessOptions & JobOptions<M, R>;

/**
 * A child process that may run more than one job, one after another: the
 * download child can go on with the check of what it downloaded (acquire.ts),
 * which saves a Node start and exit per refresh. The child exits by itself
 * after its last job, or when close() drops the IPC channel.
 */
export interface ChildProcess {
  run<M, R extends M>(job: object, o: JobOptions<M, R>): Promise<R>;
  /** False once it has exited (or is exiting): start another. */
  readonly usable: boolean;
  readonly heapLimitMb: number;
  /** Resolves when it has exited. */
  readonly exited: Promise<void>;
  /** Let it go: it exits when its channel closes. */
  close(): void;
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

/**
 * The daemon's environment without MALLOC_MMAP_THRESHOLD_ (deploy/rootmirror.service):
 * it keeps a long-lived process's RSS flat, but a child that allocates and
 * frees large buffers by the hundred and then exits would only pay a mapping
 * and page faults for each; its memory goes back when it exits anyway.
 */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MALLOC_MMAP_THRESHOLD_: _, ...rest } = env;
  return rest;
}

/** Keep this much of the child's stderr (V8 prints why it died there) for the error. */
const STDERR_KEEP = 2048;

export function runInChild<M, R extends M>(entry: URL, job: object, o: ChildOptions<M, R>): Promise<R> {
  return startChild(entry, o).run(job, o);
}

export function startChild(entry: URL, p: ProcessOptions): ChildProcess {
  let stderr = '';
  let exited = false;
  /** The job waiting for its result: how to end it when the child exits. */
  let pending: ((why: string) => void) | undefined;
  const child = fork(fileURLToPath(entry), [], {
    execArgv: [`--max-old-space-size=${p.heapLimitMb}`, ...(p.v8Flags ?? [])],
    env: childEnv(process.env),
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', p.inheritStderr ? 'inherit' : 'pipe', 'ipc'],
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
  child.on('error', (err: Error) => pending?.(`failed: ${err.message}`));
  // 'close', not 'exit': it comes after the IPC channel is drained, so a result sent just before exiting is never missed.
  let onExit: () => void = () => undefined;
  const exitedP = new Promise<void>((r) => (onExit = r));
  // After close() (we dropped the channel) 'close' may never come: 'exit' says it is gone.
  child.on('exit', () => {
    exited = true;
    onExit();
  });
  child.on('close', (code, signal) => {
    exited = true;
    onExit();
    const oom = /heap out of memory|Reached heap limit/i.test(stderr);
    pending?.(oom ? `ran out of its ${p.heapLimitMb} MiB heap (a zone far larger than expected?)` : `exited (${signal ?? `code ${code}`}) without a result${stderr.trim() !== '' ? `: ${lastLine(stderr)}` : ''}`);
  });
  let busy = false;
  return {
    heapLimitMb: p.heapLimitMb,
    exited: exitedP,
    get usable() {
      return !exited && !busy && child.connected;
    },
    close() {
      if (child.connected) child.disconnect();
    },
    run<M, R extends M>(job: object, o: JobOptions<M, R>): Promise<R> {
      busy = true;
      return new Promise<R>((resolve, reject) => {
        let done = false;
        const finish = (f: () => void): void => {
          if (done) return;
          done = true;
          busy = false;
          pending = undefined;
          clearTimeout(timer);
          child.off('message', onMessage);
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
        const onMessage = (m: M): void => {
          if (o.isResult(m)) finish(() => resolve(m));
          else o.onOther?.(m);
        };
        child.on('message', onMessage);
        pending = (why) => finish(() => reject(new CheckError(`${o.what}'s process ${why}`)));
        if (exited || !child.connected) return pending('exited before it was given the job');
        child.send(job as Serializable);
      });
    },
  };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]!.trim();
}
