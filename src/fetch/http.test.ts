import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FetchError } from './errors.js';
import { download, fetchSmall } from './http.js';
import { signatureUrl } from './source.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootmirror-http-'));
});
afterEach(async () => {
  // Every failure must clean its temp file up.
  await rm(dir, { recursive: true, force: true });
});

const ZONE = Buffer.from('.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 2026082200 1800 900 604800 86400\n'.repeat(2000));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function expectFetchError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchError);
  expect((err as FetchError).code).toBe(code);
  expect((err as FetchError).message).toMatch(message);
  expect((await readdir(dir)).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
}

describe('download', () => {
  it('stores the body in a temp file in the given dir, with its sha256 and validators', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': ZONE.length, etag: '"abc"', 'last-modified': 'Sat, 22 Aug 2026 00:00:00 GMT' });
      res.end(ZONE);
    };
    const r = await download(`${base}/root.zone`, { dir });
    expect(r.kind).toBe('downloaded');
    if (r.kind !== 'downloaded') return;
    expect(r.path.startsWith(join(dir, '.tmp-'))).toBe(true);
    expect(await readFile(r.path)).toEqual(ZONE);
    expect(r.sha256).toBe(sha(ZONE));
    expect(r.bytes).toBe(ZONE.length);
    expect(r.etag).toBe('"abc"');
    expect(r.lastModified).toBe('Sat, 22 Aug 2026 00:00:00 GMT');
  });

  it('sends If-None-Match / If-Modified-Since and reports 304 as not-modified', async () => {
    let seen: IncomingMessage['headers'] = {};
    handler = (req, res) => {
      seen = req.headers;
      res.writeHead(req.headers['if-none-match'] === '"abc"' ? 304 : 200);
      res.end();
    };
    const r = await download(`${base}/root.zone`, { dir, conditional: { etag: '"abc"', lastModified: 'Sat, 22 Aug 2026 00:00:00 GMT' } });
    expect(r).toEqual({ kind: 'not-modified', url: `${base}/root.zone` });
    expect(seen['if-none-match']).toBe('"abc"');
    expect(seen['if-modified-since']).toBe('Sat, 22 Aug 2026 00:00:00 GMT');
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([404, 500, 403])('HTTP %i is a clear error', async (status) => {
    handler = (_req, res) => {
      res.writeHead(status);
      res.end('nope');
    };
    await expectFetchError(download(`${base}/root.zone`, { dir }), 'status', new RegExp(`HTTP ${status}`));
  });

  it('user:password in the URL is sent as Basic authorization, on same-origin redirects too, never to another origin', async () => {
    const other = createServer((req, res) => {
      otherSaw.push(req.headers.authorization);
      res.end(ZONE);
    });
    const otherSaw: (string | undefined)[] = [];
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
    const otherBase = `http://127.0.0.2:${(other.address() as AddressInfo).port}`;
    try {
      const saw: { url: string | undefined; authorization: string | undefined }[] = [];
      handler = (req, res) => {
        saw.push({ url: req.url, authorization: req.headers.authorization });
        if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
        else if (req.url === '/b') res.writeHead(302, { location: `${otherBase}/c` }).end();
        else res.end(ZONE);
      };
      const withSecret = `${base.replace('http://', 'http://us%40er:p%3Ass@')}/a`;
      const r = await download(withSecret, { dir });
      expect(r.kind === 'downloaded' && r.url).toBe(`${otherBase}/c`);
      const basic = `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`;
      expect(saw).toEqual([
        { url: '/a', authorization: basic },
        { url: '/b', authorization: basic },
      ]);
      expect(otherSaw).toEqual([undefined]);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('follows up to 5 redirects', async () => {
    handler = (req, res) => {
      const n = Number(req.url!.slice(1));
      if (n < 5) {
        res.writeHead(302, { location: `/${n + 1}` });
        res.end();
      } else {
        res.end(ZONE);
      }
    };
    const r = await download(`${base}/0`, { dir });
    expect(r.kind === 'downloaded' && r.url).toBe(`${base}/5`);
  });

  it('refuses a sixth redirect', async () => {
    handler = (req, res) => {
      res.writeHead(301, { location: `/${Number(req.url!.slice(1)) + 1}` });
      res.end();
    };
    await expectFetchError(download(`${base}/0`, { dir }), 'redirect', /more than 5 redirects/);
  });

  it('detects a redirect loop', async () => {
    handler = (req, res) => {
      res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' });
      res.end();
    };
    await expectFetchError(download(`${base}/a`, { dir }), 'redirect', /redirect loop/);
  });

  it('aborts while streaming once the body passes the cap (no Content-Length)', async () => {
    let written = 0;
    handler = (_req, res) => {
      res.writeHead(200); // chunked
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    };
    await expectFetchError(download(`${base}/root.zone`, { dir, maxBytes: 1024 * 1024 }), 'too-large', /exceeds the 1048576-byte cap/);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a Content-Length over the cap before reading', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': ZONE.length });
      res.end(ZONE);
    };
    await expectFetchError(download(`${base}/root.zone`, { dir, maxBytes: 1000 }), 'too-large', /Content-Length \d+ exceeds/);
  });

  it('reports a truncated body (connection closed before Content-Length)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': ZONE.length });
      res.write(ZONE.subarray(0, 1000), () => res.socket?.destroy());
    };
    await expectFetchError(download(`${base}/root.zone`, { dir }), 'short-body', /short body/);
  });

  it('reports a stalled body via the body timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': ZONE.length });
      res.write(ZONE.subarray(0, 1000)); // then nothing
    };
    const t0 = Date.now();
    await expectFetchError(download(`${base}/root.zone`, { dir, timeouts: { bodyMs: 300 } }), 'timeout', /body stalled/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('inflates content-encoding: gzip', async () => {
    handler = (req, res) => {
      expect(req.headers['accept-encoding']).toContain('gzip');
      const gz = gzipSync(ZONE);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gz.length });
      res.end(gz);
    };
    const r = await download(`${base}/root.zone`, { dir });
    expect(r.kind === 'downloaded' && r.gzip).toBe(true);
    if (r.kind !== 'downloaded') return;
    expect(r.sha256).toBe(sha(ZONE));
    expect(r.wireBytes).toBeLessThan(ZONE.length);
    expect(await readFile(r.path)).toEqual(ZONE);
  });

  it('inflates a .gz URL', async () => {
    handler = (_req, res) => res.end(gzipSync(ZONE));
    const r = await download(`${base}/root.zone.gz`, { dir });
    expect(r.kind === 'downloaded' && r.sha256).toBe(sha(ZONE));
  });

  it('refuses a gzip bomb by counting inflated bytes', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024)); // ~200 KiB on the wire
    handler = (_req, res) => res.end(bomb);
    await expectFetchError(download(`${base}/root.zone.gz`, { dir, maxBytes: 4 * 1024 * 1024 }), 'gzip', /gzip bomb/);
  });

  it('reports corrupt gzip', async () => {
    const gz = gzipSync(ZONE);
    gz[gz.length >> 1] ^= 0xff;
    handler = (_req, res) => res.end(gz);
    await expectFetchError(download(`${base}/root.zone.gz`, { dir }), 'gzip', /gzip/);
  });

  it('shows progress on a TTY, and nothing otherwise', async () => {
    const big = Buffer.alloc(1024 * 1024, 0x41);
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': big.length });
      res.end(big);
    };
    const lines: string[] = [];
    const tty = Object.assign(new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }), { isTTY: true });
    await download(`${base}/root.zone`, { dir, progress: tty });
    expect(lines.join('')).toMatch(/\r.*root\.zone: 0\.\d \/ 1\.0 MiB/);
    const quiet: string[] = [];
    const pipe = Object.assign(new Writable({ write: (c: Buffer, _e, cb) => (quiet.push(c.toString()), cb()) }), { isTTY: false });
    await download(`${base}/root.zone`, { dir, progress: pipe });
    expect(quiet).toEqual([]);
  });

  it('reports DNS failure clearly', async () => {
    const dispatcher = new Agent({
      connect: {
        lookup: (_host: string, _o: unknown, cb: (err: Error) => void) =>
          cb(Object.assign(new Error('getaddrinfo ENOTFOUND www.internic.example'), { code: 'ENOTFOUND' })),
      } as never,
    });
    await expectFetchError(download('http://www.internic.example/root.zone', { dir, dispatcher }), 'dns', /DNS lookup of www.internic.example failed/);
    await dispatcher.close();
  });

  it('reports connection refused', async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise((resolve) => s.close(resolve));
    await expectFetchError(download(`http://127.0.0.1:${port}/root.zone`, { dir }), 'connect', /ECONNREFUSED/);
  });

  it('reports a TLS failure clearly', async () => {
    // A plain-HTTP server answering a TLS client: the handshake fails.
    await expectFetchError(download(base.replace('http:', 'https:') + '/root.zone', { dir }), 'tls', /TLS error|ERR_SSL/);
  });
});

describe.skipIf(!existsSync('/usr/bin/openssl'))('download over TLS', () => {
  it('an untrusted certificate is a clear TLS error; a trusted one downloads', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const cert = await readFile(join(dir, 'c.pem'));
    const tls = createHttpsServer({ key: await readFile(join(dir, 'k.pem')), cert }, (_req, res) => res.end(ZONE));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/root.zone`;
    try {
      await expectFetchError(download(url, { dir }), 'tls', /TLS error talking to 127\.0\.0\.1:\d+ \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
      const trusting = new Agent({ connect: { ca: cert } });
      const r = await download(url, { dir, dispatcher: trusting });
      expect(r.kind === 'downloaded' && r.sha256).toBe(sha(ZONE));
      await trusting.close();
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });
});

describe('fetchSmall / signatureUrl', () => {
  it('signature of X is X.sig, of X.gz is X.sig', () => {
    expect(signatureUrl('https://www.internic.net/domain/root.zone')).toBe('https://www.internic.net/domain/root.zone.sig');
    expect(signatureUrl('https://h/root.zone.gz?x=1')).toBe('https://h/root.zone.sig?x=1');
  });
  it('caps a signature body at 64 KiB', async () => {
    handler = (_req, res) => res.end(Buffer.alloc(100 * 1024));
    await expect(fetchSmall(`${base}/root.zone.sig`)).rejects.toThrow(/exceeds the 65536-byte cap/);
    handler = (_req, res) => res.end('sig');
    expect(Buffer.from(await fetchSmall(`${base}/root.zone.sig`)).toString()).toBe('sig');
  });
});
