import type { Client as ElasticClient } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Authorizer } from './auth/authorize.ts';
import type { UserRateLimiter } from './auth/rate-limit.ts';
import type { CommandRegistry } from './commands/registry.ts';
import type { Config } from './config.ts';
import type { Locale, Translate } from './i18n/index.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { QueueSet } from './queue/runtime.ts';
import type { Redactor } from './redact.ts';
import type { SlackPacer } from './slack/pacer.ts';
import type { SlackPort } from './slack/port.ts';
import type { AlertmanagerClient } from './sources/alertmanager.ts';
import type { PrometheusClient } from './sources/prometheus.ts';
import type { AuditLog } from './store/audit.ts';

/** Data sources, created lazily and closed at shutdown. */
export interface Sources {
  prometheus?: PrometheusClient;
  /** The platform's PostgreSQL (TARGET_DATABASE_URL). */
  targetDb(): pg.Pool;
  /** The platform's Redis (TARGET_REDIS_URL). */
  targetRedis(): Redis;
  /** Alertmanager API v2 (ALERTMANAGER_URL), when set. */
  alertmanager?: AlertmanagerClient;
  /** Elasticsearch (ELASTICSEARCH_URL), created on first use, when set. */
  elasticsearch?: () => ElasticClient;
  close(): Promise<void>;
}

/** Everything a command, job or handler needs, passed in (never imported) so tests hand in their own. */
export interface Deps {
  config: Config;
  logger: Logger;
  redact: Redactor;
  t: Translate;
  locale: Locale;
  /** The bot's own state (schema `chatops`). */
  pool: pg.Pool;
  audit: AuditLog;
  metrics: Metrics;
  slack: SlackPort;
  /** Paces posts per channel and edits per workspace to Slack's limits, shared by every replica. */
  pacer: SlackPacer;
  queues: QueueSet;
  commands: CommandRegistry;
  authorizer: Authorizer;
  rateLimiter: UserRateLimiter;
  sources: Sources;
  fetch: typeof fetch;
  now: () => Date;
}
