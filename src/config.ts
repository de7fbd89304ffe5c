import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { permissionsSchema } from './auth/config.ts';
import { backupFileSchema } from './backup/config.ts';
import { diagnosticsSchema } from './diagnostics/config.ts';
import { digestFileSchema } from './digest/config.ts';
import { incidentsFileSchema } from './incidents/config.ts';
import { oncallFileSchema, resolveWebhookTokens } from './oncall/config.ts';
import { postmortemFileSchema } from './postmortem/config.ts';

/**
 * Every setting of the public contract (DESIGN.md), read once through one schema.
 * Environment variables hold connection settings and secrets; the optional YAML `CONFIG_FILE`
 * holds structured settings (services, checklist, permissions, enrichment, schedules, locale).
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
function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
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

const serviceSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected a lowercase service name'),
  job: z.string().min(1).optional(),
  kind: z.enum(['http', 'postgres', 'redis', 'minio', 'elasticsearch']).default('http'),
  healthUrl: z.string().url().optional(),
  description: z.string().optional(),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;

export const DEFAULT_SERVICES: ServiceConfig[] = [
  { name: 'laojun-gateway', job: 'laojun-gateway', kind: 'http', description: 'API 网关 :8083' },
  { name: 'laojun-admin-api', job: 'laojun-admin-api', kind: 'http', description: '管理后台 API :8080' },
  {
    name: 'laojun-marketplace-api',
    job: 'laojun-marketplace-api',
    kind: 'http',
    description: '插件市场 API :8081',
  },
  { name: 'laojun-config-center', job: 'laojun-config-center', kind: 'http', description: '配置中心 :8082' },
  { name: 'postgresql', kind: 'postgres' },
  { name: 'redis', kind: 'redis' },
  { name: 'minio', kind: 'minio' },
  { name: 'elasticsearch', kind: 'elasticsearch' },
];

const checklistSchema = z
  .array(
    z.object({
      id: z.string().regex(/^[a-z0-9_]+$/, 'expected a phase id like immediate_actions'),
      title: z.string().min(1).optional(),
      items: z.array(z.string().min(1).max(150)).min(1).max(10),
    }),
  )
  .min(1)
  .max(6);

/** The YAML file (`CONFIG_FILE`): everything optional; defaults are the manual's. */
export const fileSchema = z
  .object({
    locale: z.enum(['zh-CN', 'en']).optional(),
    services: z.array(serviceSchema).min(1).optional(),
    checklist: checklistSchema.optional(),
    permissions: permissionsSchema,
    links: z
      .object({
        grafana: z.string().url().optional(),
        kibana: z.string().url().optional(),
        alertmanager: z.string().url().optional(),
        runbook: z.string().url().optional(),
      })
      .default({}),
    probes: z
      .object({ timeoutMs: z.number().int().min(100).max(30_000).default(2_000) })
      .default({ timeoutMs: 2_000 }),
    redact: z.array(z.string().min(1).superRefine(checkPattern)).default([]),
    queue: z
      .object({
        /**
         * How long a job stays locked to a worker that stopped answering (killed, frozen) before
         * another worker takes it over; workers renew the lock at half this while they run.
         */
        lockDurationMs: z.number().int().min(5_000).max(600_000).default(30_000),
      })
      .default({ lockDurationMs: 30_000 }),
    digest: digestFileSchema,
    backup: backupFileSchema,
    incidents: incidentsFileSchema,
    diagnostics: diagnosticsSchema,
    postmortem: postmortemFileSchema,
    oncall: oncallFileSchema,
  })
  .passthrough();

export type FileConfig = z.infer<typeof fileSchema>;

export interface Config {
  port: number;
  environment: string;
  logLevel: string;
  locale: 'zh-CN' | 'en';
  slack: {
    mode: 'http' | 'socket' | 'console';
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl: string;
    incidentChannel?: string;
    digestChannel?: string;
  };
  databaseUrl: string;
  /** Schema holding the bot's tables: `chatops`; tests use their own. */
  databaseSchema: string;
  redisUrl: string;
  queuePrefix: string;
  alertWebhookToken?: string;
  /** ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED=true: `/alerts` open without a token outside console mode (logged as a warning at start). */
  alertWebhookAllowUnauthenticated: boolean;
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  elasticsearchUrl?: string;
  logIndex: string;
  targetDatabaseUrl: string;
  targetRedisUrl: string;
  minio: { endpoint?: string; accessKey?: string; secretKey?: string; bucket: string };
  backupDir?: string;
  /** Bull Board at /admin/queues: on only when BULL_BOARD_PASSWORD is set; read-only unless BULL_BOARD_READ_ONLY=false. */
  bullBoard?: { user: string; password: string; readOnly: boolean };
  /** BOT_ROLE: `all` (default), `web` or `worker`. */
  role: 'all' | 'web' | 'worker';
  /** OpenTelemetry tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  telemetry?: TelemetrySettings;
  file: FileConfig;
  services: ServiceConfig[];
  /** Every secret value, for redaction. */
  secrets: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssue(issue: z.core.$ZodIssue, source: string): string {
  const path = issue.path.join('.');
  return `${source}${path ? ` ${path}` : ''}: ${issue.message}`;
}

export interface LoadConfigOptions {
  readFile?: (path: string) => string;
  /** Overrides applied after parsing (tests: schema name). */
  databaseSchema?: string;
}

/** Reads env (and `CONFIG_FILE`) once. Throws ConfigError with one line naming the setting. */
export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): Config {
  const e = parseEnv(envSchema, env);

  let mode: Config['slack']['mode'] = 'console';
  if (e.SLACK_BOT_TOKEN) {
    mode = e.SLACK_APP_TOKEN ? 'socket' : 'http';
    if (mode === 'http') {
      if (e.SLACK_SIGNING_SECRET === undefined) {
        throw new ConfigError(
          'SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
        );
      }
      if (e.SLACK_SIGNING_SECRET.trim() === '') {
        throw new ConfigError('SLACK_SIGNING_SECRET is empty: requests from Slack could not be verified');
      }
    }
  } else if (e.SLACK_APP_TOKEN) {
    throw new ConfigError('SLACK_BOT_TOKEN is required when SLACK_APP_TOKEN is set (Socket Mode)');
  }

  // `/alerts` shares the public port with `/slack/events`: without a token anyone who can reach it
  // can open incidents in the channel. Console mode (a laptop) is exempt.
  const allowUnauthenticated = e.ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED === 'true';
  if (mode !== 'console' && !e.ALERT_WEBHOOK_TOKEN && !allowUnauthenticated) {
    throw new ConfigError(
      "ALERT_WEBHOOK_TOKEN is required outside console mode: /alerts would accept anyone's alerts " +
        "(set it, and the same value in Alertmanager's http_config.authorization; " +
        'or set ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED=true to run without it)',
    );
  }

  let file: FileConfig = fileSchema.parse({});
  if (e.CONFIG_FILE) {
    const read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
    let source: string;
    try {
      source = read(e.CONFIG_FILE);
    } catch (err) {
      throw new ConfigError(`CONFIG_FILE ${e.CONFIG_FILE}: cannot read it: ${(err as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = parseYaml(source);
    } catch (err) {
      throw new ConfigError(`CONFIG_FILE ${e.CONFIG_FILE}: cannot read YAML: ${yamlErrorWithoutSource(err)}`);
    }
    const fileParsed = fileSchema.safeParse(raw ?? {});
    if (!fileParsed.success) {
      const first = fileParsed.error.issues[0];
      throw new ConfigError(
        first ? describeIssue(first, `CONFIG_FILE ${e.CONFIG_FILE}`) : 'CONFIG_FILE invalid',
      );
    }
    file = fileParsed.data;
  }
  let oncallSecrets: string[] = [];
  if (file.oncall) {
    try {
      oncallSecrets = resolveWebhookTokens(file.oncall, env);
    } catch (err) {
      throw new ConfigError(`CONFIG_FILE ${e.CONFIG_FILE} ${(err as Error).message}`);
    }
  }

  const secrets = [
    e.SLACK_BOT_TOKEN,
    e.SLACK_SIGNING_SECRET,
    e.SLACK_APP_TOKEN,
    e.ALERT_WEBHOOK_TOKEN,
    e.MINIO_SECRET_KEY,
    e.BULL_BOARD_PASSWORD,
    passwordOf(e.DATABASE_URL),
    passwordOf(e.TARGET_DATABASE_URL),
    passwordOf(e.REDIS_URL),
    passwordOf(e.TARGET_REDIS_URL),
    passwordOf(e.ELASTICSEARCH_URL),
    passwordOf(e.PROMETHEUS_URL),
    passwordOf(e.ALERTMANAGER_URL),
    ...oncallSecrets,
    passwordOf(e.OTEL_EXPORTER_OTLP_ENDPOINT),
    passwordOf(e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
  ].filter((s): s is string => typeof s === 'string' && s.length >= 4);

  return {
    port: e.PORT,
    environment: e.NODE_ENV,
    logLevel: e.LOG_LEVEL ?? 'info',
    locale: e.LOCALE ?? file.locale ?? 'zh-CN',
    slack: {
      mode,
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      incidentChannel: e.SLACK_INCIDENT_CHANNEL,
      digestChannel: e.SLACK_DIGEST_CHANNEL ?? e.SLACK_INCIDENT_CHANNEL,
    },
    databaseUrl: e.DATABASE_URL,
    databaseSchema: options.databaseSchema ?? e.DATABASE_SCHEMA ?? 'chatops',
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    alertWebhookToken: e.ALERT_WEBHOOK_TOKEN,
    alertWebhookAllowUnauthenticated: allowUnauthenticated,
    prometheusUrl: e.PROMETHEUS_URL,
    alertmanagerUrl: e.ALERTMANAGER_URL,
    elasticsearchUrl: e.ELASTICSEARCH_URL,
    logIndex: e.LOG_INDEX,
    targetDatabaseUrl: e.TARGET_DATABASE_URL ?? e.DATABASE_URL,
    targetRedisUrl: e.TARGET_REDIS_URL ?? e.REDIS_URL,
    minio: {
      endpoint: e.MINIO_ENDPOINT,
      accessKey: e.MINIO_ACCESS_KEY,
      secretKey: e.MINIO_SECRET_KEY,
      bucket: e.MINIO_BUCKET,
    },
    backupDir: e.BACKUP_DIR,
    bullBoard: e.BULL_BOARD_PASSWORD
      ? {
          user: e.BULL_BOARD_USER,
          password: e.BULL_BOARD_PASSWORD,
          readOnly: e.BULL_BOARD_READ_ONLY !== 'false',
        }
      : undefined,
    role: e.BOT_ROLE ?? 'all',
    telemetry: telemetrySettings(env),
    file,
    services: file.services ?? DEFAULT_SERVICES,
    secrets,
  };
}

/**
 * A YAML error without the source excerpt the parser appends (the offending line can hold a
 * password): the reason and where, e.g. `Missing closing "quote (line 3, column 13)`.
 */
export function yamlErrorWithoutSource(err: unknown): string {
  const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
  const first = (e.message ?? '').split('\n')[0] ?? '';
  const pos = e.linePos?.[0];
  if (pos) {
    const reason = first.replace(/ at line \d+, column \d+:?$/, '');
    return `${reason} (line ${pos.line}, column ${pos.col})`;
  }
  // Errors without a position (an unresolved alias) end with the source text after ': '.
  return first.replace(/: .*$/, '');
}

/** A `redact:` entry must compile the way the redactor compiles it. */
function checkPattern(pattern: string, ctx: z.RefinementCtx): void {
  try {
    new RegExp(pattern, 'g');
  } catch (err) {
    const why = (err as Error).message.split(': ').at(-1) ?? 'invalid';
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${why})` });
  }
}

function passwordOf(connectionUrl: string | undefined): string | undefined {
  if (!connectionUrl) return undefined;
  try {
    const p = new URL(connectionUrl).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
