// Loaded into each refresh child by bench/refresh-cpu.mjs (NODE_OPTIONS
// --import, which fork() passes on): it makes the child's step timings CPU
// time instead of wall time, and writes the child's CPU at the moment each job
// arrives (the first: Node start + module load) and at exit to a file in
// $ROOTMIRROR_CPU_PROBE_DIR (a child may run two jobs: the download, then the check). This host is shared and noisy: wall time there
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
  // The CPU as each job arrives: registered before the child's entry runs, so it sees each job first.
  const atJobs = [];
  process.on('message', () => atJobs.push(cpuMs()));
  process.once('exit', () => writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ entry: process.argv[1], atJobs, atExit: cpuMs() })));
}
