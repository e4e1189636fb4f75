// An HTTP(S) download in a short-lived child process (child-process.ts):
// the zone into a temp file in the data dir and, when PGP is checked, its
// detached signature, under one deadline (--fetch-timeout). The serving
// process then never loads the HTTP client (undici and its WebAssembly
// parser, ~28 MB resident) nor spends its thread on the transfer. An AXFR
// transfer (axfr:// sources) runs here too: decoding ~25,000 records and
// writing them as a master file took the serving thread ~200 ms. What
// acquire.ts did in-process, with the same results and the same errors.

import { Name } from '../dns/name.js';
import { algorithmByName } from '../dns/tsig-keys.js';
import { axfr, querySoaSerial, type AxfrOptions } from '../fetch/axfr.js';
import { download, fetchSmall } from '../fetch/http.js';
import { signatureUrl } from '../fetch/source.js';
import { writeZoneText } from '../fetch/zone-text.js';
import { errorData, type AcquireJob, type DownloadJob, type DownloadMessage, type TransferJob } from './download-job.js';
import type { RefreshJob } from './check-job.js';

async function transfer(job: TransferJob): Promise<DownloadMessage> {
  const algorithm = job.tsig !== undefined ? algorithmByName(job.tsig.algorithm) : undefined;
  if (job.tsig !== undefined && algorithm === undefined) throw new Error(`TSIG algorithm ${job.tsig.algorithm} unknown`);
  const opts: AxfrOptions = {
    ...job.limits,
    ...(job.zone !== undefined ? { zone: Name.fromText(job.zone) } : {}),
    ...(job.tsig !== undefined ? { tsig: { name: Name.fromText(job.tsig.name), algorithm: algorithm!, secret: job.tsig.secret, line: 0 } } : {}),
  };
  if (job.heldSerial !== undefined) {
    // A secondary's refresh check: same serial from the same server, no transfer.
    const serial = await querySoaSerial(job.target, opts);
    if (serial === job.heldSerial) return { kind: 'not-modified', serial };
  }
  const r = await axfr(job.target, opts);
  const file = await writeZoneText(r.records, job.dir);
  return { kind: 'file', url: job.url, path: file.path, sha256: file.sha256, bytes: file.bytes, etag: undefined, lastModified: undefined, signature: undefined };
}

/** The job's result; a failure throws, and the message handler below sends it as the 'error' result. */
function run(job: AcquireJob): Promise<DownloadMessage> {
  return job.kind === 'axfr' ? transfer(job) : httpDownload(job);
}

async function httpDownload(job: DownloadJob): Promise<DownloadMessage> {
  const http = {
    ...(job.maxBytes !== undefined ? { maxBytes: job.maxBytes } : {}),
    ...(job.timeouts !== undefined ? { timeouts: job.timeouts } : {}),
    ...(job.maxRedirects !== undefined ? { maxRedirects: job.maxRedirects } : {}),
    ...(job.deadline !== undefined ? { deadline: { signal: AbortSignal.timeout(Math.max(1, Math.floor(job.deadline.remainingMs))), ms: job.deadline.ms, option: job.deadline.option } } : {}),
  };
  const dl = await download(job.url, { ...http, dir: job.dir, ...(job.conditional !== undefined ? { conditional: job.conditional } : {}), ...(job.progress ? { progress: process.stderr } : {}) });
  if (dl.kind === 'not-modified') return { kind: 'not-modified' };
  let signature: Extract<DownloadMessage, { kind: 'file' }>['signature'];
  if (job.signature) {
    try {
      signature = { ok: true, bytes: await fetchSmall(signatureUrl(dl.url), http) };
    } catch (err) {
      signature = { ok: false, error: errorData(err) };
    }
  }
  return { kind: 'file', url: dl.url, path: dl.path, sha256: dl.sha256, bytes: dl.bytes, etag: dl.etag, lastModified: dl.lastModified, signature };
}

// Started by acquire.ts with an IPC channel: one job in, one result out, exit;
// or, asked to stay, the check of the download next (its code is loaded only
// then: a 304 or an unchanged copy never pays for it), then exit.
if (process.send !== undefined) {
  let busy = true;
  process.on('disconnect', () => process.exit(busy ? 1 : 0));
  const reply = (result: object, last: boolean): void => {
    process.send!(result, () => {
      busy = false;
      if (last) process.exit(0);
    });
  };
  process.once('message', (job: AcquireJob) => {
    void run(job)
      .catch((err: unknown): DownloadMessage => ({ kind: 'error', error: errorData(err) }))
      .then((result) => {
        const stays = job.staysForCheck && result.kind === 'file';
        if (stays) process.once('message', (check: RefreshJob) => void checkNext(check));
        reply(result, !stays);
      });
  });
  const checkNext = async (job: RefreshJob): Promise<void> => {
    busy = true;
    const { runCheck } = await import('./check-job.js');
    reply(await runCheck(job), true);
  };
}
