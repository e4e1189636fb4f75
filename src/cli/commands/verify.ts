// `rootmirror verify FILE [--sig FILE] [--origin NAME] [--at TIME]`: the
// verification a refresh does (verifyCandidate, src/verify/candidate.ts),
// offline, on any zone file, one line per step with its timing. Every
// requested layer runs even after one fails, so the operator sees the whole
// picture; exit 0 only if all of them pass.

import { Name } from '../../dns/name.js';
import { verifyCandidate } from '../../verify/candidate.js';
import type { AllSignaturesReport } from '../../verify/dnssec-all-signatures.js';
import { loadVerifiers } from '../../verify/layer-verifiers.js';
import { readZoneBytes } from '../../zone/parser.js';
import { UsageError, list, str, type Command, type OptionSpec } from '../options.js';
import { MIRROR_OPTIONS, layersFromArgs, verifierOptions } from '../mirror-options.js';
import { defaultSignaturePath, readSignature } from '../zone-input.js';

const SHARED = MIRROR_OPTIONS.filter((o) => ['pgp-key', 'trust-anchors', 'verify', 'verify-all-signatures'].includes(o.name));

const OPTIONS: readonly OptionSpec[] = [
  { name: 'sig', type: 'string', metavar: 'FILE', env: false, help: 'detached OpenPGP signature of FILE (default: FILE.sig, for X.gz X.sig, when it exists)' },
  { name: 'origin', type: 'string', metavar: 'NAME', env: false, help: 'origin for relative names in FILE (default: the owner of the first SOA record)' },
  { name: 'at', type: 'string', metavar: 'TIME', env: false, help: 'check DNSSEC signature validity windows as of this ISO 8601 time, e.g. 2026-08-01T00:00:00Z (default: now)' },
  ...SHARED,
];

export const command: Command = {
  name: 'verify',
  summary: 'check a zone file offline, layer by layer (PGP, ZONEMD, DNSSEC), with timings',
  usage: 'FILE',
  options: OPTIONS,
  async run(args) {
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one zone FILE');
    const file = args.positionals[0]!;
    const at = parseAt(str(args, 'at'));
    const layers = layersFromArgs(args);
    const given = str(args, 'origin');

    const out = (step: string, ok: boolean, detail: string, ms?: number): void => {
      process.stdout.write(`${step.padEnd(8)} ${ok ? 'ok    ' : 'FAILED'} ${detail}${ms !== undefined ? ` (${fmtMs(ms)})` : ''}\n`);
    };
    let allReport: AllSignaturesReport | undefined;
    const verifiers = await loadVerifiers(
      { pgpKeys: list(args, 'pgp-key'), trustAnchors: list(args, 'trust-anchors'), layers },
      { ...verifierOptions(args), onAllSignatures: (r) => (allReport = r) },
    );

    const bytes = await readZoneBytes(file);
    const sigPath = str(args, 'sig') ?? defaultSignaturePath(file);
    const signature = await readSignature(sigPath, str(args, 'sig') !== undefined);

    const named = given ?? soaOwner(bytes);
    const origin = named !== undefined ? Name.fromText(named.endsWith('.') ? named : `${named}.`) : undefined;
    const report = await verifyCandidate(
      { bytes, signature, source: file, pgpApplies: true, noSignature: `no signature: ${sigPath} not found (give --sig FILE, or leave pgp out of --verify)` },
      at,
      {
        layers,
        // PGP signatures do not expire: they are checked as of now (a key re-signed
        // since, like InterNIC's in 2022, is not valid "at" an older --at).
        verifiers: { ...verifiers, pgp: (input) => verifiers.pgp(input, Date.now()) },
        dnssec: 'keep',
        ...(origin !== undefined ? { origin } : {}),
        stopAtFirstFailure: false,
        onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
        onStep: (step, v) => out(step, v.ok, v.detail + (v.weak ? ' [weak]' : ''), v.ms),
      },
    );
    const failed = [...report.failed];
    const all = allReport as AllSignaturesReport | undefined;
    if (all !== undefined) {
      out('all-sigs', all.failed === 0, `${all.verified} of ${all.count} RRSIGs verified, ${all.failed} failed, ${all.unusable} unsupported`, all.ms);
    }
    const skipped = (['pgp', 'zonemd', 'dnssec'] as const).filter((l) => !layers.includes(l));
    process.stdout.write(
      failed.length === 0
        ? `verified: ${file} at ${new Date(at).toISOString()}${skipped.length > 0 ? ` (not checked: ${skipped.join(', ')})` : ''}\n`
        : `NOT verified: ${file}: ${failed.join(', ')} failed\n`,
    );
    return failed.length === 0 ? 0 : 1;
  },
};

/**
 * The owner of the first SOA record when it is written as an absolute name: the
 * default origin, so zone files with relative names (RFC 8976 Appendix A) need
 * no --origin.
 */
function soaOwner(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 64 * 1024)).toString('latin1');
  const m = /^(\S+\.)[ \t]+(?:(?:\d+|IN)[ \t]+){0,2}SOA[ \t]/im.exec(head);
  return m?.[1];
}

function parseAt(text: string | undefined): number {
  if (text === undefined) return Date.now();
  // ISO 8601 with a date; a zone (Z or ±hh:mm) is required so the meaning does not depend on the host.
  if (!/^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$/.test(text)) {
    throw new UsageError(`--at "${text}": expected ISO 8601 such as 2026-08-01T00:00:00Z`);
  }
  const t = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(t)) throw new UsageError(`--at "${text}": not a valid time`);
  return t;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}
