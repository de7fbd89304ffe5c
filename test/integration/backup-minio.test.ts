import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { backupFileSchema } from '../../src/backup/config.ts';
import { restoreDrill } from '../../src/backup/drill.ts';
import { type BackupDeps, runBackup, type TargetResult } from '../../src/backup/run.ts';
import { seedPlatformDb } from '../helpers/backup.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { type S3Server, startS3 } from '../helpers/s3.ts';
import { nextSecond } from '../helpers/wait.ts';

function ok(r: TargetResult) {
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}

describe('MinIO mirror and the S3 destination, against s3rver', () => {
  let s3: S3Server;
  let cluster: PgCluster;
  let t: TestBot;
  let dir: { path: string; remove: () => void };
  const objects: Record<string, Buffer> = {
    'plugins/market-1.0.zip': randomBytes(300_000),
    'avatars/u1.png': randomBytes(20_000),
    'readme.txt': Buffer.from('laojun'),
    'deep/a/b/c.json': Buffer.from('{"ok":true}'),
  };

  beforeAll(async () => {
    s3 = await startS3(['laojun-bucket', 'backups']);
    for (const [key, body] of Object.entries(objects)) await s3.put('laojun-bucket', key, body);
    cluster = await startPgCluster();
    await seedPlatformDb(cluster.url, 5_000);
    dir = makeTempDir('backups');
    t = await startTestBot(
      {
        TARGET_DATABASE_URL: cluster.url,
        BACKUP_DIR: dir.path,
        MINIO_ENDPOINT: s3.endpoint,
        MINIO_ACCESS_KEY: s3.accessKey,
        MINIO_SECRET_KEY: s3.secretKey,
      },
      { start: false },
    );
  });
  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    await s3?.stop();
    dir?.remove();
  });

  it('mirrors the bucket into a dated folder, then reuses unchanged objects by ETag', async () => {
    const first = ok(await runBackup(t.bot.deps, 'minio', { trigger: 'slack' }));
    expect(first.location).toMatch(/minio\/\d{8}T\d{6}Z_[0-9a-f]{6}$/);
    expect(first.details).toEqual({ objects: 4, bytes: 320_017, downloaded: 4, reused: 0 });
    for (const [key, body] of Object.entries(objects)) {
      expect(readFileSync(join(first.location, key)).equals(body)).toBe(true);
    }

    await nextSecond(); // a new dated folder (second resolution)
    const second = ok(await runBackup(t.bot.deps, 'minio', { trigger: 'slack' }));
    expect(second.location).not.toBe(first.location);
    expect(second.details).toMatchObject({ objects: 4, downloaded: 0, reused: 4 });
    expect(
      readFileSync(join(second.location, 'plugins/market-1.0.zip')).equals(
        objects['plugins/market-1.0.zip'] as Buffer,
      ),
    ).toBe(true);

    await s3.put('laojun-bucket', 'readme.txt', 'laojun v2');
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'laojun-bucket', Key: 'avatars/u1.png' }));
    await nextSecond();
    const third = ok(await runBackup(t.bot.deps, 'minio', { trigger: 'slack' }));
    expect(third.details).toMatchObject({ objects: 3, downloaded: 1, reused: 2 });
    expect(readFileSync(join(third.location, 'readme.txt'), 'utf8')).toBe('laojun v2');
    expect(existsSync(join(third.location, 'avatars/u1.png'))).toBe(false);
    // Earlier mirrors are untouched.
    expect(readFileSync(join(first.location, 'readme.txt'), 'utf8')).toBe('laojun');
  });

  it('MinIO unreachable: a clear answer', async () => {
    const deps = t.bot.deps;
    const r = await runBackup(
      {
        ...deps,
        config: { ...deps.config, minio: { ...deps.config.minio, endpoint: 'http://127.0.0.1:1' } },
      },
      'minio',
      { trigger: 'slack' },
    );
    expect(r.status).toBe('failed');
    expect(r.status === 'failed' && r.error).toContain(
      'cannot list MinIO bucket laojun-bucket at http://127.0.0.1:1',
    );
  });

  it('backs PostgreSQL up into a bucket, and the restore drill reads it back from there', async () => {
    // Every upload gives the SDK its length: no "Stream of unknown length" warning on the console.
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    });
    onTestFinished(() => {
      warn.mockRestore();
      expect(warnings.filter((w) => w.includes('unknown length'))).toEqual([]);
    });
    const backup = backupFileSchema.parse({
      destination: { type: 's3', bucket: 'backups', prefix: 'laojun/prod' },
    });
    const deps: BackupDeps = {
      ...t.bot.deps,
      config: { ...t.bot.deps.config, file: { ...t.bot.deps.config.file, backup } },
    };
    const r = ok(await runBackup(deps, 'postgres', { trigger: 'schedule' }));
    expect(r.location).toMatch(
      /^s3:\/\/backups\/laojun\/prod\/postgres\/laojun_\d{8}T\d{6}Z_[0-9a-f]{6}\.dump$/,
    );
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: 'backups', Key: r.location.replace('s3://backups/', '') }),
    );
    expect(head.ContentLength).toBe(r.bytes);
    const drill = await restoreDrill({ ...t.bot.deps, config: deps.config });
    expect(drill).toMatchObject({ status: 'ok', tables: 3 });

    // The mirror into the bucket destination reuses by server-side copy.
    const m1 = ok(await runBackup(deps, 'minio', { trigger: 'schedule' }));
    await new Promise((res) => setTimeout(res, 1_100));
    const m2 = ok(await runBackup(deps, 'minio', { trigger: 'schedule' }));
    expect(m1.location).toMatch(/^s3:\/\/backups\/laojun\/prod\/minio\//);
    expect(m2.details).toMatchObject({ downloaded: 0, reused: 3 });
  });

  it('a bucket destination that does not exist: told which bucket and why', async () => {
    const backup = backupFileSchema.parse({ destination: { type: 's3', bucket: 'no-such-backups' } });
    const deps: BackupDeps = {
      ...t.bot.deps,
      config: { ...t.bot.deps.config, file: { ...t.bot.deps.config.file, backup } },
    };
    const r = await runBackup(deps, 'redis', { trigger: 'slack' });
    expect(r.status).toBe('failed');
    expect(r.status === 'failed' && r.error).toContain(
      `backup bucket s3://no-such-backups (${s3.endpoint}) is not writable`,
    );
  });
});
