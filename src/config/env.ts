import { z } from 'zod';
import { ConfigError } from './error.ts';

/**
 * The environment variables of the public contract (DESIGN.md): connection settings and secrets,
 * read through one schema. Tracing has its own small schema so src/main.ts can read it first.
 */

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const HTTP = ['http:', 'https:'];
const POSTGRES = ['postgres:', 'postgresql:'];
const REDIS = ['redis:', 'rediss:'];

function isUrl(v: string, protocols: readonly string[]): boolean {
  try {
    const u = new URL(v);
    // PostgreSQL may name a Unix socket directory in ?host= instead of a host.
    return protocols.includes(u.protocol) && (u.host !== '' || protocols === POSTGRES);
  } catch {
    return false;
  }
}

const url = (what: string, protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .refine((v) => isUrl(v, protocols), `expected ${what}`);

const optionalUrl = (what: string, protocols: readonly string[] = HTTP) =>
  optionalString.refine((v) => v === undefined || isUrl(v, protocols), `expected ${what}`);

const port = z
  .string()
  .regex(/^\d+$/, 'expected a TCP port number')
  .transform(Number)
  .pipe(z.number().min(0, 'expected a port from 0 to 65535').max(65535, 'expected a port from 0 to 65535'));

const slackId = (prefix: string) =>
  optionalString.refine(
    (v) => v === undefined || new RegExp(`^[${prefix}][A-Z0-9]{2,}$`).test(v),
    `expected a Slack ID (starting with ${prefix.split('').join(' or ')}), not a name`,
  );

/** The bot's own database when DATABASE_URL is unset in console mode, the CLI and the demo. */
export const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const envSchema = z.object({
  PORT: optionalString.transform((v) => v ?? '8080').pipe(port),
  // The image sets NODE_ENV=production; a checkout on a workstation is not production.
  NODE_ENV: optionalString.transform((v) => v ?? 'development'),
  LOG_LEVEL: optionalString.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
  LOCALE: optionalString.pipe(z.enum(['zh-CN', 'en']).optional()),
  SLACK_BOT_TOKEN: optionalString.refine(
    (v) => v === undefined || /^xox[bp]-/.test(v),
    'expected a bot token starting with xoxb-',
  ),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: optionalString.refine(
    (v) => v === undefined || v.startsWith('xapp-'),
    'expected an app-level token starting with xapp-',
  ),
  SLACK_API_URL: optionalUrl('a URL like https://slack.com/api/').transform((v) => {
    const base = v ?? 'https://slack.com/api/';
    return base.endsWith('/') ? base : `${base}/`;
  }),
  SLACK_INCIDENT_CHANNEL: slackId('CGD'),
  SLACK_DIGEST_CHANNEL: slackId('CGD'),
  DATABASE_URL: url('a PostgreSQL URL like postgres://user@host:5432/db', POSTGRES),
  REDIS_URL: optionalUrl('a Redis URL like redis://host:6379', REDIS).transform(
    (v) => v ?? 'redis://127.0.0.1:6379',
  ),
  DATABASE_SCHEMA: optionalString.refine(
    (v) => v === undefined || /^[a-z_][a-z0-9_]{0,62}$/.test(v),
    'expected a lowercase schema name',
  ),
  QUEUE_PREFIX: optionalString
    .refine(
      (v) => v === undefined || /^[A-Za-z0-9_.-]{1,64}$/.test(v),
      'expected letters, digits, _ . - only',
    )
    .transform((v) => v ?? 'laojun'),
  ALERT_WEBHOOK_TOKEN: optionalString,
  ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: optionalString.pipe(z.enum(['true', 'false']).optional()),
  PROMETHEUS_URL: optionalUrl('a URL like http://prometheus:9090'),
  ALERTMANAGER_URL: optionalUrl('a URL like http://alertmanager:9093'),
  ELASTICSEARCH_URL: optionalUrl('a URL like http://elasticsearch:9200'),
  LOG_INDEX: optionalString.transform((v) => v ?? 'laojun-logs-*'),
  TARGET_DATABASE_URL: optionalUrl('a PostgreSQL URL like postgres://user@host:5432/db', POSTGRES),
  TARGET_REDIS_URL: optionalUrl('a Redis URL like redis://host:6379', REDIS),
  MINIO_ENDPOINT: optionalUrl('a URL like http://minio:9000'),
  MINIO_ACCESS_KEY: optionalString,
  MINIO_SECRET_KEY: optionalString,
  MINIO_BUCKET: optionalString.transform((v) => v ?? 'laojun-bucket'),
  BACKUP_DIR: optionalString,
  CONFIG_FILE: optionalString,
  BULL_BOARD_PASSWORD: optionalString.refine(
    (v) => v === undefined || v.length >= 12,
    'expected at least 12 characters (it guards job data)',
  ),
  BULL_BOARD_USER: optionalString.transform((v) => v ?? 'admin'),
  BULL_BOARD_READ_ONLY: optionalString.pipe(z.enum(['true', 'false']).optional()),
  /** What this process runs: `all` (default), `web` (HTTP and Slack only) or `worker` (queues only). */
  BOT_ROLE: optionalString.pipe(
    z.enum(['all', 'web', 'worker'], { error: 'expected all, web or worker' }).optional(),
  ),
  ...telemetryEnvShape(),
});

/**
 * OpenTelemetry settings the bot reads itself (the exporter also honours the other standard OTEL_*
 * variables). Separate from the rest so that src/main.ts can start tracing before anything else.
 */
function telemetryEnvShape() {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl('a URL like http://jaeger:4318'),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl('a URL like http://jaeger:4318/v1/traces'),
    OTEL_SERVICE_NAME: optionalString,
  };
}
const telemetryEnvSchema = z.object(telemetryEnvShape());

export interface TelemetrySettings {
  /** Where spans go (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces). */
  tracesUrl: string;
  serviceName: string;
}

/** Tracing settings, or undefined when OTEL_EXPORTER_OTLP_ENDPOINT is unset (tracing off). */
export function telemetrySettings(env: NodeJS.ProcessEnv): TelemetrySettings | undefined {
  const e = parseEnv(telemetryEnvSchema, env);
  if (!e.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return {
    tracesUrl:
      e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    serviceName: e.OTEL_SERVICE_NAME ?? 'laojun-chatops',
  };
}

/** Parses environment variables; the first problem becomes one ConfigError line naming the setting. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (!first) throw new ConfigError('invalid configuration');
    const name = String(first.path[0] ?? 'environment');
    const message =
      first.code === 'invalid_type' && env[name] === undefined ? 'is required' : `invalid: ${first.message}`;
    throw new ConfigError(`${name} ${message}`);
  }
  return parsed.data;
}

/** The password in a connection URL (for redaction), if any. */
export function passwordOf(connectionUrl: string | undefined): string | undefined {
  if (!connectionUrl) return undefined;
  try {
    const p = new URL(connectionUrl).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
