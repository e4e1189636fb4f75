// The /metrics document, computed from one OpsSnapshot on each scrape.

import { rcodeToString, typeToString } from '../dns/types.js';
import { STATE_CODE, MonitorState } from '../monitor/drift.js';
import { Exposition, type Labels } from './prom.js';
import { ALARM_KINDS, isReady, type OpsSnapshot } from './status.js';

const sec = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export function renderMetrics(s: OpsSnapshot): string {
  const e = new Exposition();
  const z = s.zone;
  const m = s.monitor;
  e.single('rootmirror_ready', 'gauge', '1 when a verified, unexpired zone is being served (same as /readyz).', isReady(s) ? 1 : 0);
  e.single('rootmirror_zone_serial', 'gauge', 'SOA serial of the served zone.', z?.serial);
  e.single('rootmirror_zone_age_seconds', 'gauge', 'Seconds since the served copy was last confirmed current upstream.', z?.confirmedAt === undefined ? undefined : sec(s.now - z.confirmedAt));
  e.single('rootmirror_zone_expires_in_seconds', 'gauge', 'Seconds until the served copy expires (negative: expired).', z?.expiresAt === undefined ? undefined : sec(z.expiresAt - s.now));
  e.single(
    'rootmirror_zone_signature_expires_in_seconds',
    'gauge',
    'Seconds until the earliest apex RRSIG of the served zone expires.',
    z?.apexSigExpiresAt === undefined ? undefined : sec(z.apexSigExpiresAt - s.now),
  );
  const layers = Object.entries(z?.layers ?? {}).filter(([, v]) => v !== undefined);
  e.family('rootmirror_verification_ok', 'gauge', 'Verdict of each verification layer on the served copy (1 pass, 0 fail).', layers.map(([k, v]) => [{ layer: k }, v!.ok ? 1 : 0] as const));
  e.family('rootmirror_verification_duration_seconds', 'gauge', 'Time each verification layer took on the served copy.', layers.map(([k, v]) => [{ layer: k }, v!.ms / 1000] as const));
  const lr = s.lastRefresh;
  e.single('rootmirror_refresh_last_timestamp_seconds', 'gauge', 'Unix time of the last refresh cycle.', sec(lr?.at));
  e.single('rootmirror_refresh_last_success_timestamp_seconds', 'gauge', 'Unix time of the last refresh that updated or confirmed the zone.', sec(s.lastSuccessAt));
  e.single('rootmirror_refresh_last_duration_seconds', 'gauge', 'Duration of the last refresh cycle.', sec(lr?.durationMs));
  e.family('rootmirror_refresh_last_result', 'gauge', 'Outcome of the last refresh cycle (1 for the outcome it had).', lr ? (['updated', 'unchanged', 'failed'] as const).map((o) => [{ outcome: o }, lr.outcome === o ? 1 : 0] as const) : []);
  const lrl = Object.entries(lr?.layers ?? {}).filter(([, v]) => v !== undefined);
  e.family('rootmirror_refresh_last_verification_ok', 'gauge', 'Verdict of each verification layer in the last refresh cycle.', lrl.map(([k, v]) => [{ layer: k }, v!.ok ? 1 : 0] as const));
  e.family('rootmirror_refresh_last_verification_duration_seconds', 'gauge', 'Time each verification layer took in the last refresh cycle.', lrl.map(([k, v]) => [{ layer: k }, v!.ms / 1000] as const));
  e.family('rootmirror_refreshes_total', 'counter', 'Refresh cycles by outcome.', Object.entries(s.refreshes).map(([k, v]) => [{ outcome: k }, v] as const));
  e.single('rootmirror_refresh_same_serial_conflict', 'gauge', '1 while a source serves the held serial with different content (refused; stands until a new serial is stored).', s.alarm?.kind === 'same-serial-different-content' ? 1 : 0);
  e.family('rootmirror_refresh_alarms_total', 'counter', 'Copies refused and alarmed, by kind (same serial with different content, serial rollback).', ALARM_KINDS.map((k) => [{ kind: k }, s.alarms[k]] as const));
  e.single('rootmirror_refresh_failed_verification_streak', 'gauge', 'Consecutive most-recent refreshes that failed verification.', s.failedVerificationStreak);

  e.single('rootmirror_monitor_last_run_timestamp_seconds', 'gauge', 'Unix time of the last drift check against the live roots.', sec(m?.at));
  e.family(
    'rootmirror_monitor_state',
    'gauge',
    'Drift monitor state: 1 for the current state.',
    m ? Object.values(MonitorState).map((st) => [{ state: st }, m.state === st ? 1 : 0] as const) : [],
  );
  e.single('rootmirror_monitor_state_code', 'gauge', 'Drift monitor state as a Nagios code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', m ? STATE_CODE[m.state] : undefined);
  e.single('rootmirror_live_serial', 'gauge', 'Highest serial served by a majority of the root servers that answered.', m?.liveSerial);
  e.single('rootmirror_behind_seconds', 'gauge', 'Seconds the served serial has been behind the live serial (0 when not behind).', m ? sec(m.behindMs) : undefined);
  e.single('rootmirror_roots_answered', 'gauge', 'Root servers that answered the last SOA probe.', m?.rootsAnswered);
  const rootSamples: (readonly [Labels, number])[] = [];
  const upSamples: (readonly [Labels, number])[] = [];
  for (const r of m?.roots ?? [])
    for (const a of r.addresses) {
      if (a.serial !== undefined) rootSamples.push([{ server: r.server, address: a.address }, a.serial]);
      upSamples.push([{ server: r.server, address: a.address }, a.serial !== undefined ? 1 : 0]);
    }
  e.family('rootmirror_root_serial', 'gauge', 'SOA serial each root server instance answered in the last probe.', rootSamples);
  e.family('rootmirror_root_up', 'gauge', 'Whether each root server instance gave a usable SOA answer in the last probe.', upSamples);

  const c = s.counters;
  e.family('rootmirror_dns_queries_total', 'counter', 'DNS queries answered, by transport, query type and response code.', [...(c?.queryCounts() ?? [])].map((q) => [{ transport: q.transport, qtype: typeToString(q.qtype), rcode: rcodeToString(q.rcode) }, q.count] as const));
  e.single('rootmirror_dns_truncated_total', 'counter', 'UDP responses sent with TC set.', c?.truncated);
  e.single('rootmirror_dns_malformed_total', 'counter', 'Malformed queries received.', c?.malformed);
  e.single('rootmirror_dns_dropped_total', 'counter', 'Queries dropped without a response.', c?.dropped);
  e.single('rootmirror_dns_tcp_connections_total', 'counter', 'TCP connections accepted.', c?.tcpOpened);
  e.single('rootmirror_dns_tcp_closed_total', 'counter', 'TCP connections closed (accepted minus closed is the number open).', c?.tcpClosed);
  e.single('rootmirror_dns_tcp_evicted_total', 'counter', 'TCP connections closed to make room, or refused, when --max-tcp-connections was reached.', c?.tcpEvicted);
  e.single('rootmirror_dns_tcp_idle_timeouts_total', 'counter', 'TCP connections closed after --tcp-idle-timeout (idle, or a query dribbling in for longer).', c?.tcpIdleTimeouts);
  e.family('rootmirror_dns_axfr_total', 'counter', 'AXFR requests by result (served, or refused by --allow-transfer or for want of a zone).', c === undefined ? [] : [
    [{ result: 'served' }, c.axfrServed],
    [{ result: 'refused' }, c.axfrRefused],
  ]);
  e.family('rootmirror_dns_ixfr_total', 'counter', 'IXFR requests by result: incremental (differences), full (AXFR-style, serial not held), current (SOA alone), udp_soa_only (behind, asked over UDP: SOA alone, retry over TCP), refused.', c === undefined ? [] : [
    [{ result: 'incremental' }, c.ixfrIncremental],
    [{ result: 'full' }, c.ixfrFull],
    [{ result: 'current' }, c.ixfrCurrent],
    [{ result: 'udp_soa_only' }, c.ixfrUdpSoaOnly],
    [{ result: 'refused' }, c.ixfrRefused],
  ]);
  e.single('rootmirror_dns_transfer_tsig_refused_total', 'counter', 'AXFR/IXFR requests refused for TSIG with --tsig-key set (unsigned, unknown key, bad MAC or time).', c?.transferRefusedTsig);
  e.single('rootmirror_dns_servfail_exceptions_total', 'counter', 'Unexpected exceptions while answering (each answered SERVFAIL and logged, rate-limited).', c?.servfailOnException);
  e.single('rootmirror_dns_fallback_forwarded_total', 'counter', 'Queries forwarded to the live roots because no usable zone was held.', c?.fallbackForwarded);
  e.single('rootmirror_dns_fallback_failed_total', 'counter', 'Queries the live-root fallback could not relay (answered SERVFAIL).', c?.fallbackFailed);
  e.family('rootmirror_dns_rate_limited_total', 'counter', 'UDP responses over --rate-limit for their client network, by what was done: dropped, or slipped (sent as an empty TC=1 reply).', c === undefined ? [] : [
    [{ action: 'dropped' }, c.rateLimitDropped],
    [{ action: 'slipped' }, c.rateLimitSlipped],
  ]);
  e.single('rootmirror_dns_do_on_stripped_total', 'counter', 'Queries with the DO bit set answered from a zone served with --dnssec strip (validating resolvers; they need --dnssec keep).', c?.doOnStripped);
  e.family('rootmirror_notify_received_total', 'counter', 'NOTIFY in (RFC 1996) by outcome: accepted, refused (--notify-from, not . SOA, malformed), bad_tsig (missing, unknown key, bad MAC, time).', c === undefined ? [] : [
    [{ outcome: 'accepted' }, c.notifyAccepted],
    [{ outcome: 'refused' }, c.notifyRefused],
    [{ outcome: 'bad_tsig' }, c.notifyBadTsig],
  ]);
  e.family('rootmirror_notify_sent_total', 'counter', 'NOTIFY out per --notify target: ok (acknowledged), failed (error answer or given up), retry (retransmissions, RFC 1996 §3.6).', [...(c?.notifySent ?? [])].flatMap(([target, n]) => (['ok', 'failed', 'retry'] as const).map((o) => [{ target, outcome: o }, n[o]] as const)));
  if (s.webhook)
    e.family('rootmirror_alert_webhook_deliveries_total', 'counter', 'Alert webhook deliveries by result.', [
      [{ result: 'delivered' }, s.webhook.sent],
      [{ result: 'failed' }, s.webhook.failures],
    ]);
  s.runtime?.write(e);
  return e.text();
}
