// The refresh worker: one short-lived process per check (worker-pipeline.ts
// forks it and says why a process rather than a thread) when no download
// child goes on with it (a stored copy at start, AXFR, a check on its own).
// It runs the check (check-job.ts) and sends the result back. Then it exits,
// and its memory — the parsed records, the built zone, everything the check
// allocated — goes back to the system: the serving process never holds any of it.

import { runCheck, type RefreshJob, type RefreshMessage } from './check-job.js';

// Started by worker-pipeline.ts with an IPC channel: one job in, one result out, exit.
if (process.send !== undefined) {
  // The daemon went away: nobody is waiting for the result.
  let sent = false;
  process.on('disconnect', () => sent || process.exit(1));
  process.once('message', (job: RefreshJob) => {
    void runCheck(job).then((result) =>
      process.send!(result, () => {
        sent = true;
        process.exit(0);
      }),
    );
  });
}
