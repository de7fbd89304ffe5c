import type { Readable } from 'node:stream';
import type { Staging } from './destination.ts';
import { BackupError } from './errors.ts';
import { startTool, type TargetContext } from './process.ts';
import { Digest, writeQuietly } from './streams.ts';

/** Reads a stored object back, checking its sha256 and size against what was written. */
async function reread(
  source: Readable,
  expected: { bytes: number; sha256: string },
  sink?: (chunk: Buffer) => Promise<void>,
): Promise<void> {
  const digest = new Digest();
  for await (const chunk of source.pipe(digest)) {
    if (sink) await sink(chunk as Buffer);
  }
  if (digest.bytes !== expected.bytes || digest.hex() !== expected.sha256) {
    throw new BackupError(
      `verification failed: the stored file reads back as ${digest.bytes} bytes sha256 ${digest.hex().slice(0, 12)}…, but ${expected.bytes} bytes sha256 ${expected.sha256.slice(0, 12)}… were written`,
    );
  }
}

/**
 * A PostgreSQL custom-format dump: the stored bytes re-read (sha256) and fed to `pg_restore --list`,
 * which must read the archive's table of contents. Returns the number of entries.
 */
export async function verifyDump(
  ctx: TargetContext,
  staging: Staging,
  name: string,
  expected: { bytes: number; sha256: string },
  pgRestore = 'pg_restore',
): Promise<{ entries: number }> {
  const tool = startTool(ctx, 'pg_restore --list', pgRestore, ['--list'], { PATH: process.env.PATH });
  let listing = '';
  tool.child.stdout?.on('data', (d: Buffer) => {
    listing += d.toString();
  });
  const stdin = tool.child.stdin;
  stdin?.on('error', () => {}); // EPIPE once pg_restore has read the table of contents
  await reread(await staging.read(name), expected, async (chunk) => {
    if (stdin) await writeQuietly(stdin, chunk);
  });
  stdin?.end();
  try {
    await tool.done;
  } catch (err) {
    throw new BackupError(`verification failed: ${(err as Error).message}`);
  }
  // The header proves pg_restore read the archive's table of contents; an empty database has a
  // header and no entries, and is a valid backup.
  if (!/^;\s+Format: CUSTOM\s*$/m.test(listing)) {
    throw new BackupError(
      'verification failed: pg_restore --list did not read a custom-format archive header',
    );
  }
  const entries = listing.split('\n').filter((l) => l.trim() && !l.startsWith(';')).length;
  return { entries };
}

/** `REDIS` + four-digit version at the start, EOF opcode 0xFF before the 8-byte checksum at the end. */
export function checkRdb(head: Buffer, tail: Buffer): { version: number } {
  const magic = head.subarray(0, 5).toString('latin1');
  const version = head.subarray(5, 9).toString('latin1');
  if (magic !== 'REDIS' || !/^\d{4}$/.test(version)) {
    throw new BackupError(
      `verification failed: not an RDB file (header ${JSON.stringify(head.subarray(0, 9).toString('latin1'))})`,
    );
  }
  const v = Number(version);
  const eofAt = v >= 5 ? tail.length - 9 : tail.length - 1;
  if (eofAt < 0 || tail[eofAt] !== 0xff) {
    throw new BackupError('verification failed: the RDB file is truncated (no EOF marker)');
  }
  return { version: v };
}

/** Re-reads a stored RDB (sha256) and checks its header and end. */
export async function verifyRdb(
  staging: Staging,
  name: string,
  expected: { bytes: number; sha256: string },
): Promise<{ version: number }> {
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  await reread(await staging.read(name), expected, async (chunk) => {
    if (head.length < 9) head = Buffer.concat([head, chunk]).subarray(0, 9);
    tail = Buffer.concat([tail, chunk]).subarray(-16);
  });
  return checkRdb(head, tail);
}

/** The mirror holds exactly the source's objects and bytes. */
export async function verifyMirror(
  staging: Staging,
  expected: { objects: number; bytes: number },
): Promise<void> {
  const stored = (await staging.list()).filter((o) => o.key !== MANIFEST);
  const bytes = stored.reduce((a, o) => a + o.size, 0);
  if (stored.length !== expected.objects || bytes !== expected.bytes) {
    throw new BackupError(
      `verification failed: the mirror holds ${stored.length} objects / ${bytes} bytes, the bucket had ${expected.objects} / ${expected.bytes}`,
    );
  }
}

/** The mirror's manifest (key → ETag, size), written last; the next mirror reuses unchanged objects. */
export const MANIFEST = '.laojun-manifest.json';
