// Test kit for the refresh tests (outside src/, so never compiled into dist;
// imported by *.test.ts only). A loopback HTTP server whose routes the
// test sets, a throw-away OpenPGP key, and a ZonePipeline that checks the PGP
// layer for real (openpgp) and builds with the real buildZone from a
// deliberately tiny line parser (SOA, NS, A only) until src/verify and the full
// parser land — the refresher's policies are the subject here.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { MemoryLog } from '../src/log.js';
import { DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_RECORDS } from '../src/refresh/config.js';
import { DataDir } from '../src/refresh/data-dir.js';
import { Refresher } from '../src/refresh/refresher.js';
import { createZonePipeline } from '../src/refresh/zone-pipeline.js';
import { ZoneStore } from '../src/zone/store.js';
import { Name } from '../src/dns/name.js';
import type { ResourceRecord } from '../src/dns/record.js';
import { buildZone } from '../src/zone/build.js';
import { candidateBytes, type PipelineCandidate, type ZonePipeline } from '../src/refresh/zone-pipeline.js';
import { CheckError, type CheckedZone } from '../src/verify/candidate.js';
import type { LayerVerifiers, VerifyInput } from '../src/verify/layer-verifiers.js';
import type { Layer, LayerVerdicts, Verdict as LayerVerdict } from '../src/verify/verdict.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export class FixtureServer {
  readonly routes = new Map<string, Route>();
  readonly hits: string[] = [];
  private server: Server | undefined;
  base = '';

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      this.hits.push(req.url ?? '');
      const r = this.routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (r === undefined) {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      r(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.base = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Serve `body` at `path` with an ETag, answering 304 to a matching If-None-Match. */
  file(path: string, body: Uint8Array, etag?: string): void {
    this.routes.set(path, (req, res) => {
      if (etag !== undefined && req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length, ...(etag !== undefined ? { etag } : {}) });
      res.end(body);
    });
  }

  async stop(): Promise<void> {
    if (this.server === undefined) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

export interface TestKey {
  readonly privateKey: openpgp.PrivateKey;
  readonly publicKey: openpgp.PublicKey;
}

export async function makeKey(name = 'rootmirror test'): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name }], format: 'object' });
  return { privateKey, publicKey };
}

export async function sign(key: TestKey, bytes: Uint8Array): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: bytes });
  return (await openpgp.sign({ message, signingKeys: key.privateKey, detached: true, format: 'binary' })) as Uint8Array;
}

/** A tiny valid root-like zone; `filler` pads it, `extra` changes content without changing the serial. */
export function zoneText(serial: number, opts: { filler?: number; extra?: string; expire?: number } = {}): Uint8Array {
  const lines = [
    `.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. ${serial} 1800 900 ${opts.expire ?? 604800} 86400`,
    `.\t518400\tIN\tNS\ta.root-servers.net.`,
    `a.root-servers.net.\t518400\tIN\tA\t198.41.0.4`,
  ];
  for (let i = 0; i < (opts.filler ?? 0); i++) lines.push(`; filler line ${i} to make the zone bigger than a packet`);
  if (opts.extra !== undefined) lines.push(opts.extra);
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

function u32s(...xs: number[]): Uint8Array {
  const b = new Uint8Array(xs.length * 4);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setUint32(i * 4, x));
  return b;
}

/** SOA, NS and A lines only; anything else is a parse failure. */
export function tinyParse(bytes: Uint8Array): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    const f = line.split(/\s+/);
    const [owner, ttl, cls, type, ...rd] = f;
    if (cls !== 'IN' || owner === undefined || !/^\d+$/.test(ttl ?? '')) throw new CheckError(`line ${i + 1}: cannot parse "${line}"`);
    const name = Name.fromText(owner);
    let rdata: Uint8Array;
    if (type === 'SOA' && rd.length === 7) {
      const m = Name.fromText(rd[0]!).wire;
      const r = Name.fromText(rd[1]!).wire;
      const nums = rd.slice(2).map(Number);
      if (nums.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffffffff)) throw new CheckError(`line ${i + 1}: bad SOA numbers`);
      rdata = new Uint8Array([...m, ...r, ...u32s(...nums)]);
    } else if (type === 'NS' && rd.length === 1) rdata = Name.fromText(rd[0]!).wire;
    else if (type === 'A' && rd.length === 1 && /^\d+\.\d+\.\d+\.\d+$/.test(rd[0]!)) rdata = new Uint8Array(rd[0]!.split('.').map(Number));
    else throw new CheckError(`line ${i + 1}: cannot parse "${line}"`);
    out.push({ name, type: type === 'SOA' ? 6 : type === 'NS' ? 2 : 1, class: 1, ttl: Number(ttl), rdata });
  }
  return out;
}

/** PGP checked for real with `keys`; other layers are not available in this kit. */
export function pgpPipeline(keys: readonly { readonly publicKey: openpgp.PublicKey }[], opts: { layers?: readonly Layer[] } = {}): ZonePipeline & { calls: number } {
  const layers = opts.layers ?? (['pgp'] as const);
  const p = {
    layers,
    calls: 0,
    async check(input: PipelineCandidate, _at: number): Promise<CheckedZone> {
      p.calls++;
      const c = await candidateBytes(input);
      const verdicts: { -readonly [K in Layer]?: LayerVerdicts[K] } = {};
      if (layers.includes('pgp') && c.pgpApplies) {
        const t0 = performance.now();
        if (c.signature === undefined) throw new CheckError('pgp: no signature (fail closed)', { pgp: { ok: false, detail: 'no signature', ms: 0 } });
        try {
          const signature = await openpgp.readSignature({ binarySignature: c.signature });
          const message = await openpgp.createMessage({ binary: c.bytes });
          const v = await openpgp.verify({ message, signature, verificationKeys: keys.map((k) => k.publicKey) });
          if (v.signatures.length === 0) throw new Error('no signatures in the .sig file');
          await v.signatures[0]!.verified;
        } catch (err) {
          const detail = (err as Error).message;
          verdicts.pgp = { ok: false, detail, ms: performance.now() - t0 };
          throw new CheckError(`pgp: ${detail}`, verdicts, { cause: err });
        }
        verdicts.pgp = { ok: true, detail: 'good signature', ms: performance.now() - t0 };
      }
      const zone = buildZone(tinyParse(c.bytes), { dnssec: 'keep' });
      return { zone, serial: zone.serial, layers: verdicts, signaturesExpireAt: undefined };
    },
  };
  return p;
}

/** Check a detached signature over `bytes` with openpgp (library defaults). */
export async function checkPgp(keys: readonly { readonly publicKey: openpgp.PublicKey }[], bytes: Uint8Array, sig: Uint8Array): Promise<LayerVerdict> {
  const t0 = performance.now();
  try {
    const signature = await openpgp.readSignature({ binarySignature: sig });
    const message = await openpgp.createMessage({ binary: bytes });
    const v = await openpgp.verify({ message, signature, verificationKeys: keys.map((k) => k.publicKey) });
    if (v.signatures.length === 0) throw new Error('no signatures in the .sig file');
    await v.signatures[0]!.verified;
    return { ok: true, detail: 'good signature', ms: performance.now() - t0 };
  } catch (err) {
    return { ok: false, detail: (err as Error).message, ms: performance.now() - t0 };
  }
}

/**
 * Layer verifiers for createZonePipeline in tests: PGP for real with openpgp;
 * ZONEMD and DNSSEC are src/verify's and are not available here (calling them
 * is a test bug, so they throw).
 */
export function pgpVerifiers(keys: readonly { readonly publicKey: openpgp.PublicKey }[]): LayerVerifiers {
  return {
    pgp: (input: VerifyInput) => checkPgp(keys, input.bytes, input.signature!),
    zonemd: () => Promise.reject(new Error('zonemd verifier not available in this test')),
    dnssec: () => Promise.reject(new Error('dnssec verifier not available in this test')),
  };
}

/**
 * A data dir at `dir` holding the verified (PGP by `key`) copy served at
 * `source`, confirmed a day ago, so a daemon started on it refreshes at once.
 */
export async function seedDataDir(dir: string, source: string, key: TestKey): Promise<void> {
  const pipeline = createZonePipeline({ layers: ['pgp'], dnssec: 'keep', verifiers: pgpVerifiers([key]), maxRecords: DEFAULT_MAX_RECORDS });
  const r = new Refresher({ dataDir: new DataDir(dir), store: new ZoneStore('servfail'), pipeline, sources: [source], log: new MemoryLog(), fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS });
  const ev = await r.refresh();
  await r.close();
  if (ev.outcome !== 'updated') throw new Error(`seeding ${dir} from ${source}: ${ev.outcome}`);
  const metaPath = join(dir, 'current', 'meta.json');
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { confirmedAt: string };
  meta.confirmedAt = new Date(Date.now() - 86_400_000).toISOString();
  await writeFile(metaPath, JSON.stringify(meta));
}
