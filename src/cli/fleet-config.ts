// `print-config bind|unbound --fleet`: a resolver as a secondary of rootmirror
// (issue 15, "a fleet from one mirror"): it keeps its own copy of the root
// zone, transferred from rootmirror by IXFR (AXFR the first time), signed with
// TSIG where the resolver can, refreshed when rootmirror sends NOTIFY, and
// expiring with rootmirror's copy (EDNS EXPIRE, RFC 7314). Pure text, like
// resolver-config.ts; test/fleet-e2e.test.ts feeds it to the real resolvers.

import { STRIP_WARNING, type ResolverConfig, type ResolverConfigOptions } from './resolver-config.js';

export const FLEET_RESOLVERS = ['bind', 'unbound'] as const;
export type FleetResolver = (typeof FLEET_RESOLVERS)[number];

export interface FleetConfigOptions extends ResolverConfigOptions {
  /** The TSIG key (a name in rootmirror's --tsig-key file) the secondary signs its transfers with. */
  readonly tsigKeyName?: string;
}

export function fleetConfig(resolver: FleetResolver, opts: FleetConfigOptions): ResolverConfig {
  const warnings: string[] = [];
  if (opts.dnssec === 'strip') warnings.push(STRIP_WARNING);
  const v6 = opts.address.includes(':');
  if (resolver === 'bind') {
    const key = opts.tsigKeyName === undefined ? '' : ` key "${opts.tsigKeyName}"`;
    return {
      target: 'named.conf',
      text: [
        '// BIND 9.14+ as a secondary of rootmirror: a mirror zone transferred from it by',
        '// IXFR (AXFR the first time), validated with the root trust anchor, refreshed when',
        '// rootmirror sends NOTIFY, and replaced by the root servers if it expires.',
        ...(opts.tsigKeyName === undefined
          ? ['// No TSIG: rootmirror must allow this host with --allow-transfer and run without --tsig-key.']
          : [`// Transfers are signed with TSIG key "${opts.tsigKeyName}": copy its key "${opts.tsigKeyName}" { ... }; clause`, "// from rootmirror's --tsig-key file into named.conf."]),
        'zone "." {',
        '    type mirror;',
        `    primaries { ${opts.address}${opts.port === 53 ? '' : ` port ${opts.port}`}${key}; };`,
        '    file "db.root.mirror";',
        '    masterfile-format text;',
        '    notify no;',
        '};',
        '',
      ].join('\n'),
      warnings,
    };
  }
  if (opts.tsigKeyName !== undefined) {
    warnings.push('Unbound (1.17 and later as far as tested) cannot sign auth-zone transfers with TSIG: this config has none; let it in with --allow-transfer on a rootmirror without --tsig-key.');
  }
  return {
    target: 'unbound.conf',
    text: [
      '# Unbound as a secondary of rootmirror: an auth-zone transferred from it by IXFR',
      '# (AXFR the first time), checked with ZONEMD and DNSSEC, refreshed when rootmirror',
      '# sends NOTIFY, and replaced by the root servers when the copy fails.',
      '# No TSIG (Unbound has none for auth-zone): allow this host with --allow-transfer.',
      'auth-zone:',
      '    name: "."',
      `    primary: ${opts.port === 53 ? opts.address : `${opts.address}@${opts.port}`}`,
      `    allow-notify: ${v6 ? `${opts.address}/128` : `${opts.address}/32`}`,
      '    fallback-enabled: yes',
      '    for-downstream: no',
      '    for-upstream: yes',
      '    zonemd-check: yes',
      '    zonefile: "root.zone"',
      '',
    ].join('\n'),
    warnings,
  };
}
