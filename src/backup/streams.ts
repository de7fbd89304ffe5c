import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback, type Writable } from 'node:stream';

/** A pass-through that hashes (sha256) and counts what flows through it. */
export class Digest extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly onProgress?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onProgress?.(this.bytes);
    cb(null, chunk);
  }

  hex(): string {
    return this.hash.copy().digest('hex');
  }
}

/**
 * Writes a chunk to a child's stdin honouring backpressure; once the child has closed its stdin
 * (pg_restore --list stops after the table of contents) the rest is simply not sent.
 */
export async function writeQuietly(stdin: Writable, chunk: Buffer): Promise<void> {
  if (stdin.destroyed || stdin.writableEnded) return;
  if (stdin.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      stdin.off('drain', done);
      stdin.off('close', done);
      stdin.off('error', done);
      resolve();
    };
    stdin.once('drain', done);
    stdin.once('close', done);
    stdin.once('error', done);
  });
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A compact UTC stamp for names: 20261125T194922Z. */
export function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
