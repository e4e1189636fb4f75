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

/** The warning `print-config` gives for a validating resolver and a stripped zone. */
export const STRIP_WARNING =
  'rootmirror runs with --dnssec strip: a validating resolver gets no DNSKEY/DS/RRSIG/NSEC from it and fails validation ' +
  '(SERVFAIL for every signed name). Restart rootmirror with --dnssec keep (ROOTMIRROR_DNSSEC=keep).';

export function resolverConfig(resolver: Resolver, opts: ResolverConfigOptions): ResolverConfig {
  const warnings: string[] = [];
  const v6 = opts.address.includes(':');
  const validating = resolver !== 'dnscache';
  if (validating && opts.dnssec === 'strip') warnings.push(STRIP_WARNING);
  const needs53 = (who: string): void => {
    if (opts.port !== 53) warnings.push(`${who} can only query port 53: run rootmirror on ${v6 ? `[${opts.address}]` : opts.address}:53.`);
  };
  /** `addr@port` (Unbound), port omitted when 53. */
  const at = opts.port === 53 ? opts.address : `${opts.address}@${opts.port}`;
  /** `addr`, `addr:port` or `[v6]:port` (PowerDNS). */
  const colon = opts.port === 53 ? opts.address : v6 ? `[${opts.address}]:${opts.port}` : `${opts.address}:${opts.port}`;
  /** BIND's address-with-port syntax. */
  const bindAddr = opts.port === 53 ? opts.address : `${opts.address} port ${opts.port}`;

  switch (resolver) {
    case 'dnscache': {
      needs53('dnscache');
      if (v6) warnings.push('dnscache (djbdns 1.05) speaks IPv4 only: give rootmirror an IPv4 --listen address and --address.');
      return {
        target: 'shell',
        text: [
          '# dnscache (djbdns): make rootmirror the only root server dnscache starts from.',
          '# servers/@ lists root server addresses; leave FORWARDONLY unset (it would treat them as caches).',
          '# Debian: /etc/sv/dnscache/root/servers/@; daemontools (dnscache-conf): /service/dnscache/root/servers/@',
          `echo ${opts.address} > /etc/sv/dnscache/root/servers/@`,
          '# dnscache reads servers/@ only when it starts:',
          'systemctl restart dnscache   # runit: sv restart dnscache; daemontools: svc -t /service/dnscache',
          '',
        ].join('\n'),
        warnings,
      };
    }
    case 'unbound':
      return {
        target: 'unbound.conf',
        text: [
          '# Unbound: send queries for the root zone to rootmirror; if it does not answer,',
          '# stub-first makes Unbound retry without the stub, i.e. with the real root servers.',
          'server:',
          '    # rootmirror listens on loopback; Unbound refuses to query loopback unless told.',
          '    do-not-query-localhost: no',
          'stub-zone:',
          '    name: "."',
          `    stub-addr: ${at}`,
          '    stub-prime: no',
          '    stub-first: yes',
          '',
          '# Alternative (RFC 8806 Appendix B style): Unbound keeps its own copy, transferred',
          '# from rootmirror by AXFR, checks ZONEMD and DNSSEC itself, and falls back to the',
          '# root servers when the copy fails. Use it instead of the stub-zone, not with it.',
          '# auth-zone:',
          '#     name: "."',
          `#     primary: ${at}`,
          '#     fallback-enabled: yes',
          '#     for-downstream: no',
          '#     for-upstream: yes',
          '#     zonemd-check: yes',
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
          '// BIND 9: send queries for the root zone to rootmirror (RD=0) and follow its',
          '// referrals. The built-in root hints stay; they are not used for "." any more.',
          '// No fallback: while rootmirror is down, names outside the cache fail.',
          'zone "." {',
          '    type static-stub;',
          `    server-addresses { ${opts.address}; };`,
          '};',
          '',
          '// Alternative (BIND 9.14+, RFC 8806 Appendix B style): a mirror zone. BIND transfers',
          '// the zone from rootmirror, validates it with the root trust anchor, and uses the',
          '// root servers while the copy is missing, expired or fails validation.',
          '// Use it instead of the static-stub zone, not with it.',
          '// zone "." {',
          '//     type mirror;',
          `//     primaries { ${bindAddr}; };`,
          '//     file "db.root.mirror";',
          '// };',
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
          '-- A STUB policy for "." would hand the root\'s referrals to clients and a FORWARD',
          '-- policy fails on them, so rootmirror becomes the root hint (the hints module is',
          '-- not loaded by default; loading it twice is harmless) and priming is off. Once an',
          '-- NS set for "." is cached (a client, or the detect_time_skew module, asks for it)',
          '-- Knot Resolver looks up a..m.root-servers.net and would query the real roots, so',
          '-- those names resolve to rootmirror too (clients asking for them get it as well).',
          "modules.load('hints > iterate')",
          "modules.unload('priming')",
          `hints.root({ ['rootmirror.'] = { '${opts.address}' } })`,
          "for _, l in ipairs({ 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm' }) do",
          `    hints.set(l .. '.root-servers.net ${opts.address}')`,
          'end',
          '',
        ].join('\n'),
        warnings,
      };
    case 'pdns-recursor':
      return {
        target: 'recursor.conf',
        text: [
          '# PowerDNS Recursor: send queries for the root zone to rootmirror as an authoritative',
          '# server (forward-zones sends them with RD=0) and follow its referrals.',
          '# recursor.conf (4.x, and 5.x old-style settings):',
          `forward-zones=.=${colon}`,
          '# recursor.yml (5.x):',
          '# recursor:',
          '#   forward_zones:',
          "#     - zone: '.'",
          '#       forwarders:',
          `#         - '${colon}'`,
          '',
        ].join('\n'),
        warnings,
      };
  }
}
