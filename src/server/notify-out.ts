// NOTIFY out (RFC 1996): after every swap to a new serial, tell each
// `--notify ADDR[:PORT][?tsig=NAME]` downstream (a secondary that transfers
// `.` from us) with a NOTIFY carrying the new SOA (§3.7), over UDP.
//
// Retransmission as §3.6 describes it: no answer within the timeout, send
// again; "a maximum of 5 retransmissions" and "exponential backoff" — here the
// first timeout is 1 s and doubles (1, 2, 4, 8, 16, 32 s: given up after 63 s,
// about the 60 s §3.6 suggests as a whole). A response ends it when it matches
// the request's ID, opcode NOTIFY and question (§4.7); its RCODE says ok or
// failed. A newer swap cancels the retries of an older serial for the same
// target. Counted per target (rootmirror_notify_sent_total{target,outcome}:
// ok, failed, retry) and one log line per outcome.
//
// It lives in server/: it reads the served zone (the store, zone/), signs with
// dns/tsig and opens a UDP socket, as the server does; it needs nothing from
// refresh/, and reacts to the store's swap whoever made it.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import { Name } from '../dns/name.js';
import { signRequest, verifyResponse } from '../dns/tsig.js';
import type { TsigKey, TsigKeyring } from '../dns/tsig-keys.js';
import { Opcode, RRClass, RRType, Rcode, rcodeToString } from '../dns/types.js';
import { nullLogger, type Logger } from '../log.js';
import type { ZoneStore } from '../zone/store.js';
import type { Zone } from '../zone/zone.js';
import type { ServerCounters } from './counters.js';

export interface NotifyTarget {
  readonly address: string;
  readonly port: number;
  /** `?tsig=NAME`: sign with this key of --tsig-key. */
  readonly keyName: Name | undefined;
  /** `ADDR:PORT` (`[v6]:PORT`): the metric label and the log field. */
  readonly label: string;
}

/** `ADDR`, `ADDR:PORT`, `[v6]:PORT` or a bare IPv6 address, optionally `?tsig=NAME`. RangeError on anything else. */
export function parseNotifyTarget(text: string): NotifyTarget {
  const [hostPort = '', query] = text.split('?', 2);
  let keyName: Name | undefined;
  if (query !== undefined) {
    const m = /^tsig=(.+)$/.exec(query);
    if (m === null) throw new RangeError(`--notify "${text}": the only parameter is ?tsig=KEYNAME`);
    const name = m[1]!;
    try {
      keyName = Name.fromText(name.endsWith('.') ? name : `${name}.`);
    } catch (e) {
      throw new RangeError(`--notify "${text}": tsig=${name} is not a key name (${(e as Error).message})`);
    }
  }
  let address: string;
  let port = 53;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  const v4 = /^([^:[\]]+)(?::(\d+))?$/.exec(hostPort);
  if (v6 !== null) [address, port] = [v6[1]!, v6[2] === undefined ? 53 : Number(v6[2])];
  else if (v4 !== null) [address, port] = [v4[1]!, v4[2] === undefined ? 53 : Number(v4[2])];
  else address = hostPort; // a bare IPv6 address
  if (!net.isIP(address) || !(port >= 1 && port <= 65535)) throw new RangeError(`--notify "${text}": expected ADDR[:PORT][?tsig=KEYNAME], e.g. 127.0.0.2:5353 or [::1]:53`);
  return { address, port, keyName, label: net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}` };
}

export interface NotifierOptions {
  readonly targets: readonly NotifyTarget[];
  readonly store: ZoneStore;
  readonly counters: ServerCounters;
  /** --tsig-key: the keys `?tsig=NAME` names (checked at start-up: keyFor()). */
  readonly keys?: TsigKeyring;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** First retransmission timeout; doubles each time (§3.6). Default 1 s. */
  readonly initialTimeoutMs?: number;
  /** §3.6: "a maximum of 5 retransmissions (for UDP)". */
  readonly maxRetransmissions?: number;
}

/** The key a target names, or why it cannot be used (a start-up configuration error). */
export function keyFor(target: NotifyTarget, keys: TsigKeyring | undefined): TsigKey | undefined {
  if (target.keyName === undefined) return undefined;
  const key = keys?.get(target.keyName);
  if (key === undefined) throw new RangeError(`--notify ${target.label}?tsig=${target.keyName.toString()}: no such key in --tsig-key; add the key file or fix the name`);
  return key;
}

/** The NOTIFY request for `zone`: `. SOA IN` asked, the SOA in the answer section (RFC 1996 §3.7). */
export function notifyMessage(id: number, zone: Zone): Uint8Array {
  const soa = zone.soa;
  const out = new Uint8Array(12 + 5 + 11 + soa.rdata.length);
  out[0] = id >>> 8;
  out[1] = id & 0xff;
  out[2] = (Opcode.NOTIFY << 3) | 0x04; // AA: we are authoritative for what we announce
  out[5] = 1; // QDCOUNT
  out[7] = 1; // ANCOUNT
  let o = 12;
  out[o++] = 0; // `.`
  o = put16(out, o, RRType.SOA);
  o = put16(out, o, RRClass.IN);
  out[o++] = 0;
  o = put16(out, o, RRType.SOA);
  o = put16(out, o, RRClass.IN);
  out[o++] = soa.ttl >>> 24;
  out[o++] = (soa.ttl >>> 16) & 0xff;
  out[o++] = (soa.ttl >>> 8) & 0xff;
  out[o++] = soa.ttl & 0xff;
  o = put16(out, o, soa.rdata.length);
  out.set(soa.rdata, o);
  return out;
}

function put16(b: Uint8Array, o: number, v: number): number {
  b[o] = v >>> 8;
  b[o + 1] = v & 0xff;
  return o + 2;
}

/** The question section of our request, byte for byte: `.` SOA IN. */
const QUESTION = Uint8Array.of(0, 0, RRType.SOA, 0, RRClass.IN);

/** A response to request `id`: QR, opcode NOTIFY, our question (§4.7). */
function matches(msg: Uint8Array, id: number): boolean {
  if (msg.length < 12 + QUESTION.length) return false;
  if (((msg[0]! << 8) | msg[1]!) !== id || (msg[2]! & 0x80) === 0 || ((msg[2]! >> 3) & 0x0f) !== Opcode.NOTIFY) return false;
  if (((msg[4]! << 8) | msg[5]!) !== 1) return false;
  return QUESTION.every((b, i) => msg[12 + i] === b);
}

export class Notifier {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly initialTimeoutMs: number;
  private readonly maxRetransmissions: number;
  /** The send in progress per target: a newer serial cancels it. */
  private readonly inFlight = new Map<string, () => void>();
  private round: Promise<void> = Promise.resolve();
  private readonly onSwap = (next: Zone, previous: Zone | undefined): void => {
    if (previous?.serial !== next.serial) this.round = this.notifyAll(next);
  };

  constructor(private readonly opts: NotifierOptions) {
    this.log = opts.log ?? nullLogger;
    this.clock = opts.clock ?? systemClock;
    this.initialTimeoutMs = opts.initialTimeoutMs ?? 1000;
    this.maxRetransmissions = opts.maxRetransmissions ?? 5;
    for (const t of opts.targets) {
      keyFor(t, opts.keys); // fail now, not after the first swap
      opts.counters.notifyTarget(t.label);
    }
  }

  /** Notify on every swap to a new serial from now on. */
  start(): void {
    this.opts.store.on('swap', this.onSwap);
  }

  /** Stop listening and cancel every retransmission. */
  stop(): void {
    this.opts.store.off('swap', this.onSwap);
    for (const cancel of this.inFlight.values()) cancel();
    this.inFlight.clear();
  }

  /** Resolves when every target of the last swap's NOTIFY answered or was given up (tests, shutdown). */
  idle(): Promise<void> {
    return this.round;
  }

  /** Send NOTIFY for `zone` to every target; resolves when each has answered or been given up. */
  notifyAll(zone: Zone): Promise<void> {
    return Promise.all(this.opts.targets.map((t) => this.send(t, zone))).then(() => undefined);
  }

  private send(target: NotifyTarget, zone: Zone): Promise<void> {
    this.inFlight.get(target.label)?.();
    const key = keyFor(target, this.opts.keys);
    const id = randomInt(0, 0x10000);
    const unsigned = notifyMessage(id, zone);
    const counters = this.opts.counters;
    const fields = { target: target.label, serial: zone.serial };
    return new Promise((resolve) => {
      const socket = dgram.createSocket(net.isIPv6(target.address) ? 'udp6' : 'udp4');
      let timer: NodeJS.Timeout | undefined;
      let requestMac: Uint8Array | undefined;
      let sent = 0;
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (this.inFlight.get(target.label) === cancel) this.inFlight.delete(target.label);
        socket.close();
        resolve();
      };
      const cancel = (): void => {
        if (!ended) this.log.debug(`NOTIFY to ${target.label} for serial ${zone.serial}: cancelled (a newer serial, or shutdown)`, fields);
        end();
      };
      this.inFlight.set(target.label, cancel);
      const transmit = (): void => {
        // Signed afresh each time: TSIG's time must be now, not the first try's (RFC 8945 §5.2.3).
        let msg = unsigned;
        if (key !== undefined) {
          const s = signRequest(unsigned, key, { clock: this.clock });
          msg = s.message;
          requestMac = s.mac;
        }
        socket.send(msg, target.port, target.address);
        const timeout = this.initialTimeoutMs * 2 ** sent;
        sent++;
        timer = setTimeout(() => {
          if (sent > this.maxRetransmissions) {
            counters.countNotifySent(target.label, 'failed');
            this.log.error(`NOTIFY to ${target.label} for serial ${zone.serial}: no answer after ${sent} tries; giving up (the secondary catches up at its SOA refresh)`, fields);
            return end();
          }
          counters.countNotifySent(target.label, 'retry');
          this.log.warn(`NOTIFY to ${target.label} for serial ${zone.serial}: no answer in ${timeout} ms; retrying`, { ...fields, attempt: sent + 1 });
          transmit();
        }, timeout);
        timer.unref();
      };
      socket.on('message', (resp, rinfo) => {
        if (rinfo.address !== target.address || rinfo.port !== target.port || !matches(resp, id)) return;
        const rcode = resp[3]! & 0x0f;
        if (key !== undefined && requestMac !== undefined) {
          const v = verifyResponse(resp, key, requestMac, { clock: this.clock });
          if (v.status !== 'verified') {
            counters.countNotifySent(target.label, 'failed');
            this.log.error(`NOTIFY to ${target.label} for serial ${zone.serial}: response TSIG ${v.error}: ${v.detail}`, fields);
            return end();
          }
        }
        if (rcode === Rcode.NOERROR) {
          counters.countNotifySent(target.label, 'ok');
          this.log.info(`NOTIFY to ${target.label} for serial ${zone.serial}: acknowledged`, { ...fields, tries: sent });
        } else {
          counters.countNotifySent(target.label, 'failed');
          this.log.error(`NOTIFY to ${target.label} for serial ${zone.serial}: answered ${rcodeToString(rcode)}; check its allow-notify for our address`, fields);
        }
        end();
      });
      socket.on('error', (e) => {
        if (ended) return;
        counters.countNotifySent(target.label, 'failed');
        this.log.error(`NOTIFY to ${target.label} for serial ${zone.serial}: ${e.message}`, fields);
        end();
      });
      transmit();
    });
  }
}
