// --workers N in fetching mode: the leader keeps the copy (data dir lock,
// refresher, scheduler) and tells the followers what it serves; a follower
// serves the same zone from the image the leader stored beside the verified
// copy (DIR/current/zone.image, refresh/image-file.ts), never building or
// verifying one itself. The image file is only written for verified copies,
// and meta.json's sha256 of it guards against reading one half-written. A
// follower never serves what the leader does not: it goes unavailable when
// the leader does, and when the announced serial cannot be opened it keeps
// what it holds (or nothing) and says so.

import type { Logger } from '../log.js';
import { DataDir, SLOTS } from '../refresh/data-dir.js';
import { readImageFile } from '../refresh/image-file.js';
import { imageOf, ZoneImage } from '../zone/image.js';
import { zoneFromImage } from '../zone/image-zone.js';
import type { StoreState, ZoneStore } from '../zone/store.js';
import type { DnssecMode, Zone } from '../zone/zone.js';
import { isWorkerMessage, toPrimary, type WorkerMessage, type ZoneNews } from './worker-messages.js';

/** Leader: announce every swap and every loss of the zone (expiry, withdrawal) to the followers. Returns the unsubscribe. */
export function announceZone(store: ZoneStore): () => void {
  const onSwap = (zone: Zone): void => toPrimary({ type: 'rootmirror:zone', news: { kind: 'serving', serial: zone.serial } });
  const onState = (s: StoreState): void => {
    if (s.kind === 'unavailable') toPrimary({ type: 'rootmirror:zone', news: { kind: 'unavailable', reason: s.reason } });
  };
  store.on('swap', onSwap);
  store.on('state', onState);
  return () => {
    store.off('swap', onSwap);
    store.off('state', onState);
  };
}

/**
 * Leader, once its mirror has loaded: say what it serves now. A restarted
 * leader that found no servable copy emits no event (its store starts
 * unavailable), and the followers must not go on serving the dead one's.
 */
export function announceCurrent(store: ZoneStore): void {
  const s = store.state;
  toPrimary({ type: 'rootmirror:zone', news: s.kind === 'serving' ? { kind: 'serving', serial: s.zone.serial } : { kind: 'unavailable', reason: s.reason } });
}

/** Leader: NOTIFYs that arrived on a follower's socket (the kernel picks the socket), relayed by the primary. Returns the unsubscribe. */
export function onRelayedNotify(handle: (serial: number | undefined, client: string) => void): () => void {
  const listener = (m: unknown): void => {
    if (isWorkerMessage(m) && m.type === 'rootmirror:notify') handle(m.serial, m.client);
  };
  process.on('message', listener);
  return () => process.off('message', listener);
}

/** Follower: a NOTIFY for . answered here goes to the leader's refresh trigger. */
export function relayNotify(serial: number | undefined, client: string): void {
  toPrimary({ type: 'rootmirror:notify', serial, client });
}

/** Leader, --zone-file: hand the zone built from the file to the followers, as its image. */
export function shareImage(zone: Zone, signaturesExpireAt: number | undefined): void {
  toPrimary({ type: 'rootmirror:image', image: imageOf(zone).bytes, signaturesExpireAt });
}

/**
 * Follower, --zone-file: the leader's image of the file, opened (the leader
 * starts first, so the primary has it). Undefined when there is none or it
 * cannot be opened: the caller then builds the file itself.
 */
export function imageFromLeader(timeoutMs = 10_000): Promise<{ zone: Zone; signaturesExpireAt: number | undefined; problem?: undefined } | { problem: string }> {
  return new Promise((resolve) => {
    const done = (r: Awaited<ReturnType<typeof imageFromLeader>>): void => {
      clearTimeout(timer);
      process.off('message', listener);
      resolve(r);
    };
    const listener = (m: unknown): void => {
      if (!isWorkerMessage(m)) return;
      if (m.type === 'rootmirror:image') {
        try {
          done({ zone: zoneFromImage(new ZoneImage(m.image)), signaturesExpireAt: m.signaturesExpireAt });
        } catch (e) {
          done({ problem: `the leader's image cannot be opened: ${(e as Error).message}` });
        }
      } else if (m.type === 'rootmirror:zone') {
        // The primary answers hello with the image first, then the news: news alone means no image.
        done({ problem: 'the leader shared no image' });
      }
    };
    const timer = setTimeout(() => done({ problem: `no answer from the primary in ${timeoutMs} ms` }), timeoutMs);
    process.on('message', listener);
    toPrimary({ type: 'rootmirror:hello' });
  });
}

export interface FollowerOptions {
  readonly store: ZoneStore;
  /** --data-dir; read only, the leader holds its lock. */
  readonly dataDir: string;
  readonly dnssec: DnssecMode;
  readonly log: Logger;
  /** How long to wait for the primary's answer to hello before starting unavailable. */
  readonly helloTimeoutMs?: number;
}

export interface Follower {
  stop(): void;
}

/**
 * Follower: ask the primary for the leader's last news, apply it, then every
 * news as it comes, one at a time (a file read must not overtake a later
 * "unavailable"). Resolves once the first answer is applied (or not given in time).
 */
export async function followLeader(o: FollowerOptions): Promise<Follower> {
  const log = o.log.child({ component: 'follower' });
  const dd = new DataDir(o.dataDir);
  let queue: Promise<void> = Promise.resolve();
  /** The sha256 (meta.json) of the image served, to tell a replaced image of the same serial. */
  let heldImage: string | undefined;
  let first: (() => void) | undefined;
  const firstNews = new Promise<void>((resolve) => (first = resolve));
  const listener = (m: unknown): void => {
    if (!isWorkerMessage(m) || m.type !== 'rootmirror:zone') return;
    const news = m.news;
    queue = queue.then(() => (news !== undefined ? apply(news) : undefined)).catch((e: unknown) => log.error('follower: applying the leader news failed', { error: e }));
    const done = first;
    first = undefined;
    if (done !== undefined) void queue.then(done);
  };

  async function apply(news: ZoneNews): Promise<void> {
    if (news.kind === 'unavailable') {
      o.store.markUnavailable(news.reason);
      return;
    }
    const held = o.store.state.zone;
    if (held !== undefined && held.serial === news.serial) {
      // The leader serves again what we hold (after expiry, a restarted leader), or has
      // replaced the image of that serial (its start-time re-verification built another,
      // refresher.ts replaceImage): meta.json (small) tells which.
      const stored = await dd.readMeta('current').catch(() => undefined);
      if (stored?.serial !== news.serial || stored.image?.sha256 === heldImage) {
        if (o.store.state.kind !== 'serving') o.store.swap(held);
        return;
      }
    }
    const why: string[] = [];
    for (const slot of SLOTS) {
      let meta;
      try {
        meta = await dd.readMeta(slot); // the image is checked against it; the copy is the leader's to verify
      } catch (e) {
        why.push(`${slot}: ${(e as Error).message}`);
        continue;
      }
      if (meta.serial !== news.serial) {
        why.push(`${slot}: serial ${meta.serial}`);
        continue;
      }
      const opened = await readImageFile(dd.slotDir(slot), meta, o.dnssec);
      if ('unusable' in opened) {
        why.push(`${slot}: ${opened.unusable}`);
        continue;
      }
      o.store.swap(zoneFromImage(opened.image));
      heldImage = meta.image?.sha256;
      log.info(`follower: serving serial ${news.serial}, the leader's`, { slot });
      return;
    }
    log.error(`follower: the leader serves serial ${news.serial} but its stored image cannot be opened; still ${held === undefined ? 'serving nothing' : `holding serial ${held.serial}`}`, {
      tried: why,
    });
  }

  process.on('message', listener);
  toPrimary({ type: 'rootmirror:hello' } satisfies WorkerMessage);
  const timeoutMs = o.helloTimeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
  if (await Promise.race([firstNews.then(() => false), timedOut])) log.warn(`follower: no word from the primary in ${timeoutMs} ms; unavailable until the leader announces a zone`);
  clearTimeout(timer);
  return { stop: () => process.off('message', listener) };
}
