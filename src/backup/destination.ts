import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Config, ConfigError } from '../config.ts';
import { backupSettings, type DestinationSettings } from './config.ts';
import { S3Destination } from './destination-s3.ts';
import { DestinationError } from './errors.ts';
import { Digest } from './streams.ts';

export interface StoredObject {
  /** Relative to the staged backup (Staging.list) or to the destination. */
  key: string;
  size: number;
}

export interface PutResult {
  bytes: number;
  sha256: string;
}

/**
 * One backup being written. Nothing in it counts as a backup until `commit`: the directory
 * destination writes under a `.partial-` name and renames; the bucket destination writes in place
 * (multipart uploads appear only when complete) and the history row is what makes it count.
 */
export interface Staging {
  /** Writes one object; `name` is relative to the backup ('' for a single-file backup). */
  put(name: string, body: Readable, onProgress?: (bytes: number) => void): Promise<PutResult>;
  /** Copies an object of an earlier backup (hard link / server-side copy), for incremental mirrors. */
  reuse(fromKey: string, name: string): Promise<void>;
  read(name: string): Promise<Readable>;
  list(): Promise<StoredObject[]>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface Destination {
  readonly kind: 'dir' | 's3';
  /** Where a key is, for people: an absolute path or s3://bucket/key. */
  locate(key: string): string;
  /** Fails with DestinationError when the destination cannot be written. */
  check(): Promise<void>;
  stage(key: string): Promise<Staging>;
  read(key: string): Promise<Readable>;
  /** Removes a file or a whole folder. */
  remove(key: string): Promise<void>;
  /** Removes what killed runs left under `folder` (only ever called while holding the target's lock). */
  clearPartials(folder: string): Promise<number>;
}

/** Resolves `name` under `root`, refusing anything that would leave it (object keys with `..`). */
export function safeJoin(root: string, name: string): string {
  if (name === '') return root;
  const p = resolve(root, name);
  if (!p.startsWith(root + sep)) throw new DestinationError(`refusing a name outside the backup: ${name}`);
  return p;
}

function describeFsError(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is not a directory',
    ENOENT: 'no such directory',
  };
  return `${path}: ${(e.code && why[e.code]) ?? e.message}${e.code ? ` (${e.code})` : ''}`;
}

export interface DirOptions {
  /** Opens the file a backup is written to (tests hand in /dev/full to simulate a full disk). */
  openWrite?: (path: string) => Writable;
}

async function walk(root: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  const visit = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await visit(p);
      else if (entry.isFile())
        out.push({ key: relative(root, p).split(sep).join('/'), size: (await stat(p)).size });
    }
  };
  await visit(root);
  return out;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function fsync(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Backups as files under BACKUP_DIR (or backup.destination.path). */
export class DirDestination implements Destination {
  readonly kind = 'dir';
  readonly root: string;

  constructor(
    path: string,
    private readonly opts: DirOptions = {},
  ) {
    this.root = resolve(path);
  }

  locate(key: string): string {
    return safeJoin(this.root, key);
  }

  async check(): Promise<void> {
    const probe = join(this.root, `.write-test-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(this.root, { recursive: true });
      const fh = await open(probe, 'wx');
      await fh.close();
      await unlink(probe);
    } catch (err) {
      throw new DestinationError(`backup directory is not writable: ${describeFsError(this.root, err)}`);
    }
  }

  async stage(key: string): Promise<Staging> {
    const final = this.locate(key);
    const parent = dirname(final);
    const partial = join(
      parent,
      `.partial-${final.slice(parent.length + 1)}-${randomBytes(3).toString('hex')}`,
    );
    try {
      await mkdir(parent, { recursive: true });
    } catch (err) {
      throw new DestinationError(describeFsError(parent, err));
    }
    const openWrite = this.opts.openWrite ?? ((p: string) => createWriteStream(p, { flags: 'wx' }));
    const root = this.root;
    let folder = false;
    return {
      async put(name, body, onProgress) {
        const path = safeJoin(partial, name);
        if (name) {
          folder = true;
          await mkdir(dirname(path), { recursive: true });
        }
        const digest = new Digest(onProgress);
        try {
          await pipeline(body, digest, openWrite(path));
          await fsync(path);
        } catch (err) {
          if (
            (err as NodeJS.ErrnoException).code &&
            !(err as NodeJS.ErrnoException).syscall?.startsWith('spawn')
          ) {
            throw new DestinationError(`writing the backup failed: ${describeFsError(path, err)}`);
          }
          throw err;
        }
        return { bytes: digest.bytes, sha256: digest.hex() };
      },
      async reuse(fromKey, name) {
        folder = true;
        const from = safeJoin(root, fromKey);
        const to = safeJoin(partial, name);
        await mkdir(dirname(to), { recursive: true });
        await link(from, to).catch(() => copyFile(from, to));
      },
      async read(name) {
        return createReadStream(safeJoin(partial, name));
      },
      async list() {
        return walk(partial);
      },
      async commit() {
        // Never replace an existing backup: a hard link fails with EEXIST where rename would
        // silently overwrite; a folder is renamed only if nothing is at its name yet.
        try {
          if (folder) {
            if (await exists(final)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
            await rename(partial, final);
          } else {
            await link(partial, final).catch(async (err: NodeJS.ErrnoException) => {
              // File systems without hard links: check, then rename.
              if (err.code === 'EEXIST' || (await exists(final)))
                throw Object.assign(err, { code: 'EEXIST' });
              await rename(partial, final);
            });
            await unlink(partial).catch(() => {});
            await fsync(parent).catch(() => {});
          }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
            throw new DestinationError(`refusing to replace an existing backup: ${final}`);
          }
          throw err;
        }
      },
      async discard() {
        await rm(partial, { recursive: true, force: true });
      },
    };
  }

  async read(key: string): Promise<Readable> {
    const path = this.locate(key);
    await stat(path);
    return createReadStream(path);
  }

  async remove(key: string): Promise<void> {
    await rm(this.locate(key), { recursive: true, force: true });
  }

  async clearPartials(folder: string): Promise<number> {
    const dir = this.locate(folder);
    const names = await readdir(dir).catch(() => [] as string[]);
    const partials = names.filter((n) => n.startsWith('.partial-'));
    await Promise.all(partials.map((n) => rm(join(dir, n), { recursive: true, force: true })));
    return partials.length;
  }
}

/**
 * At start: a backup directory that is a file, or cannot be written, is a configuration error now
 * (exit 78, naming the setting), not a failed backup at night.
 */
export async function checkBackupDirAtStart(
  config: Pick<Config, 'file' | 'backupDir' | 'minio'>,
): Promise<void> {
  const target = backupSettings(config).target;
  if (target?.type !== 'dir') return;
  const fromFile = (config.file as { backup?: { destination?: { path?: string } } }).backup?.destination
    ?.path;
  const setting = fromFile ? 'CONFIG_FILE backup.destination.path' : 'BACKUP_DIR';
  try {
    await new DirDestination(target.path).check();
  } catch (err) {
    throw new ConfigError(`${setting} invalid: ${(err as Error).message}`);
  }
}

/** The destination the settings name. */
export function createDestination(settings: DestinationSettings): Destination {
  return settings.type === 'dir' ? new DirDestination(settings.path) : new S3Destination(settings);
}

export { DestinationError };
