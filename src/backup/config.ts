import { z } from 'zod';
import type { Config } from '../config.ts';

/** What the bot backs up. */
export const TARGETS = ['postgres', 'redis', 'minio'] as const;
export type Target = (typeof TARGETS)[number];

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const cron = z
  .string()
  .trim()
  .refine((v) => /^(\S+\s+){4,5}\S+$/.test(v), 'expected a cron pattern like "0 2 * * *"');
const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone like Asia/Shanghai');
const days = z.number().int().min(1, 'keep backups at least 1 day').max(3650);

/** `backup:` in CONFIG_FILE. Environment names stay those of the public contract. */
export const backupFileSchema = z
  .object({
    /** Where backups go: BACKUP_DIR (default) or an S3/MinIO bucket. */
    destination: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('dir'), path: z.string().min(1).optional() }),
        z.object({
          type: z.literal('s3'),
          bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
          prefix: z
            .string()
            .default('')
            .transform((p) => p.replace(/^\/+|\/+$/g, '')),
          /** Another S3 endpoint (credentials from the AWS SDK's usual chain); default MINIO_ENDPOINT and MINIO_* keys. */
          endpoint: z.url().optional(),
          region: z.string().default('us-east-1'),
          forcePathStyle: z.boolean().default(true),
        }),
      ])
      .optional(),
    /** Days to keep, per target (the manual: PostgreSQL 30, Redis 7, MinIO 30). */
    retentionDays: z
      .object({ postgres: days.default(30), redis: days.default(7), minio: days.default(30) })
      .prefault({}),
    schedule: z
      .object({
        enabled: z.boolean().default(true),
        cron: cron.default('0 2 * * *'),
        tz: timeZone.default('Asia/Shanghai'),
        targets: z.array(z.enum(TARGETS)).min(1).optional(),
      })
      .prefault({}),
    drill: z
      .object({
        enabled: z.boolean().default(true),
        cron: cron.default('0 4 * * 0'),
        tz: timeZone.default('Asia/Shanghai'),
        /** Server for the scratch database (a URL whose user may CREATE DATABASE); default TARGET_DATABASE_URL's server. */
        databaseUrl: z.url().optional(),
      })
      .prefault({}),
    postgres: z
      .object({
        /** pg_dump -Z (custom format, gzip levels 0-9). */
        compressLevel: z.number().int().min(0).max(9).default(6),
        /** Directory of pg_dump/pg_restore (e.g. /usr/lib/postgresql/16/bin for a newer server); default PATH. */
        binDir: z.string().min(1).optional(),
        /** Count rows of every table in the dump's snapshot (for the restore drill). */
        countRows: z.boolean().default(true),
        timeoutMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(240),
      })
      .prefault({}),
    redis: z
      .object({
        /** `rdb`: `redis-cli --rdb` (works from another host); `bgsave`: BGSAVE and copy `rdbPath`. */
        method: z.enum(['rdb', 'bgsave']).default('rdb'),
        /** The server's dump.rdb as this host sees it (bgsave only). */
        rdbPath: z.string().optional(),
        timeoutSeconds: z
          .number()
          .int()
          .min(5)
          .max(24 * 3600)
          .default(1_800),
      })
      .prefault({}),
    minio: z.object({ concurrency: z.number().int().min(1).max(32).default(4) }).prefault({}),
  })
  .prefault({});

export type BackupFileSettings = z.infer<typeof backupFileSchema>;

export type DestinationSettings =
  | { type: 'dir'; path: string }
  | {
      type: 's3';
      bucket: string;
      prefix: string;
      endpoint?: string;
      region: string;
      forcePathStyle: boolean;
      credentials?: { accessKeyId: string; secretAccessKey: string };
    };

export interface BackupSettings extends BackupFileSettings {
  /** undefined: backups are not configured (no BACKUP_DIR, no bucket). */
  target?: DestinationSettings;
}

/** The backup settings of a configuration (the YAML `backup:` section plus the contract's env). */
export function backupSettings(config: Pick<Config, 'file' | 'backupDir' | 'minio'>): BackupSettings {
  const file = backupFileSchema.parse((config.file as { backup?: unknown }).backup ?? {});
  const d = file.destination;
  let target: DestinationSettings | undefined;
  if (d?.type === 's3') {
    const own = d.endpoint === undefined;
    target = {
      ...d,
      endpoint: d.endpoint ?? config.minio.endpoint,
      ...(own && config.minio.accessKey && config.minio.secretKey
        ? { credentials: { accessKeyId: config.minio.accessKey, secretAccessKey: config.minio.secretKey } }
        : {}),
    };
  } else {
    const path = d?.path ?? config.backupDir;
    if (path) target = { type: 'dir', path };
  }
  return { ...file, target };
}

/** Targets that can be backed up with this configuration (MinIO only when MINIO_ENDPOINT is set). */
export function configuredTargets(config: Pick<Config, 'minio'>): Target[] {
  return TARGETS.filter((t) => t !== 'minio' || config.minio.endpoint !== undefined);
}
