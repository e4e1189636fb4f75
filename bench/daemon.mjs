// Start the real daemon (`bin/rootmirror serve --zone-file`) as a child process
// for the fuzzer and load tests: a crash shows up as a process exit, memory as
// the child's VmRSS. Shared by bench/*.mjs and test/*.test.ts.

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { WebSocket } from 'undici';

export const BIN = fileURLToPath(new URL('../bin/rootmirror', import.meta.url));
const HINTS = fileURLToPath(new URL('../test/fixtures/monitor/fake-roots.hints', import.meta.url));

/**
 * @param {{ zoneFile: string, listen: string, args?: string[], nodeArgs?: string[], inspect?: boolean }} o
 *   inspect: open the V8 inspector on the listen address (port 0) so `heapAfterGc()` can force a
 *   full GC and read process.memoryUsage() in the daemon: RSS alone mixes live data with garbage
 *   V8 has not collected yet.
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, pid: number, host: string, port: number, http: string, exited: Promise<{code: number|null, signal: string|null}>, stderr: () => string, stop: () => Promise<{code: number|null, signal: string|null}>, heapAfterGc: () => Promise<{rss: number, heapUsed: number, heapTotal: number, external: number}> }>}
 */
export function startServeChild(o) {
  const argv = [
      ...(o.nodeArgs ?? ['--max-semi-space-size=1']),
      ...(o.inspect ? [`--inspect=${o.listen.replace(/:\d+$/, '')}:0`] : []),
      BIN,
      'serve',
      '--zone-file',
      o.zoneFile,
      '--listen',
      o.listen,
      '--http',
      `${o.listen.replace(/:\d+$/, '')}:0`,
      '--root-hints',
      HINTS,
      '--monitor-interval',
      '0',
      '--log-level',
      'info',
      ...(o.args ?? []),
  ];
  const opts = { env: { PATH: process.env.PATH ?? '' }, stdio: /** @type {const} */ (['ignore', 'ignore', 'pipe']) };
  const child = spawn(process.execPath, argv, opts);
  // Never leave a daemon behind, whatever happens to the caller.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  let err = '';
  let inspector;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', reap);
      resolve({ code, signal });
    }),
  );
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stderr });
    let ready = false;
    rl.on('line', (line) => {
      if (err.length < 100_000) err += line + '\n';
      inspector ??= /Debugger listening on (ws:\S+)/.exec(line)?.[1];
      if (ready) return;
      try {
        const j = JSON.parse(line);
        if (j.msg !== 'ready') return;
        ready = true;
        const at = j.listen[0];
        const i = at.lastIndexOf(':');
        resolve({
          child,
          pid: child.pid,
          host: at.slice(0, i).replace(/^\[|\]$/g, ''),
          port: Number(at.slice(i + 1)),
          http: j.http,
          exited,
          stderr: () => err,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
          heapAfterGc: () => heapAfterGc(inspector),
        });
      } catch {
        /* not JSON */
      }
    });
    void exited.then(({ code, signal }) => {
      if (!ready) reject(new Error(`rootmirror serve exited (${code ?? signal}) before ready:\n${err}`));
    });
  });
}

/** Resident set size of a process in KiB (Linux /proc). */
export function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) : NaN;
}

/** Open file descriptors of a process (Linux /proc). */
export function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** The daemon's DNS counters from /metrics, as { name{labels}: value }. */
export async function metrics(http) {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const out = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('rootmirror_dns_')) continue;
    const sp = line.lastIndexOf(' ');
    out[line.slice(0, sp)] = Number(line.slice(sp + 1));
  }
  return out;
}

/** Queries answered + dropped: every datagram the daemon read. */
export function handled(m) {
  let n = 0;
  for (const [k, v] of Object.entries(m)) if (k.startsWith('rootmirror_dns_queries_total') || k === 'rootmirror_dns_dropped_total') n += v;
  return n;
}

/** Through the V8 inspector: a full GC, then the daemon's process.memoryUsage() in KiB. Rejects after `timeoutMs`. */
function heapAfterGc(url, timeoutMs = 30_000) {
  if (!url) return Promise.reject(new Error('daemon started without inspect: true'));
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`inspector: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let id = 0;
    const pending = new Map();
    const call = (method, params = {}) =>
      new Promise((res) => {
        pending.set(++id, res);
        ws.send(JSON.stringify({ id, method, params }));
      });
    ws.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(`inspector: ${e.message ?? e.type}`));
    };
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data));
      pending.get(m.id)?.(m.result);
      pending.delete(m.id);
    };
    ws.onopen = async () => {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      clearTimeout(timer);
      ws.close();
      const u = JSON.parse(r.result.value);
      resolve({ rss: u.rss >> 10, heapUsed: u.heapUsed >> 10, heapTotal: u.heapTotal >> 10, external: u.external >> 10 });
    };
  });
}
