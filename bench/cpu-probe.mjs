// Loaded into each refresh child by bench/refresh-cpu.mjs (NODE_OPTIONS
// --import, which fork() passes on): it makes the child's step timings CPU
// time instead of wall time, and writes the child's CPU at the moment its job
// arrives (Node start + module load) and at exit to a file in
// $ROOTMIRROR_CPU_PROBE_DIR. This host is shared and noisy: wall time there
// measures the neighbours as much as the code.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.ROOTMIRROR_CPU_PROBE_DIR;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
if (dir !== undefined && process.send !== undefined) {
  // performance.now() is read only for the timings the child reports; deadlines use timers.
  performance.now = cpuMs;
  let atJob;
  // Registered before the child's entry runs, so it sees the job first.
  process.once('message', () => (atJob = cpuMs()));
  process.once('exit', () => writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ entry: process.argv[1], atJob, atExit: cpuMs() })));
}
