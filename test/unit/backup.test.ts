import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import backup from '../../commands/backup.ts';
import { backupSettings } from '../../src/backup/config.ts';
import { DirDestination } from '../../src/backup/destination.ts';
import { compareCounts } from '../../src/backup/drill.ts';
import { pgEnv } from '../../src/backup/postgres.ts';
import { redisCliArgs, TrimEofMark } from '../../src/backup/redis.ts';
import { keyFor } from '../../src/backup/run.ts';
import { checkRdb } from '../../src/backup/verify.ts';
import { CommandRegistry } from '../../src/commands/registry.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { checkRules } from '../helpers/prometheus.ts';
import { BACKUP_RESULTS } from '../helpers/render-fixtures.ts';

const registry = new CommandRegistry([backup]);
const t = createTranslator('en');
const parse = (text: string) => registry.parse(backup, text, { t });

describe('/backup arguments', () => {
  it('runs everything, one target, lists or shows status', () => {
    expect(parse('')).toEqual({ kind: 'ok', args: { action: 'run', targets: 'all' } });
    expect(parse('Postgres')).toEqual({ kind: 'ok', args: { action: 'run', targets: ['postgres'] } });
    expect(parse('list redis --limit 5')).toEqual({
      kind: 'ok',
      args: { action: 'list', target: 'redis', limit: 5 },
    });
    expect(parse('status')).toEqual({ kind: 'ok', args: { action: 'status' } });
  });

  it('refuses what it does not know, saying what is expected', () => {
    expect(parse('mysql')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('postgres, redis, minio, list or status'),
    });
    expect(parse('list mongo')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('unknown target "mongo"'),
    });
    expect(parse('postgres redis')).toMatchObject({ kind: 'error' });
    expect(parse('list --limit 500')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('between 1 and 50'),
    });
    expect(parse('status now')).toMatchObject({ kind: 'error' });
  });

  it('needs backup:run to run and backup:list to look', () => {
    expect(backup.permissionFor?.({ action: 'run', targets: 'all' })).toBe('backup:run');
    expect(backup.permissionFor?.({ action: 'status' })).toBe('backup:list');
  });
});

describe('backup configuration', () => {
  const base = { DATABASE_URL: 'postgres://u@h/db' };
  const withFile = (yaml: string) =>
    loadConfig({ ...base, CONFIG_FILE: 'x.yml', BACKUP_DIR: '/backup' }, { readFile: () => yaml });

  it('defaults to BACKUP_DIR and the manual retention (30/7/30 days)', () => {
    const s = backupSettings(withFile(''));
    expect(s.target).toEqual({ type: 'dir', path: '/backup' });
    expect(s.retentionDays).toEqual({ postgres: 30, redis: 7, minio: 30 });
    expect(s.schedule).toMatchObject({ enabled: true, cron: '0 2 * * *', tz: 'Asia/Shanghai' });
  });

  it('a bucket destination uses the MinIO credentials unless it names another endpoint', () => {
    const config = loadConfig(
      {
        ...base,
        CONFIG_FILE: 'x.yml',
        MINIO_ENDPOINT: 'http://minio:9000',
        MINIO_ACCESS_KEY: 'ak',
        MINIO_SECRET_KEY: 'sk12',
      },
      { readFile: () => 'backup:\n  destination: { type: s3, bucket: laojun-backups, prefix: /prod/ }\n' },
    );
    expect(backupSettings(config).target).toMatchObject({
      type: 's3',
      bucket: 'laojun-backups',
      prefix: 'prod',
      endpoint: 'http://minio:9000',
      credentials: { accessKeyId: 'ak', secretAccessKey: 'sk12' },
    });
  });

  it('bad values name the setting', () => {
    expect(() => withFile('backup:\n  schedule: { tz: Mars/Olympus }\n')).toThrow(ConfigError);
    expect(() => withFile('backup:\n  schedule: { tz: Mars/Olympus }\n')).toThrow(/backup\.schedule\.tz/);
    expect(() => withFile('backup:\n  retentionDays: { redis: 0 }\n')).toThrow(
      /backup\.retentionDays\.redis/,
    );
    expect(() => withFile('backup:\n  destination: { type: s3, bucket: Bad_Bucket }\n')).toThrow(
      /S3 bucket name/,
    );
  });
});

describe('credentials stay off command lines', () => {
  it('pg_dump gets the password through PGPASSWORD', () => {
    const env = pgEnv('postgres://laojun:p%40ss@db.internal:6432/laojun?sslmode=require', {
      PATH: '/bin',
      PGPASSWORD: 'other',
    });
    expect(env).toMatchObject({
      PGHOST: 'db.internal',
      PGPORT: '6432',
      PGUSER: 'laojun',
      PGPASSWORD: 'p@ss',
      PGDATABASE: 'laojun',
      PGSSLMODE: 'require',
      PATH: '/bin',
    });
  });

  it('redis-cli gets it through REDISCLI_AUTH', () => {
    const { args, env } = redisCliArgs('rediss://ops:secret-pw@cache:6380/0');
    expect(args).toEqual(['-h', 'cache', '-p', '6380', '--tls', '--user', 'ops']);
    expect(args.join(' ')).not.toContain('secret-pw');
    expect(env.REDISCLI_AUTH).toBe('secret-pw');
  });
});

describe('RDB checks', () => {
  const rdb = Buffer.concat([
    Buffer.from('REDIS0010'),
    Buffer.from([0xfa, 1, 2]),
    Buffer.from([0xff]),
    Buffer.alloc(8, 7),
  ]);

  it('accepts REDIS + version ... EOF + checksum', () => {
    expect(checkRdb(rdb.subarray(0, 9), rdb.subarray(-16))).toEqual({ version: 10 });
  });

  it('refuses a wrong header and a truncated file', () => {
    expect(() => checkRdb(Buffer.from('-ERR nope'), rdb)).toThrow(/not an RDB file/);
    expect(() => checkRdb(rdb.subarray(0, 9), rdb.subarray(0, rdb.length - 3))).toThrow(/truncated/);
  });

  it('drops the diskless EOF mark that redis-cli leaves on stdout, and only that', async () => {
    const mark = Buffer.from('0123456789abcdef0123456789abcdef01234567');
    const run = async (input: Buffer, chunk = 7) => {
      const trim = new TrimEofMark();
      const out: Buffer[] = [];
      trim.on('data', (d: Buffer) => out.push(d));
      for (let i = 0; i < input.length; i += chunk) trim.write(input.subarray(i, i + chunk));
      trim.end();
      await new Promise((r) => trim.on('end', r));
      return Buffer.concat(out);
    };
    expect((await run(Buffer.concat([rdb, mark]))).equals(rdb)).toBe(true);
    expect((await run(rdb)).equals(rdb)).toBe(true);
  });
});

describe('restore drill comparison', () => {
  it('reports tables whose counts differ or that are missing on either side', () => {
    expect(compareCounts({ 'public.a': 3, 'public.b': 1 }, { 'public.a': 3, 'public.c': 0 })).toEqual([
      { table: 'public.b', expected: 1, actual: null },
      { table: 'public.c', expected: null, actual: 0 },
    ]);
  });
});

describe('example alert rules', () => {
  it('pass promtool check rules and watch the last-success metric', async () => {
    const yaml = readFileSync(new URL('../../docs/backup-alert-rules.yml', import.meta.url), 'utf8');
    const result = await checkRules(yaml);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
    expect(yaml).toContain('laojun_backup_last_success_timestamp_seconds');
  });
});

describe('backup messages', () => {
  it('have the same keys in Chinese and English', async () => {
    const { backupMessages } = await import('../../src/backup/messages.ts');
    const keys = (o: Record<string, unknown>, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        typeof v === 'object' && v !== null ? keys(v as Record<string, unknown>, `${p}${k}.`) : [`${p}${k}`],
      );
    expect(keys(backupMessages.en).sort()).toEqual(keys(backupMessages['zh-CN']).sort());
  });
});

describe('backup reports', () => {
  it('say per target what happened: verified size and checksum, the failure kept apart, who holds a busy target', async () => {
    const { runReport } = await import('../../src/backup/report.ts');
    const report = runReport(
      [
        ...BACKUP_RESULTS,
        {
          target: 'minio',
          status: 'busy',
          running: {
            id: '7',
            job_id: '42',
            requested_by: 'U0OTHER',
            trigger: 'slack',
            started_at: new Date('2026-11-25T02:00:00Z'),
          } as never,
        },
      ],
      t,
    );
    expect(report.tone).toBe('error');
    expect(report.summary).toBe('1 succeeded, 1 failed, 1 already running');
    const fields = report.blocks?.[0]?.kind === 'fields' ? report.blocks[0].fields : [];
    expect(fields[0]?.value).toContain('verified (sha256 re-read, pg_restore --list: 12 entries)');
    expect(fields[0]?.value).toContain('size 10.0 MiB, took 4.0 s, 2.5 MiB/s');
    expect(fields[0]?.value).toContain(`sha256: ${'a'.repeat(64)}`);
    expect(fields[0]?.value).toContain('retention removed 1 expired backup(s)');
    expect(fields[1]?.value).toContain('cannot connect to Redis at cache:6379');
    expect(fields[1]?.value).toContain('previous good backup is untouched');
    expect(fields[2]?.value).toContain(
      'already running (job 42, started by U0OTHER at 2026-11-25 02:00:00Z)',
    );
  });
});

describe('backup answers in one language', () => {
  it('a run with no destination says what to set in the reader’s language, with one marker', async () => {
    const { runReport } = await import('../../src/backup/report.ts');
    const { renderText } = await import('../../src/report/text.ts');
    const { createTranslator } = await import('../../src/i18n/index.ts');
    const result = {
      target: 'postgres' as const,
      status: 'unconfigured' as const,
      error: 'no backup destination: set BACKUP_DIR, or backup.destination in CONFIG_FILE',
    };
    const zh = renderText(runReport([result], createTranslator('zh-CN')));
    expect(zh).toContain('未配置备份：请设置 BACKUP_DIR，或在 CONFIG_FILE 中设置 backup.destination。');
    expect(zh).not.toContain('no backup destination');
    expect(zh).not.toContain('⚠️');
    const en = renderText(runReport([result], createTranslator('en')));
    expect(en).toContain('Backups are not configured: set BACKUP_DIR, or backup.destination in CONFIG_FILE.');
  });
});

describe('backup file names', () => {
  it('differ for backups started in the same second', () => {
    const at = new Date('2026-11-25T02:00:00.400Z');
    const keys = Array.from({ length: 50 }, () => keyFor('postgres', at, 'postgres://x@db/laojun'));
    expect(new Set(keys).size).toBe(50);
    expect(keys[0]).toMatch(/^postgres\/laojun_20261125T020000Z_[0-9a-f]{6}\.dump$/);
  });

  it('a directory destination never replaces an existing backup on commit', async () => {
    const dir = makeTempDir('dest');
    try {
      const dest = new DirDestination(dir.path);
      const write = async (body: string) => {
        const staging = await dest.stage('postgres/same.dump');
        await staging.put('', Readable.from([body]));
        return staging;
      };
      await (await write('first')).commit();
      const second = await write('second');
      await expect(second.commit()).rejects.toThrow(/refusing to replace an existing backup/);
      await second.discard();
      expect(readFileSync(join(dir.path, 'postgres/same.dump'), 'utf8')).toBe('first');
      expect(readdirSync(join(dir.path, 'postgres'))).toEqual(['same.dump']);
    } finally {
      dir.remove();
    }
  });
});
