// The refresh side logs through this small interface so the ops engineer's
// structured logger (src/ops) can be plugged in; the default writes one line per
// event to stderr.

export type LogFields = Readonly<Record<string, unknown>>;

export interface RefreshLog {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

function line(level: string, msg: string, fields?: LogFields): string {
  const extra = fields === undefined ? '' : ' ' + JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v));
  return `${new Date().toISOString()} ${level} ${msg}${extra}\n`;
}

export const stderrLog: RefreshLog = {
  info: (m, f) => process.stderr.write(line('info', m, f)),
  warn: (m, f) => process.stderr.write(line('warn', m, f)),
  error: (m, f) => process.stderr.write(line('error', m, f)),
};

/** Collects lines in memory (tests assert that a rejection "shows in the logs"). */
export class MemoryLog implements RefreshLog {
  readonly lines: { level: 'info' | 'warn' | 'error'; msg: string; fields: LogFields | undefined }[] = [];
  info(msg: string, fields?: LogFields): void {
    this.lines.push({ level: 'info', msg, fields });
  }
  warn(msg: string, fields?: LogFields): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
  error(msg: string, fields?: LogFields): void {
    this.lines.push({ level: 'error', msg, fields });
  }
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.msg} ${l.fields === undefined ? '' : JSON.stringify(l.fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`).join('\n');
  }
}
