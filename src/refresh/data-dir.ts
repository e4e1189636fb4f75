// The data dir: the last verified copy and the one before it.
//
//   DIR/current/{root.zone, root.zone.sig?, zone.image?, meta.json}
//   DIR/previous/{...the same}
//   DIR/.tmp-*        downloads in progress (fetch/http.ts)
//   DIR/.staging-*    a verified copy being assembled
//   DIR/.old-*        the copy being dropped
//
// Every file is written to a temp name, fsynced, renamed, and the directory
// fsynced. A new copy is promoted in renames that never leave the dir without a
// complete copy: previous → .old, current → previous, staging → current. A
// crash between the last two leaves no `current/` but an intact `previous/`,
// and the loader falls back to it. Loading checks the sha256 in meta.json
// before anything else, and the caller re-verifies before serving.

import { fileBytes } from '../bytes.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerVerdicts } from '../verify/verdict.js';
import { OperatorError, ExitCode } from '../errors.js';
import { storableSource } from './same-source.js';

export const ZONE_FILE = 'root.zone';
export const SIG_FILE = 'root.zone.sig';
export const META_FILE = 'meta.json';
/** The copy's zone image (zone/image.ts), for an instant start (image-file.ts). */
export const IMAGE_FILE = 'zone.image';
export type Slot = 'current' | 'previous';
export const SLOTS: readonly Slot[] = ['current', 'previous'];

/** meta.json: what we know about a stored copy. Times are ISO 8601 UTC. */
export interface CopyMeta {
  readonly version: 1;
  readonly serial: number;
  /** Where the copy came from; written with any password redacted (same-source.ts). */
  readonly source: string;
  readonly fetchedAt: string;
  /** Last time a source confirmed this copy is current (new download, 304, same bytes). */
  readonly confirmedAt: string;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  readonly sha256: string;
  readonly bytes: number;
  readonly hasSignature: boolean;
  /** Earliest expiration of the apex SOA/ZONEMD RRSIGs, if the zone is signed. */
  readonly signaturesExpireAt?: string | undefined;
  readonly layers: LayerVerdicts;
  /** The zone image stored beside the copy (image-file.ts): absent for copies stored before images, or by a pipeline without them. */
  readonly image?: ImageMeta | undefined;
}

/** What meta.json says of the stored image: it is used only if all of it matches. */
export interface ImageMeta {
  readonly sha256: string;
  readonly bytes: number;
  /** zone/image-format.ts VERSION when it was written. */
  readonly version: number;
  readonly dnssec: 'strip' | 'keep';
}

/** A copy read back from disk, not yet re-verified. */
export interface StoredCopy {
  readonly slot: Slot;
  readonly dir: string;
  readonly meta: CopyMeta;
  /** The zone file, checked against meta.json: a check reads it there (the serving process never holds it). */
  readonly zonePath: string;
  readonly signature: Uint8Array | undefined;
}

export class DataDirError extends OperatorError {
  override readonly name = 'DataDirError';
  /** `unusable` is the configuration's fault (EX_CONFIG); another instance holding the lock may go away (1). */
  override readonly exitCode: ExitCode;
  constructor(
    message: string,
    /**
     * `missing`: the slot is empty (normal before the first copy); `corrupt`: it exists but is unusable;
     * `locked`: another process owns the dir; `unusable`: the dir itself cannot be used (a file, not writable).
     */
    readonly kind: 'missing' | 'corrupt' | 'locked' | 'unusable' = 'corrupt',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.exitCode = kind === 'unusable' ? ExitCode.config : ExitCode.failure;
  }
}

export const LOCK_FILE = 'lock';

async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write a file durably: temp name, write, fsync, rename, fsync dir. */
export async function writeFileAtomic(dir: string, name: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
  await fsyncPath(dir);
}

/** meta.json's text: no password of a source URL reaches the disk. */
function metaFileText(meta: CopyMeta): string {
  return JSON.stringify({ ...meta, source: storableSource(meta.source) }, null, 2) + '\n';
}

function isMeta(x: unknown): x is CopyMeta {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  return (
    m.version === 1 &&
    typeof m.serial === 'number' &&
    Number.isInteger(m.serial) &&
    m.serial >= 0 &&
    m.serial <= 0xffffffff &&
    typeof m.source === 'string' &&
    typeof m.fetchedAt === 'string' &&
    typeof m.confirmedAt === 'string' &&
    typeof m.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(m.sha256) &&
    typeof m.bytes === 'number' &&
    typeof m.hasSignature === 'boolean' &&
    typeof m.layers === 'object' &&
    m.layers !== null
  );
}

export class DataDir {
  private locked = false;
  constructor(readonly root: string) {}

  /**
   * Own the data dir (a `serve` and a cron `fetch` must not work in it at once:
   * one would delete the other's temp files). The lock file holds our pid; a
   * lock whose pid is gone (a crash) is taken over.
   */
  async lock(): Promise<void> {
    if (this.locked) return;
    const path = join(this.root, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(path, 'wx', 0o644);
        try {
          // Not fsynced (that cost ~60 ms at every start here): the lock only
          // matters while this process lives, and a lock file a power cut left
          // empty names no pid, so it is taken over.
          await fh.writeFile(`${process.pid}\n`);
        } finally {
          await fh.close();
        }
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirError(`${this.root} is in use by process ${pid} (${path}); run one rootmirror per data dir`, 'locked');
      }
      await rm(path, { force: true }); // stale: its owner died
    }
    throw new DataDirError(`${this.root}: cannot take ${path}`, 'locked');
  }

  async unlock(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    await rm(join(this.root, LOCK_FILE), { force: true });
  }

  slotDir(slot: Slot): string {
    return join(this.root, slot);
  }

  /**
   * Create the dir if needed and lock it: after this the dir is known to be a
   * writable directory that this process owns. Throws DataDirError `unusable`
   * (a configuration error) or `locked` with a line that says what to do.
   */
  async open(): Promise<void> {
    if (this.locked) return;
    try {
      await mkdir(this.root, { recursive: true, mode: 0o755 });
      // mkdir -p succeeds on an existing directory only; a file in the way is EEXIST or ENOTDIR.
      if (!(await stat(this.root)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      await this.lock();
    } catch (err) {
      throw this.unusable(err);
    }
  }

  /** Operator terms for an fs error on the data dir itself; DataDirErrors pass through. */
  private unusable(err: unknown): unknown {
    if (err instanceof DataDirError) return err;
    const code = (err as NodeJS.ErrnoException).code;
    const what = `--data-dir ${this.root}`;
    switch (code) {
      case 'EEXIST':
      case 'ENOTDIR':
        return new DataDirError(`${what} is not a directory (a file is in the way); remove it or choose another --data-dir`, 'unusable', { cause: err });
      case 'EACCES':
      case 'EPERM':
        return new DataDirError(`${what} is not writable by this user (uid ${process.getuid?.() ?? '?'}); chown it to the user rootmirror runs as or choose another --data-dir`, 'unusable', { cause: err });
      case 'EROFS':
        return new DataDirError(`${what} is on a read-only file system; choose a writable --data-dir`, 'unusable', { cause: err });
      default:
        return code !== undefined ? new DataDirError(`${what}: ${(err as Error).message}`, 'unusable', { cause: err }) : err;
    }
  }

  /** Create and lock the dir (open), then remove leftovers of interrupted downloads and promotions. */
  async prepare(): Promise<string[]> {
    await this.open();
    const removed: string[] = [];
    for (const entry of await readdir(this.root)) {
      if (entry.startsWith('.tmp-') || entry.startsWith('.staging-') || entry.startsWith('.old-')) {
        await rm(join(this.root, entry), { recursive: true, force: true });
        removed.push(entry);
      }
    }
    // Dot files inside the slots are interrupted meta.json rewrites.
    for (const slot of SLOTS) {
      const d = this.slotDir(slot);
      const entries = await readdir(d).catch(() => [] as string[]);
      for (const entry of entries) {
        if (entry.startsWith('.')) {
          await rm(join(d, entry), { force: true });
          removed.push(`${slot}/${entry}`);
        }
      }
    }
    if (removed.length > 0) await fsyncPath(this.root);
    return removed;
  }

  /** One slot's meta.json alone (what `read` checks first): DataDirError when it is missing or malformed. */
  async readMeta(slot: Slot): Promise<CopyMeta> {
    const dir = this.slotDir(slot);
    let metaText: string;
    try {
      metaText = await readFile(join(dir, META_FILE), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new DataDirError(`${dir}: no ${META_FILE} (${code ?? err})`, code === 'ENOENT' ? 'missing' : 'corrupt', { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(metaText);
    } catch (err) {
      throw new DataDirError(`${dir}/${META_FILE}: not valid JSON; the copy is ignored`, 'corrupt', { cause: err });
    }
    if (!isMeta(parsed)) throw new DataDirError(`${dir}/${META_FILE}: missing or malformed fields; the copy is ignored`);
    return parsed;
  }

  /**
   * Read one slot. Throws DataDirError when files are missing, meta.json is
   * malformed, or the zone's sha256 does not match meta.json (corruption).
   */
  async read(slot: Slot): Promise<StoredCopy> {
    const dir = this.slotDir(slot);
    const meta = await this.readMeta(slot);
    const zonePath = join(dir, ZONE_FILE);
    // Hashed as a stream: 64 KiB at a time, not a 2 MB buffer in the serving process.
    const hash = createHash('sha256');
    let length = 0;
    try {
      for await (const chunk of createReadStream(zonePath) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        length += chunk.length;
      }
    } catch (err) {
      throw new DataDirError(`${dir}: cannot read ${ZONE_FILE} (${(err as NodeJS.ErrnoException).code ?? err})`, 'corrupt', { cause: err });
    }
    const sha = hash.digest('hex');
    if (length !== meta.bytes || sha !== meta.sha256) {
      throw new DataDirError(
        `${dir}/${ZONE_FILE}: corrupt: sha256 ${sha} (${length} bytes) does not match meta.json ${meta.sha256} (${meta.bytes} bytes); the copy is ignored`,
      );
    }
    let signature: Uint8Array | undefined;
    if (meta.hasSignature) {
      try {
        signature = fileBytes(await readFile(join(dir, SIG_FILE)));
      } catch (err) {
        throw new DataDirError(`${dir}: meta.json says signed but ${SIG_FILE} is missing`, 'corrupt', { cause: err });
      }
    }
    return { slot, dir, meta, zonePath, signature };
  }

  /**
   * Store a verified copy as `current`. `zonePath` is a temp file inside the
   * data dir (a finished download); it is moved, not copied. The old current
   * becomes `previous` unless `dropCurrent` (it did not verify at start).
   */
  async commit(zonePath: string, signature: Uint8Array | undefined, meta: CopyMeta, opts: { dropCurrent?: boolean; image?: Uint8Array } = {}): Promise<void> {
    const staging = join(this.root, `.staging-${randomBytes(6).toString('hex')}`);
    await mkdir(staging, { mode: 0o755 });
    await fsyncPath(zonePath, 'r+');
    await rename(zonePath, join(staging, ZONE_FILE));
    if (signature !== undefined) await writeFileAtomic(staging, SIG_FILE, signature);
    if (opts.image !== undefined) await writeFileAtomic(staging, IMAGE_FILE, opts.image);
    await writeFileAtomic(staging, META_FILE, metaFileText(meta));
    await fsyncPath(staging);
    await fsyncPath(this.root);

    const current = this.slotDir('current');
    const previous = this.slotDir('previous');
    const hasCurrent = await exists(current);
    const old = join(this.root, `.old-${randomBytes(6).toString('hex')}`);
    if (hasCurrent && opts.dropCurrent) {
      await rename(current, old);
    } else if (hasCurrent) {
      if (await exists(previous)) await rename(previous, old);
      await rename(current, previous);
    }
    await fsyncPath(this.root);
    await rename(staging, current);
    await fsyncPath(this.root);
    await rm(old, { recursive: true, force: true });
  }

  /** Rewrite meta.json of a slot (confirmedAt, validators) durably. */
  async updateMeta(slot: Slot, meta: CopyMeta): Promise<void> {
    await writeFileAtomic(this.slotDir(slot), META_FILE, metaFileText(meta));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
