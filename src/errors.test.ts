// "Expected" is a property of the error's type: every stage's error class
// extends OperatorError and carries the exit status main uses (src/cli/main.ts).

import { describe, expect, it } from 'vitest';
import { main } from './cli/main.js';
import { UsageError } from './cli/options.js';
import { Name, NameError } from './dns/name.js';
import { RdataError } from './dns/rdata/rdata-error.js';
import { ConfigError, ExitCode, OperatorError } from './errors.js';
import { FetchError } from './fetch/errors.js';
import { RootHintsError } from './monitor/root-hints.js';
import { DataDirError } from './refresh/data-dir.js';
import { CheckError } from './verify/candidate.js';
import { BindError, explainBindError } from './server/bind-error.js';
import { DnssecError } from './verify/dnssec-error.js';
import { SignatureError } from './verify/pgp.js';
import { ZonemdError } from './verify/zonemd.js';
import { ZoneCheckError } from './zone/checks.js';
import { TinydnsExportError } from './zone/export-tinydns.js';
import { ParseError } from './zone/parse-error.js';

describe('OperatorError: one base, the exit status on the type', () => {
  it('every stage error is an OperatorError with the status its kind of mistake deserves', () => {
    const cases: [Error, number][] = [
      [new UsageError('x'), ExitCode.usage],
      [new ParseError({ file: 'f', line: 1, col: 1, token: 't', expected: 'e', problem: 'p' }), ExitCode.failure],
      [new ZoneCheckError(Name.root, []), ExitCode.failure],
      [new NameError('x'), ExitCode.failure],
      [new RdataError('x'), ExitCode.failure],
      [new FetchError('x', 'connect', 'http://x/'), ExitCode.failure],
      [new CheckError('x'), ExitCode.failure],
      [new ZonemdError('x'), ExitCode.failure],
      [new TinydnsExportError('x'), ExitCode.failure],
      [new SignatureError('x', 'key'), ExitCode.config],
      [new DnssecError('x'), ExitCode.config],
      [new RootHintsError('x'), ExitCode.config],
      [new DataDirError('x', 'locked'), ExitCode.failure],
      [new DataDirError('x', 'unusable'), ExitCode.config],
    ];
    for (const [err, code] of cases) {
      expect(err, err.name).toBeInstanceOf(OperatorError);
      expect([err.name, (err as OperatorError).exitCode]).toEqual([err.name, code]);
    }
    expect(new SignatureError('x', 'key')).toBeInstanceOf(ConfigError);
  });

  it('a port in use may free itself (1); no permission or no such address is the configuration (78)', () => {
    const at = { address: '127.53.53.53', port: 53 };
    const err = (code: string) => explainBindError(Object.assign(new Error(code), { code }), at);
    expect(err('EADDRINUSE')).toBeInstanceOf(BindError);
    expect(err('EADDRINUSE').exitCode).toBe(ExitCode.failure);
    expect(err('EADDRINUSE').message).toBe('cannot listen on 127.53.53.53:53 (--listen): it is in use by another process; stop that process or choose another --listen');
    expect(err('EACCES').exitCode).toBe(ExitCode.config);
    expect(err('EACCES').message).toMatch(/no permission to bind port 53.*CAP_NET_BIND_SERVICE/);
    expect(err('EADDRNOTAVAIL').exitCode).toBe(ExitCode.config);
    // --workers > 1 on a kernel without SO_REUSEPORT (libuv: ENOTSUP; Linux < 3.9: ENOPROTOOPT): the host's configuration.
    for (const code of ['ENOTSUP', 'ENOPROTOOPT', 'EOPNOTSUPP']) {
      expect(err(code).exitCode).toBe(ExitCode.config);
      expect(err(code).message).toBe(`cannot listen on 127.53.53.53:53 (--listen): this kernel has no SO_REUSEPORT, which --workers > 1 needs (${code}); use --workers 1`);
    }
  });

  it('main prints an OperatorError in one line and exits with its status', async () => {
    let stderr = '';
    const code = await main(['inspect', '--no-such-option'], { stdout: () => undefined, stderr: (t) => (stderr += t) });
    expect(code).toBe(ExitCode.usage);
    expect(stderr).toBe('rootmirror inspect: unknown option --no-such-option (see rootmirror inspect --help)\n');
  });
});
