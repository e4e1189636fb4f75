// A tiny SOA-only authoritative server for tests and drills: answers `. SOA`
// with a chosen serial over UDP and TCP on one address and port, or misbehaves
// on request (silent, truncating, wrong ID, no AA), or like a captive network
// answering for the roots itself (NXDOMAIN without AA, its own SOA without
// AA, REFUSED). Not used by the daemon.

import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';

export type FakeRootMode =
  | 'answer'
  | 'silent'
  | 'truncate'
  | 'bad-id'
  | 'no-aa'
  | 'servfail'
  /** A captive portal's resolver: NXDOMAIN, AA clear, nothing in the answer. */
  | 'captive-nxdomain'
  /** A captive portal's resolver: an SOA of its own (serial 1, portal names), AA clear. */
  | 'captive-soa'
  /** A middlebox that refuses: REFUSED, AA clear. */
  | 'refused';

export interface FakeRootConfig {
  serial: number;
  mode?: FakeRootMode;
  /** Add an RRSIG over the SOA with this inception / expiration (ms since epoch). */
  sigInception?: number;
  sigExpiration?: number;
}

export class FakeRoot {
  queries = 0;
  private constructor(
    readonly address: string,
    readonly port: number,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    public config: FakeRootConfig,
  ) {}

  /** Bind UDP and TCP on the same port (0: pick one free on both). */
  static async start(address: string, port: number, config: FakeRootConfig): Promise<FakeRoot> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
      try {
        udp.bind(port, address);
        await once(udp, 'listening');
      } catch (e) {
        udp.close();
        if (port !== 0) throw e;
        continue;
      }
      const p = udp.address().port;
      const tcp = net.createServer();
      try {
        tcp.listen(p, address);
        await once(tcp, 'listening');
      } catch (e) {
        udp.close();
        if (port !== 0) throw e;
        continue;
      }
      const root = new FakeRoot(address, p, udp, tcp, config);
      root.wire();
      return root;
    }
    throw new Error(`could not bind UDP and TCP on one port at ${address}`);
  }

  private wire(): void {
    this.udp.on('message', (msg, rinfo) => {
      this.queries++;
      const r = this.respond(msg, 'udp');
      if (r) this.udp.send(r, rinfo.port, rinfo.address);
    });
    this.tcp.on('connection', (sock) => {
      let buf = Buffer.alloc(0);
      sock.on('error', () => {});
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        this.queries++;
        const r = this.respond(buf.subarray(2, 2 + buf.readUInt16BE(0)), 'tcp');
        if (!r) return void sock.destroy();
        const len = Buffer.alloc(2);
        len.writeUInt16BE(r.length);
        sock.end(Buffer.concat([len, r]));
      });
    });
  }

  private respond(q: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const mode = this.config.mode ?? 'answer';
    if (mode === 'silent' || q.length < 17) return undefined;
    const id = q.readUInt16BE(0);
    // Question: assume `. SOA IN` (root name = one zero byte) as the probe sends.
    const question = q.subarray(12, 17);
    const truncate = mode === 'truncate' && transport === 'udp';
    const captive = mode === 'captive-nxdomain' || mode === 'captive-soa' || mode === 'refused';
    let flags = 0x8000 | (mode === 'no-aa' || captive ? 0 : 0x0400);
    if (truncate) flags |= 0x0200;
    if (mode === 'servfail') flags |= 2;
    if (mode === 'captive-nxdomain') flags |= 3;
    if (mode === 'refused') flags |= 5;
    const answers: Buffer[] = [];
    if (!truncate && mode !== 'servfail' && mode !== 'captive-nxdomain' && mode !== 'refused') {
      const portal = mode === 'captive-soa';
      const mname = encodeName(portal ? 'portal.hotel.example.' : 'a.root-servers.net.');
      const rname = encodeName(portal ? 'admin.hotel.example.' : 'nstld.verisign-grs.com.');
      const fixed = Buffer.alloc(20);
      fixed.writeUInt32BE(portal ? 1 : this.config.serial >>> 0, 0);
      fixed.writeUInt32BE(1800, 4);
      fixed.writeUInt32BE(900, 8);
      fixed.writeUInt32BE(604800, 12);
      fixed.writeUInt32BE(86400, 16);
      answers.push(rr(6, 86400, Buffer.concat([mname, rname, fixed])));
      if (this.config.sigInception !== undefined) {
        const h = Buffer.alloc(18);
        h.writeUInt16BE(6, 0);
        h[2] = 8;
        h[3] = 0;
        h.writeUInt32BE(86400, 4);
        h.writeUInt32BE(Math.floor((this.config.sigExpiration ?? this.config.sigInception + 13 * 86400_000) / 1000) >>> 0, 8);
        h.writeUInt32BE(Math.floor(this.config.sigInception / 1000) >>> 0, 12);
        h.writeUInt16BE(20326, 16);
        answers.push(rr(46, 86400, Buffer.concat([h, Buffer.from([0]), Buffer.alloc(64, 7)])));
      }
    }
    const hdr = Buffer.alloc(12);
    hdr.writeUInt16BE(mode === 'bad-id' ? (id + 1) & 0xffff : id, 0);
    hdr.writeUInt16BE(flags, 2);
    hdr.writeUInt16BE(1, 4);
    hdr.writeUInt16BE(answers.length, 6);
    return Buffer.concat([hdr, question, ...answers]);
  }

  async close(): Promise<void> {
    this.udp.close();
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}

function encodeName(text: string): Buffer {
  const parts = text.split('.').filter((l) => l !== '');
  return Buffer.concat([...parts.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

function rr(type: number, ttl: number, rdata: Buffer): Buffer {
  const h = Buffer.alloc(11);
  h[0] = 0; // owner `.`
  h.writeUInt16BE(type, 1);
  h.writeUInt16BE(1, 3);
  h.writeUInt32BE(ttl, 5);
  h.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([h, rdata]);
}

/** Start fake roots on 127.0.1.1 … 127.0.1.N, all on one port (so one `--root-port` reaches them). */
export async function startFakeRoots(configs: readonly FakeRootConfig[]): Promise<{ roots: FakeRoot[]; port: number; close(): Promise<void> }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const roots: FakeRoot[] = [];
    try {
      const first = await FakeRoot.start('127.0.1.1', 0, configs[0]!);
      roots.push(first);
      for (let i = 1; i < configs.length; i++) roots.push(await FakeRoot.start(`127.0.1.${i + 1}`, first.port, configs[i]!));
      return { roots, port: first.port, close: async () => void (await Promise.all(roots.map((r) => r.close()))) };
    } catch {
      await Promise.all(roots.map((r) => r.close()));
    }
  }
  throw new Error('could not start fake roots on one shared port');
}
