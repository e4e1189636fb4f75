// Options that several commands take, one spec each (issue 13): `serve`,
// `check`, `print-config`, `healthcheck`, `demo`, `lookup`, `export` and
// `fetch` derive their rows from these, so an option means one thing (type,
// choices, placeholder) everywhere. A call site may say its own help line,
// default or environment, and says why next to it; nothing else differs.
// test/shared-options.test.ts holds every command to this.

import { PACKAGE_KEYS_DIR } from '../refresh/config.js';
import { DEFAULT_THRESHOLDS } from '../monitor/drift.js';
import { DEFAULT_LISTEN } from './listen-default.js';
import { UsageError, list, type OptionSpec, type ParsedArgs } from './options.js';

/** What a command may change in a shared spec. */
export type CallSite = Partial<Pick<OptionSpec, 'default' | 'help' | 'env'>>;

const shared =
  (spec: OptionSpec) =>
  (site: CallSite = {}): OptionSpec => ({ ...spec, ...site });

/** Where `serve`'s ops endpoint listens; `healthcheck` asks there (the same ROOTMIRROR_HTTP). */
export const DEFAULT_HTTP = '127.0.0.1:8053';

/** The root hints shipped in the package's keys/: the 13 roots, a–m, IPv4 and IPv6. */
export const DEFAULT_ROOT_HINTS = PACKAGE_KEYS_DIR + 'root.hints';

/** Strip is the default where a resolver is served or configured: dnscache/tinydns-era resolvers do not validate. */
export const dnssecOption = shared({ name: 'dnssec', type: 'string', choices: ['strip', 'keep'], default: 'strip', help: 'strip DNSSEC records or keep them' });

export const listenOption = shared({ name: 'listen', type: 'list', metavar: 'ADDR:PORT', default: [DEFAULT_LISTEN], help: 'the addresses `rootmirror serve` listens on' });

/** The first --listen address: where `check` asks and `print-config` points a resolver. */
export function firstListen(args: ParsedArgs): string {
  const first = list(args, 'listen')[0];
  if (first === undefined) throw new UsageError('--listen: at least one ADDR:PORT is needed');
  return first;
}

export const httpOption = shared({ name: 'http', type: 'string', metavar: 'ADDR:PORT', default: DEFAULT_HTTP, help: 'ops endpoint: /metrics /healthz /readyz /status (loopback by default)' });

export const logLevelOption = shared({ name: 'log-level', type: 'string', choices: ['debug', 'info', 'warn', 'error'], default: 'info', help: 'least severe log level printed' });

export const jsonOption = shared({ name: 'json', type: 'boolean', env: false, help: 'print JSON instead of text' });

/** The live roots the drift monitor (`serve`) and `check` ask. */
export const rootHintsOption = shared({ name: 'root-hints', type: 'string', metavar: 'FILE', default: DEFAULT_ROOT_HINTS, help: 'root hints listing the live roots (a–m)' });
export const rootPortOption = shared({ name: 'root-port', type: 'number', metavar: 'PORT', default: 53, help: 'port the roots in --root-hints answer on (53; other values for drills with fake roots)' });
export const rootFamilyOption = shared({ name: 'root-family', type: 'string', choices: ['4', '6', 'both'], default: 'both', help: 'ask the roots over IPv4, IPv6 or both' });
export const warnBehindOption = shared({ name: 'warn-behind', type: 'duration', metavar: 'D', default: DEFAULT_THRESHOLDS.warnBehindMs / 1000, help: 'WARNING when behind the live serial longer than this' });
export const critBehindOption = shared({ name: 'crit-behind', type: 'duration', metavar: 'D', default: DEFAULT_THRESHOLDS.critBehindMs / 1000, help: 'CRITICAL when behind the live serial longer than this' });
