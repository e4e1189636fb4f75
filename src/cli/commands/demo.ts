// `rootmirror demo`: the whole product offline, on loopback, in one process.
//
//   source      an HTTP server with demo/sample-root.zone and a detached OpenPGP
//               signature made with a key generated now (thrown away at exit)
//   live roots  13 authoritative servers answering the same zone (the drift
//               monitor asks them for the SOA; --on-expired fallback relays to them)
//   mirror      `rootmirror serve` itself, with all three verification layers,
//               the sample's throw-away DNSSEC trust anchor, a temporary data dir
//
// Ctrl-C stops everything and removes the temporary directory.

import { fileBytes } from '../../bytes.js';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { createLogger } from '../../log.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { ZoneStore } from '../../zone/store.js';
import { buildZone } from '../../zone/build.js';
import { parseZoneText } from '../../zone/parser.js';
import { defaultedStr, list, parseArgs, type Command, type OptionSpec } from '../options.js';
import { dnssecOption, httpOption, listenOption, logLevelOption } from '../shared-options.js';
import { startDaemon, type Daemon } from '../serve-process.js';
import { PACKAGE_DEMO_DIR, selfCommand } from '../invocation.js';
import { command as serve, untilSignal } from './serve.js';

const DEMO_DIR = fileURLToPath(PACKAGE_DEMO_DIR);
const ROOT_LETTERS = 'abcdefghijklm';

const OPTIONS: readonly OptionSpec[] = [
  // The demo's own addresses and mode, not serve's: no ROOTMIRROR_* (a host's serve settings must not move the demo), an
  // unprivileged port, and keep so dig +dnssec shows the signatures.
  listenOption({ default: ['127.53.53.53:5353'], env: false, help: 'where the mirror answers (an unprivileged port: no root needed)' }),
  httpOption({ default: '127.53.53.53:8053', env: false, help: 'the mirror\'s ops endpoint (/status, /metrics, /readyz)' }),
  dnssecOption({ default: 'keep', env: false, help: 'serve DNSSEC records (keep, so dig +dnssec shows them) or strip them' }),
  { name: 'roots', type: 'string', metavar: 'PREFIX', default: '127.53.0', env: false, help: 'the fake live roots and the source listen on PREFIX.1 .. PREFIX.14 (random port)' },
  logLevelOption({ env: false }),
];

export const command: Command = {
  name: 'demo',
  summary: 'offline demo: a signed sample root, a local source, fake live roots and the mirror on loopback',
  usage: '',
  options: OPTIONS,
  async run(args) {
    const prefix = defaultedStr(args, 'roots');
    const dnssec = defaultedStr(args, 'dnssec');
    const work = await mkdtemp(join(tmpdir(), 'rootmirror-demo-'));
    const stops: (() => Promise<unknown>)[] = [() => rm(work, { recursive: true, force: true })];
    const stopAll = async (): Promise<void> => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    };
    try {
      const zoneBytes = fileBytes(await readFile(DEMO_DIR + 'sample-root.zone'));

      // 1. The source: the zone and a detached signature by a key made now.
      const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'rootmirror demo (throw-away)' }], format: 'object' });
      const signature = (await openpgp.sign({
        message: await openpgp.createMessage({ binary: zoneBytes }),
        signingKeys: privateKey,
        detached: true,
        format: 'binary',
      })) as Uint8Array;
      await writeFile(join(work, 'demo-pgp.key'), publicKey.armor());
      const source = await startSource(`${prefix}.14`, { '/root.zone': zoneBytes, '/root.zone.sig': signature });
      stops.push(() => new Promise((r) => source.close(r)));
      const sourceUrl = `http://${prefix}.14:${(source.address() as AddressInfo).port}/root.zone`;

      // 2. Thirteen "live roots" serving the same zone, all on one port (--root-port).
      const store = new ZoneStore();
      store.swap(buildZone(parseZoneText(zoneBytes, { file: 'sample-root.zone' }), { dnssec: 'keep' }));
      const roots: RunningServer[] = [];
      let rootPort = 0;
      for (let i = 0; i < ROOT_LETTERS.length; i++) {
        const r = await startServer({ listen: [`${prefix}.${i + 1}:${rootPort}`], store, allowQuery: ['127.0.0.0/8'] });
        roots.push(r);
        stops.push(() => r.close());
        rootPort = r.addresses[0]!.port;
      }
      const hints = [...ROOT_LETTERS]
        .map((l, i) => `.  3600000  NS  ${l}.root-servers.net.\n${l}.root-servers.net.  3600000  A  ${prefix}.${i + 1}\n`)
        .join('');
      await writeFile(join(work, 'root.hints'), `; demo: fake live roots on loopback, port ${rootPort}\n${hints}`);

      // 3. The mirror: exactly `rootmirror serve` with options a user could type.
      const serveArgv = [
        ...list(args, 'listen').flatMap((l) => ['--listen', l]),
        '--http', defaultedStr(args, 'http'),
        '--dnssec', dnssec,
        '--data-dir', join(work, 'data'),
        '--source', sourceUrl,
        '--pgp-key', join(work, 'demo-pgp.key'),
        '--trust-anchors', DEMO_DIR + 'sample-root.ds',
        '--verify', 'pgp,zonemd,dnssec',
        '--root-hints', join(work, 'root.hints'),
        '--root-port', String(rootPort),
        '--root-family', '4',
        '--monitor-interval', '1m',
        '--log-level', defaultedStr(args, 'log-level'),
      ];
      const log = createLogger({ level: defaultedStr(args, 'log-level') as 'info', fields: { cmd: 'demo' } });
      const daemon: Daemon = await startDaemon(parseArgs(serveArgv, serve.options, {}), log);
      stops.push(() => daemon.stop());
      const first = await daemon.mirror?.firstTick;

      const at = daemon.server.addresses[0]!;
      const dig = `dig @${at.address} -p ${at.port}`;
      const http = daemon.monitoring?.http.address;
      const ops = http ? `http://${http.host}:${http.port}` : '(no ops endpoint)';
      process.stdout.write(
        [
          '',
          'rootmirror demo: everything below runs on loopback; nothing leaves this machine.',
          '',
          `  source       ${sourceUrl} (+ .sig, signed just now by a throw-away OpenPGP key)`,
          `  live roots   ${prefix}.1 .. ${prefix}.13, port ${rootPort} (a..m.root-servers.net in ${join(work, 'root.hints')})`,
          `  mirror       ${at.address}:${at.port} UDP+TCP, --dnssec ${dnssec}, serial ${daemon.store.zone?.serial ?? 'none yet'}` +
            (first?.layers ? `, verified: ${Object.entries(first.layers).map(([k, v]) => `${k} ${v?.ok ? 'ok' : 'FAILED'}`).join(', ')}` : ''),
          `  ops          ${ops}/status  ${ops}/metrics  ${ops}/readyz`,
          `  data dir     ${join(work, 'data')} (removed at exit)`,
          '',
          'try:',
          `  ${dig} com. NS +norec            # a referral: NS in authority, glue in additional`,
          `  ${dig} no-such-tld. A +norec     # NXDOMAIN, answered locally (half of real root traffic)`,
          `  ${dig} com. DS +dnssec +norec    # DS with its RRSIG (--dnssec keep)`,
          `  ${dig} . ZONEMD +norec           # the zone's own digest (RFC 8976)`,
          `  ${dig} www.many. A +norec +noedns +ignore  # 13 NS + glue do not fit 512 bytes: TC (without +ignore dig retries over TCP)`,
          `  curl -s ${ops}/status`,
          `  ${selfCommand()} check --server ${at.address}:${at.port} --root-hints ${join(work, 'root.hints')} --root-port ${rootPort} --root-family 4`,
          '',
          'Ctrl-C stops everything.',
          '',
        ].join('\n'),
      );
      const signal = await untilSignal();
      log.info('stopping', { signal });
      return 0;
    } finally {
      await stopAll();
    }
  },
};

/** A read-only HTTP server for fixed paths. */
async function startSource(host: string, files: Readonly<Record<string, Uint8Array>>): Promise<Server> {
  const server = createServer((req, res) => {
    const body = Object.hasOwn(files, req.url ?? '') ? files[req.url!] : undefined;
    if (body === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}
