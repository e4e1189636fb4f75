// The exact configuration each resolver needs to use rootmirror for the root
// zone (RFC 8806 §2). Pure text: `rootmirror print-config` prints it and the
// end-to-end tests feed the same text to the real resolvers.

export const RESOLVERS = ['dnscache', 'unbound', 'bind', 'knot-resolver', 'pdns-recursor'] as const;
export type Resolver = (typeof RESOLVERS)[number];

export interface ResolverConfigOptions {
  /** Address the mirror listens on (no port). */
  readonly address: string;
  /** Port the mirror listens on; most resolvers can only use 53. */
  readonly port: number;
  readonly dnssec: 'strip' | 'keep';
}

export interface ResolverConfig {
  /** Where the text goes (file, or "shell" for commands). */
  readonly target: string;
  /** The snippet itself, ready to paste. */
  readonly text: string;
  /** Warnings the operator must read (DNSSEC mode, port limits). */
  readonly warnings: string[];
}

export function resolverConfig(resolver: Resolver, opts: ResolverConfigOptions): ResolverConfig {
  const warnings: string[] = [];
  const v6 = opts.address.includes(':');
  const hostPort = (sep: string): string => (opts.port === 53 ? opts.address : `${opts.address}${sep}${opts.port}`);
  const validating = resolver !== 'dnscache';
  if (validating && opts.dnssec === 'strip') {
    warnings.push(
      'rootmirror runs with --dnssec strip: a validating resolver gets no DS/RRSIG/NSEC from it and fails validation ' +
        '(SERVFAIL for every signed name). Restart rootmirror with --dnssec keep (ROOTMIRROR_DNSSEC=keep).',
    );
  }
  const needs53 = (who: string): void => {
    if (opts.port !== 53) warnings.push(`${who} can only query port 53: run rootmirror on ${opts.address}:53.`);
  };
  switch (resolver) {
    case 'dnscache': {
      needs53('dnscache');
      return {
        target: 'shell',
        text: [
          '# dnscache (djbdns): send queries for the root to rootmirror.',
          '# Debian (runit):            /etc/sv/dnscache/root/servers/@',
          '# daemontools installations: /etc/dnscache/root/servers/@ (or /service/dnscache/root/servers/@)',
          `echo ${opts.address} > /etc/sv/dnscache/root/servers/@`,
          '# restart so dnscache rereads servers/@ (daemontools: svc -t /service/dnscache)',
          'sv restart dnscache',
          '',
        ].join('\n'),
        warnings,
      };
    }
    case 'unbound':
      return {
        target: 'unbound.conf',
        text: [
          '# Unbound: ask rootmirror for the root zone; fall back to the real roots if it fails.',
          'server:',
          '    # rootmirror listens on loopback; Unbound refuses to query loopback unless told.',
          '    do-not-query-localhost: no',
          'stub-zone:',
          '    name: "."',
          `    stub-addr: ${hostPort('@')}`,
          '    stub-prime: no',
          '    stub-first: yes',
          '',
          '# Alternative (RFC 8806 Appendix B style): Unbound keeps its own copy, transferred',
          '# from rootmirror by AXFR and checked with ZONEMD.',
          '# auth-zone:',
          '#     name: "."',
          `#     primary: ${hostPort('@')}`,
          '#     fallback-enabled: yes',
          '#     for-downstream: no',
          '#     for-upstream: yes',
          '#     zonefile: "root.zone"',
          '',
        ].join('\n'),
        warnings,
      };
    case 'bind':
      needs53('BIND static-stub');
      return {
        target: 'named.conf',
        text: [
          '// BIND 9: answer the root from rootmirror instead of the root servers.',
          '// static-stub keeps BIND iterating from the root referrals rootmirror gives.',
          'zone "." {',
          '    type static-stub;',
          `    server-addresses { ${opts.address}; };`,
          '};',
          '',
        ].join('\n'),
        warnings,
      };
    case 'knot-resolver':
      needs53('Knot Resolver root hints');
      return {
        target: 'kresd.conf',
        text: [
          '-- Knot Resolver 5: iterate from rootmirror instead of the root servers.',
          '-- A STUB/FORWARD policy for "." would hand the root\'s referrals back to clients',
          '-- unresolved, so rootmirror is made the only root "server" instead, and priming',
          '-- (which would replace it with the real roots) is switched off.',
          "modules.unload('priming')",
          `hints.root({ ['rootmirror.'] = { '${opts.address}' } })`,
          '',
        ].join('\n'),
        warnings,
      };
    case 'pdns-recursor':
      return {
        target: 'recursor.conf',
        text: [
          '# PowerDNS Recursor: treat rootmirror as authoritative for "." (queries sent with RD=0).',
          '# recursor.conf (4.x, and 5.x old-style settings):',
          `forward-zones=.=${v6 && opts.port !== 53 ? `[${opts.address}]:${opts.port}` : hostPort(':')}`,
          '# recursor.yml (5.x):',
          '# recursor:',
          '#   forward_zones:',
          "#     - zone: '.'",
          '#       forwarders:',
          `#         - '${v6 && opts.port !== 53 ? `[${opts.address}]:${opts.port}` : hostPort(':')}'`,
          '',
        ].join('\n'),
        warnings,
      };
  }
}
