// The root hints file (IANA named.root, keys/root.hints): `.` NS a..m and their
// A/AAAA addresses. A tiny local reader: the hints are a fixed, simple subset of
// the master-file format (one record per line, no $ORIGIN, no parentheses), so
// we do not need the full zone parser (or its RDATA codecs) to read them.
//
// Tests and drills point `--root-hints` at a file listing fake roots on
// loopback addresses and set `--root-port`; production uses the IANA file on 53.

import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { ConfigError } from '../errors.js';

export interface RootServer {
  /** Lower-case absolute name, e.g. `a.root-servers.net.` */
  readonly name: string;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

export class RootHintsError extends ConfigError {
  override readonly name = 'RootHintsError';
}

/** Parse root hints text. Throws RootHintsError with `file:line` on bad lines. */
export function parseRootHints(text: string, file = 'root hints'): RootServer[] {
  const ns: string[] = [];
  const v4 = new Map<string, string[]>();
  const v6 = new Map<string, string[]>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    const tok = line.split(/\s+/);
    if (tok[0]!.startsWith('$')) throw new RootHintsError(`${where}: directive ${tok[0]} not supported in a hints file`);
    let k = 1;
    if (/^[0-9]+$/.test(tok[k] ?? '')) k++;
    if (/^IN$/i.test(tok[k] ?? '')) k++;
    const type = (tok[k] ?? '').toUpperCase();
    const data = tok[k + 1];
    if (data === undefined || tok.length !== k + 2) throw new RootHintsError(`${where}: expected "owner [ttl] [IN] type data"`);
    const owner = tok[0]!.toLowerCase();
    const abs = (n: string) => (n.endsWith('.') ? n.toLowerCase() : `${n.toLowerCase()}.`);
    if (type === 'NS') {
      if (owner !== '.') throw new RootHintsError(`${where}: NS for "${owner}", a hints file lists only "." NS`);
      const target = abs(data);
      if (!ns.includes(target)) ns.push(target);
    } else if (type === 'A') {
      if (!net.isIPv4(data)) throw new RootHintsError(`${where}: "${data}" is not an IPv4 address`);
      push(v4, abs(owner), data);
    } else if (type === 'AAAA') {
      if (!net.isIPv6(data)) throw new RootHintsError(`${where}: "${data}" is not an IPv6 address`);
      push(v6, abs(owner), data);
    } else {
      throw new RootHintsError(`${where}: unexpected type ${type} in a hints file`);
    }
  });
  if (ns.length === 0) throw new RootHintsError(`${file}: no "." NS records`);
  const servers = ns.map((name) => ({ name, ipv4: v4.get(name) ?? [], ipv6: v6.get(name) ?? [] }));
  const bare = servers.filter((s) => s.ipv4.length === 0 && s.ipv6.length === 0);
  if (bare.length > 0) throw new RootHintsError(`${file}: no address for ${bare.map((s) => s.name).join(', ')}`);
  return servers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else if (!l.includes(v)) l.push(v);
}

export async function readRootHints(path: string): Promise<RootServer[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new RootHintsError(`cannot read root hints ${path}: ${(e as Error).message}; pass --root-hints FILE`, { cause: e });
  }
  return parseRootHints(text, path);
}

export type AddressFamilies = '4' | '6' | 'both';

/** One probe target per (server, address), IPv4 first, on `port` (53 unless testing). */
export function rootTargets(
  servers: readonly RootServer[],
  port = 53,
  families: AddressFamilies = 'both',
): { server: string; address: string; port: number }[] {
  const out: { server: string; address: string; port: number }[] = [];
  for (const s of servers) {
    if (families !== '6') for (const a of s.ipv4) out.push({ server: s.name, address: a, port });
    if (families !== '4') for (const a of s.ipv6) out.push({ server: s.name, address: a, port });
  }
  return out;
}
