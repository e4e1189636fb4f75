// `rootmirror print-config RESOLVER`: the snippet (or commands) that points a
// resolver at rootmirror for the root zone, on stdout, ready to paste or
// redirect; warnings (a validating resolver and --dnssec strip, a port the
// resolver cannot use) on stderr. The address and DNSSEC mode default to what
// `serve` reads from the same ROOTMIRROR_LISTEN and ROOTMIRROR_DNSSEC.

import net from 'node:net';
import { RESOLVERS, resolverConfig, type Resolver } from '../resolver-config.js';
import { FLEET_RESOLVERS, fleetConfig, type FleetResolver } from '../fleet-config.js';
import { UsageError, bool, defaultedStr, str, suggest, type Command } from '../options.js';
import { dnssecOption, firstListen, listenOption } from '../shared-options.js';


/** `ADDR`, `ADDR:PORT` or `[V6]:PORT`; a bare address means port 53. */
export function parseMirrorAddress(text: string, what: string): { address: string; port: number } {
  if (net.isIP(text) !== 0) return { address: text, port: 53 };
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || net.isIP(m[1]!) === 0 || port < 1 || port > 65535) {
    throw new UsageError(`${what} "${text}": expected an IP address, ADDR:PORT or [IPv6]:PORT`);
  }
  return { address: m[1]!, port };
}

const UNSPECIFIED = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

export const command: Command = {
  name: 'print-config',
  summary: 'print what to add to dnscache, Unbound, BIND, Knot Resolver or PowerDNS Recursor to use the mirror for the root',
  usage: RESOLVERS.join('|'),
  options: [
    { name: 'address', type: 'string', metavar: 'ADDR[:PORT]', env: false, help: 'where the resolver reaches rootmirror (default: the first --listen address)' },
    listenOption({ help: 'the addresses `rootmirror serve` listens on (the same variable serve reads)' }),
    dnssecOption({ help: 'the DNSSEC mode `rootmirror serve` runs with (the same variable serve reads)' }),
    { name: 'fleet', type: 'boolean', env: false, help: 'bind, unbound: the resolver as a secondary keeping its own copy (IXFR from rootmirror, NOTIFY, TSIG where it can)' },
    { name: 'tsig-key-name', type: 'string', metavar: 'NAME', env: false, help: "with --fleet: the key (from rootmirror's --tsig-key file) the secondary signs its transfers with" },
  ],
  async run(args) {
    if (args.positionals.length !== 1) throw new UsageError(`expected one resolver: ${RESOLVERS.join(', ')}`);
    const name = args.positionals[0]!;
    if (!(RESOLVERS as readonly string[]).includes(name)) {
      const hint = suggest(name, RESOLVERS);
      throw new UsageError(`unknown resolver "${name}"${hint !== undefined ? `; did you mean "${hint}"?` : ''} (one of ${RESOLVERS.join(', ')})`);
    }
    const given = str(args, 'address');
    const mirror = given !== undefined ? parseMirrorAddress(given, '--address') : parseMirrorAddress(firstListen(args), '--listen');
    if (UNSPECIFIED.has(mirror.address)) {
      throw new UsageError(`rootmirror listens on the wildcard ${mirror.address}: give the address the resolver should use with --address`);
    }
    const dnssec = defaultedStr(args, 'dnssec') as 'strip' | 'keep';
    const keyName = str(args, 'tsig-key-name');
    if (keyName !== undefined && !bool(args, 'fleet')) throw new UsageError('--tsig-key-name goes with --fleet (a secondary signs its transfers; a resolver pointed at the mirror does not)');
    let cfg;
    if (bool(args, 'fleet')) {
      if (!(FLEET_RESOLVERS as readonly string[]).includes(name)) throw new UsageError(`--fleet: ${name} cannot keep a copy by zone transfer here; use ${FLEET_RESOLVERS.join(' or ')}`);
      cfg = fleetConfig(name as FleetResolver, { ...mirror, dnssec, ...(keyName !== undefined ? { tsigKeyName: keyName } : {}) });
    } else {
      cfg = resolverConfig(name as Resolver, { ...mirror, dnssec });
    }
    process.stdout.write(cfg.text);
    for (const w of cfg.warnings) process.stderr.write(`rootmirror print-config: warning: ${w}\n`);
    return 0;
  },
};
