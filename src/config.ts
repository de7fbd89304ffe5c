import { readFileSync } from 'node:fs';
import { envSchema, parseEnv, passwordOf, type TelemetrySettings, telemetrySettings } from './config/env.ts';
import { ConfigError } from './config/error.ts';
import { DEFAULT_SERVICES, type FileConfig, readConfigFile, type ServiceConfig } from './config/file.ts';
import { resolveWebhookTokens } from './oncall/config.ts';

/**
 * Every setting of the public contract (DESIGN.md), read once: environment variables
 * (`src/config/env.ts`: connection settings and secrets) and the optional YAML `CONFIG_FILE`
 * (`src/config/file.ts`: structured settings). `loadConfig` combines them into one `Config`.
 */

export { envSchema, LOCAL_DATABASE_URL, type TelemetrySettings, telemetrySettings } from './config/env.ts';
export { ConfigError } from './config/error.ts';
export {
  DEFAULT_SERVICES,
  type FileConfig,
  fileSchema,
  type ServiceConfig,
  yamlErrorWithoutSource,
} from './config/file.ts';

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

  const file = readConfigFile(e.CONFIG_FILE, options.readFile ?? ((p: string) => readFileSync(p, 'utf8')));
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
