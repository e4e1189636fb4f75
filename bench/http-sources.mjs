// Real HTTP sources, legal and misbehaving, on raw sockets (node:net), for
// test/http-matrix.test.ts, test/http-sources-daemon.test.ts and
// bench/http-soak.mjs. Raw sockets because node:http cannot produce an
// HTTP/1.0 close-delimited body, a reset mid-body or a dripping body at will.
//
// A route is `(socket, request) => void`: it writes the whole response itself
// and ends or keeps the connection. Requests on a kept connection are parsed
// one after the other (undici reuses connections).

import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * @typedef {{ method: string, path: string, headers: Record<string, string> }} RawRequest
 * @typedef {(socket: import('node:net').Socket, req: RawRequest) => void} RawRoute
 */

export class RawHttpServer {
  /** @type {Map<string, RawRoute>} */
  routes = new Map();
  /** Request lines seen, e.g. "GET /root.zone" (with the conditional headers, if any). */
  hits = [];
  /** Connections open right now (a freed socket leaves this set). */
  open = new Set();
  base = '';
  #server = createServer((socket) => this.#accept(socket));

  /** @param {string} host */
  async start(host = '127.0.0.1') {
    await new Promise((resolve) => this.#server.listen(0, host, () => resolve(undefined)));
    const a = this.#server.address();
    this.base = `http://${host}:${typeof a === 'object' && a !== null ? a.port : 0}`;
    return this;
  }

  async stop() {
    for (const s of this.open) s.destroy();
    await new Promise((resolve) => this.#server.close(() => resolve(undefined)));
  }

  /** Resolves when no connection is open (the client freed its sockets). */
  async drained(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (this.open.size > 0) {
      if (Date.now() > deadline) throw new Error(`${this.open.size} connection(s) still open after ${timeoutMs} ms`);
      await new Promise((resolve) => [...this.open][0].once('close', resolve));
    }
  }

  /** @param {import('node:net').Socket} socket */
  #accept(socket) {
    this.open.add(socket);
    socket.on('close', () => this.open.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const [line, ...rest] = buf.slice(0, end).split('\r\n');
        buf = buf.slice(end + 4);
        const [method = '', target = '/'] = line.split(' ');
        /** @type {Record<string, string>} */
        const headers = {};
        for (const h of rest) {
          const i = h.indexOf(':');
          if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
        }
        const path = new URL(target, 'http://x').pathname;
        const cond = ['if-none-match', 'if-modified-since'].filter((k) => k in headers);
        this.hits.push(`${method} ${path}${cond.length > 0 ? ` [${cond.join(',')}]` : ''}`);
        const route = this.routes.get(path);
        if (route === undefined) {
          socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found');
          continue;
        }
        route(socket, { method, path, headers });
      }
    });
  }
}

const head = (status, headers) => `${[status, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n')}\r\n\r\n`;

/**
 * Legal framings of a 200 response. Each takes the body and returns a route.
 * @type {Record<string, (body: Uint8Array) => RawRoute>}
 */
export const FRAMINGS = {
  /** HTTP/1.0, no Content-Length, no Content-Type: the body ends when the server closes. */
  'http10-close': (body) => (s) => {
    s.write(head('HTTP/1.0 200 OK', {}));
    s.end(body);
  },
  /** HTTP/1.1, Connection: close, with Content-Length. */
  'close-with-length': (body) => (s) => {
    s.write(head('HTTP/1.1 200 OK', { 'Content-Type': 'text/plain', 'Content-Length': body.length, Connection: 'close' }));
    s.end(body);
  },
  /** Chunked transfer coding in uneven chunks, connection kept. */
  chunked: (body) => (s) => {
    s.write(head('HTTP/1.1 200 OK', { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' }));
    for (let i = 0, n = 1; i < body.length; i += n, n = (n * 7 + 13) % 65_521 || 1) {
      const c = body.subarray(i, i + n);
      s.write(`${c.length.toString(16)}\r\n`);
      s.write(c);
      s.write('\r\n');
    }
    s.write('0\r\n\r\n');
  },
  /** Content-Encoding: gzip, close-delimited (no length). */
  'gzip-close': (body) => {
    const z = gzipSync(body);
    return (s) => {
      s.write(head('HTTP/1.1 200 OK', { 'Content-Encoding': 'gzip', Connection: 'close' }));
      s.end(z);
    };
  },
  /** A gzip file as such (for a `.gz` URL): no Content-Encoding. */
  'gz-file': (body) => {
    const z = gzipSync(body);
    return (s) => {
      s.write(head('HTTP/1.1 200 OK', { 'Content-Type': 'application/gzip', 'Content-Length': z.length }));
      s.write(z);
    };
  },
};

/** Every way a source misbehaves, as routes (some need the body they pretend to serve). */
export const MISBEHAVING = {
  /** Headers, then one byte every `everyMs` for ever (until the client goes away). */
  drip: (body, everyMs = 1000) => (s) => {
    s.write(head('HTTP/1.1 200 OK', { 'Content-Length': body.length }));
    let i = 0;
    const t = setInterval(() => {
      if (i < body.length) s.write(body.subarray(i, ++i));
    }, everyMs);
    s.once('close', () => clearInterval(t));
  },
  /** 304 whether or not the request was conditional. */
  notModified: () => (s) => {
    s.write(head('HTTP/1.1 304 Not Modified', { ETag: '"always"' }));
  },
  /** A 200 login or error page, said to be HTML. */
  htmlPage: () => (s) => {
    const page = '<!DOCTYPE html><html><body>Please log in</body></html>';
    s.write(head('HTTP/1.1 200 OK', { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length }));
    s.write(page);
  },
  /** The same page sent as text/plain: found by its first bytes. */
  htmlSniffed: () => (s) => {
    const page = '\n  <html><head><title>503</title></head><body>busy</body></html>';
    s.write(head('HTTP/1.1 200 OK', { 'Content-Type': 'text/plain', 'Content-Length': page.length }));
    s.write(page);
  },
  /** Content-Length promised, half the body, then a TCP RST. */
  resetMidBody: (body) => (s) => {
    s.write(head('HTTP/1.1 200 OK', { 'Content-Length': body.length }));
    s.write(body.subarray(0, body.length >> 1), () => s.resetAndDestroy());
  },
  /** 302 to `to` (a path on this server or an absolute URL). */
  redirect: (to) => (s) => {
    s.write(head('HTTP/1.1 302 Found', { Location: to, 'Content-Length': 0 }));
  },
};
