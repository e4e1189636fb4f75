// Node front-end to bench/peers/start-peer.sh, for benchmarks and tests.
//
//   import { startPeer, peerAvailable } from '../bench/peers/peers.mjs';
//   const nsd = await startPeer('nsd', 'test/fixtures/root-zone/root.zone.2026082200', '127.0.0.1', 5391);
//   // ... query nsd.addr:nsd.port ...
//   await nsd.stop();
//
// startPeer(name, zoneFile, addr, port, opts?) resolves once the server answers
// ". SOA" (the script's READY line) and rejects if it exits first or does not
// come up within opts.readyTimeoutMs (default 60000; the script's own limit is
// PEER_READY_TIMEOUT). opts.env is merged into the script's environment
// (PEER_THREADS, PEER_CPUS, PEER_KEEP_DIR, PEER_LOG, ...).
//
// The script runs in its own process group. stop() sends SIGTERM to the script
// (which stops the server and removes its temp dir) and, if that has not
// finished after opts.stopTimeoutMs (default 15000), SIGKILLs the whole group.
// Every peer still running when this Node process exits gets SIGTERM; if Node
// is killed outright (SIGKILL), the script notices within a second
// (PEER_PARENT_PID) and cleans up by itself.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(HERE, 'start-peer.sh');

/** binary each peer needs */
const BINARIES = {
  nsd: 'nsd',
  knot: 'knotd',
  bind: 'named',
  unbound: 'unbound',
  tinydns: 'tinydns',
  echo: 'node',
  rootmirror: 'node',
};

const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
});

/** true if the server binary (and dig, used for the readiness probe) is installed */
export function peerAvailable(name) {
  const bin = BINARIES[name];
  if (!bin) return false;
  const which = (b) => spawnSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' }).status === 0;
  return which(bin) && which('dig');
}

export function startPeer(name, zoneFile, addr, port, opts = {}) {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15000;
  const child = spawn('bash', [SCRIPT, name, zoneFile ?? '-', addr, String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEER_PARENT_PID: String(process.pid), ...(opts.env ?? {}) },
  });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-8000);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => running.delete(child));

  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      killGroup(child, 'SIGTERM');
      reject(new Error(`${name}: not ready on ${addr}:${port} after ${readyTimeoutMs} ms\n${stderr}`));
    }, readyTimeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^READY (\S+) (\S+) (\S+) (\d+) (\S+)$/m.exec(out);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({
          name,
          addr,
          port: Number(port),
          pid: Number(m[4]), // the server process
          scriptPid: child.pid,
          dir: m[5],
          exited,
          get stderr() {
            return stderr;
          },
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return exited;
            try {
              process.kill(child.pid, 'SIGTERM');
            } catch {
              /* gone */
            }
            const t = setTimeout(() => killGroup(child, 'SIGKILL'), stopTimeoutMs);
            const r = await exited;
            clearTimeout(t);
            return r;
          },
        });
      }
    });
    exited.then(({ code, signal }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${name}: exited (code ${code}, signal ${signal}) before it was ready\n${stderr}`));
    });
  });
}

function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    /* gone */
  }
}
