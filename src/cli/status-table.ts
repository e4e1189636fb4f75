// `rootmirror status` as a human reads it: the /status document
// (src/ops/status.ts statusDocument) turned into aligned lines. Pure: the
// document and "now" in, text out. Durations are relative to the daemon's own
// `now` field, so a skewed clock on the reading side does not change them.

/** The parts of /status this table shows (times are ISO strings or null). */
export interface StatusView {
  readonly now: string;
  readonly ready: boolean;
  readonly reason: string;
  readonly serial: number | null;
  readonly source: string | null;
  readonly confirmedAt: string | null;
  readonly expiresAt: string | null;
  readonly signaturesExpireAt: string | null;
  readonly layers: Readonly<Record<string, { readonly ok: boolean; readonly detail: string; readonly ms: number } | undefined>>;
  readonly lastRefresh: {
    readonly at: string | null;
    readonly outcome: string;
    readonly durationMs: number;
    readonly source: string | null;
    readonly error: string | null;
    readonly layers?: StatusView['layers'];
  } | null;
  readonly failedVerificationStreak: number;
  readonly monitor: {
    readonly at: string | null;
    readonly state: string;
    readonly reason: string;
    readonly liveSerial: number | null;
    readonly behindSeconds: number;
    readonly rootsAsked: number;
    readonly rootsAnswered: number;
    readonly roots: readonly { readonly server: string; readonly serial?: number; readonly addresses: readonly { readonly address: string; readonly serial?: number; readonly error?: string }[] }[];
  } | null;
  readonly alarm: { readonly kind: string; readonly serial: number; readonly source: string; readonly message: string; readonly at: string | null } | null;
  readonly lastError: { readonly at: string | null; readonly message: string } | null;
}

/** `3d 4h`, `2h 5m`, `12m 3s`, `45s`: the two largest units, enough to act on. */
export function humanDuration(ms: number): string {
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return (neg ? '-' : '') + parts.slice(0, 2).join(' ');
}

function layerList(layers: StatusView['layers'] | undefined): string {
  const l = Object.entries(layers ?? {}).filter(([, v]) => v !== undefined);
  if (l.length === 0) return 'none';
  return l.map(([k, v]) => `${k} ${v!.ok ? 'ok' : `FAILED (${v!.detail})`} ${Math.round(v!.ms)} ms`).join(', ');
}

/** The table: one `label  value` line each, then the roots the monitor asked, one line per root server. */
export function formatStatus(doc: StatusView): string {
  const now = Date.parse(doc.now);
  const ago = (iso: string | null) => (iso === null ? 'never' : `${humanDuration(now - Date.parse(iso))} ago (${iso})`);
  const until = (iso: string | null) => {
    if (iso === null) return 'no expiry known';
    const left = Date.parse(iso) - now;
    return left < 0 ? `EXPIRED ${humanDuration(-left)} ago (${iso})` : `${humanDuration(left)} (${iso})`;
  };
  const rows: [string, string][] = [
    ['state', `${doc.ready ? 'ready' : 'NOT READY'}: ${doc.reason}`],
    ['serial', doc.serial === null ? 'none served' : String(doc.serial)],
    ['source', doc.source ?? '-'],
    ['age', doc.confirmedAt === null ? 'not known (no confirmation recorded)' : `confirmed current ${ago(doc.confirmedAt)}`],
    ['expires in', until(doc.expiresAt)],
    ['signatures expire in', until(doc.signaturesExpireAt)],
    ['verified', layerList(doc.layers)],
  ];
  const lr = doc.lastRefresh;
  if (lr === null) rows.push(['last refresh', 'none (a --zone-file, or none yet)']);
  else {
    rows.push(['last refresh', `${lr.outcome} ${ago(lr.at)}, took ${humanDuration(lr.durationMs)}${lr.error === null ? '' : `: ${lr.error}`}`]);
    rows.push(['last refresh layers', layerList(lr.layers)]);
  }
  rows.push(['failed verifications', `${doc.failedVerificationStreak} in a row`]);
  if (doc.alarm !== null) rows.push(['ALARM', `${doc.alarm.kind} (serial ${doc.alarm.serial}, ${doc.alarm.source}) ${ago(doc.alarm.at)}: ${doc.alarm.message}`]);
  if (doc.lastError !== null) rows.push(['last error', `${ago(doc.lastError.at)}: ${doc.lastError.message}`]);
  const m = doc.monitor;
  if (m === null) rows.push(['monitor', 'no report (--monitor-interval 0, or the first run has not finished)']);
  else {
    rows.push(['monitor', `${m.state}: ${m.reason} (checked ${ago(m.at)})`]);
    rows.push(['live serial', `${m.liveSerial ?? 'unknown'}${m.behindSeconds > 0 ? `, behind for ${humanDuration(m.behindSeconds * 1000)}` : ''}; ${m.rootsAnswered} of ${m.rootsAsked} root addresses answered`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const out = rows.map(([k, v]) => k.padEnd(width) + v);
  if (m !== null && m.roots.length > 0) {
    const w = Math.max(6, ...m.roots.map((r) => r.server.length)) + 2;
    out.push('', 'root'.padEnd(w) + 'serial'.padEnd(12) + 'addresses');
    for (const r of m.roots) {
      const addrs = r.addresses.map((a) => `${a.address} ${a.serial ?? `silent${a.error ? ` (${a.error})` : ''}`}`).join(', ');
      out.push(r.server.padEnd(w) + String(r.serial ?? '-').padEnd(12) + addrs);
    }
  }
  return out.join('\n') + '\n';
}
