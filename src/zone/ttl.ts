// TTLs in master files: RFC 2181 §8 range, plain seconds or BIND units.

/** RFC 2181 §8: a TTL is an unsigned 31-bit number. */
export const MAX_TTL = 0x7fffffff;

/** Parse a TTL: plain seconds or BIND units (`1w2d3h4m5s`, case-insensitive). Undefined if malformed or > MAX_TTL. */
export function parseTtl(text: string): number | undefined {
  let v = 0;
  let i = 0;
  for (; i < text.length && i <= 10; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  if (i === text.length && i > 0) return i <= 10 && v <= MAX_TTL ? v : undefined;
  if (!/^([0-9]+[wdhmsWDHMS])+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)([wdhmsWDHMS])/g)) {
    const unit = UNIT[m[2]!.toLowerCase()]!;
    total += Number(m[1]) * unit;
    if (total > MAX_TTL) return undefined;
  }
  return total;
}
const UNIT: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
