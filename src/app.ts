import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import {
  App,
  type AppOptions,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  SocketModeReceiver,
} from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Telemetry as QueueTelemetry } from 'bullmq';
import type { DestinationStream } from 'pino';
import { COMMANDS } from '../commands/index.ts';
import { JOBS } from '../jobs/index.ts';
import { createAuthorizer } from './auth/authorize.ts';
import { createUserRateLimiter } from './auth/rate-limit.ts';
import { checkBackupDirAtStart } from './backup/destination.ts';
import type { AnyCommand } from './commands/define.ts';
import { CommandRegistry } from './commands/registry.ts';
import type { Config } from './config.ts';
import type { Deps, Sources } from './deps.ts';
import { mountBullBoard } from './http/bull-board.ts';
import { opsOnly } from './http/ops-only.ts';
import { createHttpApp, finishHttpApp, serveHttp } from './http/server.ts';
import { SLACK_EVENTS_PATH, slackEventsHandler } from './http/slack-guard.ts';
import { createTranslator } from './i18n/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { type OncallTicker, startOncallTicker } from './oncall/ticker.ts';
import { createRedis } from './queue/connection.ts';
import type { JobDefinition } from './queue/jobs.ts';
import { registerInboxMetrics, registerQueueMetrics } from './queue/metrics.ts';
import { QueueSet, startWorkers, type WorkerSet } from './queue/runtime.ts';
import { createRedactor } from './redact.ts';
import { singleTokenAuthorize } from './slack/bolt-authorize.ts';
import { registerSlackHandlers } from './slack/commands.ts';
import { ConsoleSlack } from './slack/console.ts';
import { createOutboundFilter, filtered } from './slack/outbound.ts';
import { SlackPacer } from './slack/pacer.ts';
import type { SlackPort } from './slack/port.ts';
import { WebSlack } from './slack/web.ts';
import { AlertmanagerClient } from './sources/alertmanager.ts';
import { createElasticsearch } from './sources/elasticsearch.ts';
import { createTargetPool } from './sources/postgres.ts';
import { PrometheusClient } from './sources/prometheus.ts';
import { createTargetRedis } from './sources/redis.ts';
import { AuditLog } from './store/audit.ts';
import { createPool, migrate } from './store/db.ts';

export interface BotOptions {
  /** `all` (default) serves HTTP and runs workers; `web` only HTTP; `worker` only workers. */
  role?: 'all' | 'web' | 'worker';
  fetch?: typeof fetch;
  logDestination?: DestinationStream;
  /** Where console mode prints. */
  consoleOut?: Writable;
  slack?: SlackPort;
  commands?: AnyCommand[];
  jobs?: JobDefinition[];
  now?: () => Date;
  /** Bound on waiting for running jobs at shutdown. */
  shutdownTimeoutMs?: number;
  /** How often job schedulers are registered again (they live in Redis, which may be flushed or fail over). */
  scheduleRefreshMs?: number;
  /** BullMQ's tracing, from startTelemetry (src/telemetry.ts) when tracing is on. */
  queueTelemetry?: QueueTelemetry;
}

export interface Bot {
  deps: Deps;
  server?: Server;
  /** Base URL once listening, e.g. http://127.0.0.1:8080 */
  url?: string;
  workers?: WorkerSet;
  /** The on-call timers' loop (workers, when CONFIG_FILE has `oncall:`). */
  oncall?: OncallTicker;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  return {
    debug: (...m) => child.debug(m.join(' ')),
    info: (...m) => child.info(m.join(' ')),
    warn: (...m) => child.warn(m.join(' ')),
    error: (...m) => child.error(m.join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/**
 * What both Bolt receivers share: the Web API base URL, the logger, the bot token's authorisation
 * with `auth.test` asked once (Bolt's own asks on every request when token verification at start is
 * off, which it must be: the bot starts while Slack is unreachable), and no conversation store (Bolt's
 * default keeps an in-memory store the bot never reads).
 */
function boltOptions(config: Config, logger: Logger): Partial<AppOptions> {
  const log = boltLogger(logger);
  // On the acknowledgement path (once): no retries, and well inside Slack's 3 seconds. A failure is
  // asked again on the next request.
  const client = new WebClient(undefined, {
    slackApiUrl: config.slack.apiUrl,
    logger: log,
    retryConfig: { retries: 0 },
    timeout: 2_000,
  });
  return {
    authorize: singleTokenAuthorize(config.slack.botToken ?? '', client),
    convoStore: false,
    clientOptions: { slackApiUrl: config.slack.apiUrl },
    logger: log,
  };
}

/** Resolves when the connection is ready or after `ms` (Redis down at start is reported by /readyz). */
function waitForReady(redis: Deps['queues']['connection'], ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

function createSources(config: Config, fetchImpl: typeof fetch): Sources {
  let targetDb: ReturnType<typeof createTargetPool> | undefined;
  let targetRedis: ReturnType<typeof createTargetRedis> | undefined;
  let elasticsearch: ReturnType<typeof createElasticsearch> | undefined;
  const esUrl = config.elasticsearchUrl;
  return {
    prometheus: config.prometheusUrl
      ? new PrometheusClient(config.prometheusUrl, {
          fetch: fetchImpl,
          timeoutMs: config.file.probes.timeoutMs,
        })
      : undefined,
    targetDb: () => {
      targetDb ??= createTargetPool(config.targetDatabaseUrl);
      return targetDb;
    },
    targetRedis: () => {
      targetRedis ??= createTargetRedis(config.targetRedisUrl);
      return targetRedis;
    },
    alertmanager: config.alertmanagerUrl
      ? new AlertmanagerClient(config.alertmanagerUrl, {
          fetch: fetchImpl,
          timeoutMs: config.file.probes.timeoutMs,
        })
      : undefined,
    elasticsearch: esUrl
      ? () => {
          elasticsearch ??= createElasticsearch(esUrl, { timeoutMs: config.file.probes.timeoutMs });
          return elasticsearch;
        }
      : undefined,
    async close() {
      await Promise.allSettled([targetDb?.end(), targetRedis?.quit(), elasticsearch?.close()]);
    },
  };
}

/** Builds every dependency from the configuration (no I/O beyond lazy connections). */
export function buildDeps(config: Config, options: BotOptions = {}): Deps {
  const redact = createRedactor(config.secrets, config.file.redact);
  const logger = createLogger({
    level: config.logLevel,
    environment: config.environment,
    redact,
    destination: options.logDestination,
  });
  const fetchImpl = options.fetch ?? fetch;
  const metrics = createMetrics();
  const pool = createPool(config.databaseUrl, config.databaseSchema);
  const producer = createRedis(config.redisUrl, 'producer');
  // Every payload leaves through the outbound filter, whichever port (Web API, console, a test's own).
  const outbound = createOutboundFilter(redact);
  const rawSlack: SlackPort =
    options.slack ??
    (config.slack.botToken
      ? new WebSlack({
          token: config.slack.botToken,
          apiUrl: config.slack.apiUrl,
          logger,
          metrics,
          fetch: fetchImpl,
        })
      : new ConsoleSlack(options.consoleOut));
  const slack = filtered(rawSlack, outbound);
  return {
    config,
    logger,
    redact,
    t: createTranslator(config.locale),
    locale: config.locale,
    pool,
    audit: new AuditLog(pool),
    metrics,
    slack,
    pacer: new SlackPacer(producer, config.queuePrefix, config.file.incidents.postsPerSecond, (method) =>
      metrics.incidents.paced.inc({ method }),
    ),
    queues: new QueueSet(producer, config.queuePrefix, options.jobs ?? JOBS, options.queueTelemetry),
    commands: new CommandRegistry(options.commands ?? COMMANDS),
    authorizer: createAuthorizer(config, (group) => slack.userGroupMembers(group), {
      onError: (err) => logger.warn({ err }, 'user group lookup failed'),
    }),
    rateLimiter: createUserRateLimiter(producer, {
      prefix: config.queuePrefix,
      points: config.file.permissions.rateLimit.points,
      durationSeconds: config.file.permissions.rateLimit.durationSeconds,
    }),
    sources: createSources(config, fetchImpl),
    fetch: fetchImpl,
    now: options.now ?? (() => new Date()),
  };
}

/** Releases what buildDeps opened. */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.queues.close();
  await deps.queues.connection.quit().catch(() => deps.queues.connection.disconnect());
  await deps.sources.close();
  await deps.pool.end().catch(() => {});
}

/** The composition root: migrates the bot's schema, builds the dependencies, wires HTTP, Slack and workers. */
export async function createBot(config: Config, options: BotOptions = {}): Promise<Bot> {
  const role = options.role ?? 'all';
  // Workers run the backups: a backup directory they cannot write is refused at start.
  if (role !== 'web') await checkBackupDirAtStart(config);
  const deps = buildDeps(config, options);
  registerQueueMetrics(deps.metrics.registry, deps.queues);
  registerInboxMetrics(deps.metrics.registry, deps.queues);
  const { logger, metrics, queues } = deps;
  try {
    await migrate(config.databaseUrl, config.databaseSchema, logger);
  } catch (err) {
    await closeDeps(deps);
    throw err;
  }

  const bot: Bot = {
    deps,
    async start() {
      // Producers fail fast by design; give the first connection a moment so the first command does not.
      await waitForReady(deps.queues.connection, 5_000);
      if (role !== 'web') {
        bot.workers = startWorkers(deps, config.redisUrl, { logger, metrics });
        await queues
          .upsertSchedules(deps)
          .catch((err) => logger.warn({ err }, 'schedules not registered yet'));
        scheduleTimer = setInterval(() => {
          queues.upsertSchedules(deps).catch(() => {});
        }, options.scheduleRefreshMs ?? 60_000);
        scheduleTimer.unref();
        if (config.file.oncall) bot.oncall = startOncallTicker(deps, config.file.oncall);
      }
      // Workers serve only health and /metrics (probes and scrapes); no Slack endpoints, no /alerts.
      const http = role === 'worker' ? opsOnly(createHttpApp(deps)) : createHttpApp(deps);
      if (role !== 'worker') closeBoard = mountBullBoard(http, deps);
      let bolt: App | undefined;
      let slackEvents: RequestListener | undefined;
      if (role === 'worker') {
        // no Bolt
      } else if (config.slack.mode === 'http') {
        // Bolt's own receiver, without its server: the bot's server hands it POST /slack/events
        // (serveHttp) once the request has passed the guard and its body is read, bounded.
        // The guard verifies each request's signature before the receiver sees it (refuseUnsigned).
        const signingSecret = config.slack.signingSecret ?? '';
        const receiver = new HTTPReceiver({
          signingSecret,
          signatureVerification: false,
          endpoints: SLACK_EVENTS_PATH,
          processBeforeResponse: false,
          logger: boltLogger(logger),
        });
        slackEvents = slackEventsHandler(receiver.requestListener, { metrics: deps.metrics, signingSecret });
        bolt = new App({ receiver, ...boltOptions(config, logger) });
      } else if (config.slack.mode === 'socket') {
        // apps.connections.open goes to SLACK_API_URL too. The receiver gets its own clientOptions:
        // Bolt's built-in one would share the App's object, and the Socket Mode client writes its
        // reconnect retry policy (100 retries) into it, which listener clients would then inherit.
        const receiver = new SocketModeReceiver({
          appToken: config.slack.appToken ?? '',
          logger: boltLogger(logger),
          installerOptions: { clientOptions: { slackApiUrl: config.slack.apiUrl } },
        });
        // Slack recycles the connection every few hours; the client reconnects with a fresh URL.
        const connected = deps.metrics.slackSocketConnected;
        connected.set(0);
        receiver.client.on('connected', () => {
          connected.set(1);
          logger.info('slack socket mode connected');
        });
        receiver.client.on('disconnected', () => connected.set(0));
        receiver.client.on('reconnecting', () => {
          connected.set(0);
          logger.info('slack socket mode reconnecting');
        });
        bolt = new App({ receiver, ...boltOptions(config, logger) });
      }
      if (bolt) registerSlackHandlers(bolt, deps);
      finishHttpApp(http, deps);
      const server = createServer(serveHttp(http, slackEvents));
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, () => resolve());
      });
      bot.server = server;
      bot.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (config.slack.mode === 'socket' && bolt) await bolt.start();
      stopBolt = bolt && config.slack.mode === 'socket' ? () => bolt.stop() : undefined;
      logger.info(
        { port: (server.address() as AddressInfo).port, mode: config.slack.mode, role },
        'laojun chatops started',
      );
      if (role !== 'worker' && config.slack.mode !== 'console' && !config.alertWebhookToken) {
        logger.warn(
          { setting: 'ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED' },
          'POST /alerts accepts requests without a token (ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED=true): anyone who reaches this port can open incidents; set ALERT_WEBHOOK_TOKEN',
        );
      }
    },
    async stop() {
      const timeout = options.shutdownTimeoutMs ?? 25_000;
      clearInterval(scheduleTimer);
      // 1. Stop taking requests (in-flight ones finish).
      const closing = bot.server
        ? new Promise<void>((resolve) => {
            bot.server?.close(() => resolve());
            bot.server?.closeIdleConnections();
          })
        : Promise.resolve();
      await stopBolt?.().catch(() => {});
      // 2. Let running jobs finish, bounded.
      await Promise.race([
        Promise.all([closing, bot.workers?.close()]),
        new Promise((resolve) => setTimeout(resolve, timeout).unref()),
      ]);
      bot.server?.closeAllConnections();
      await bot.oncall?.stop();
      // 3. Close pools.
      await closeBoard?.();
      await closeDeps(deps);
      logger.info('laojun chatops stopped');
    },
  };
  let stopBolt: (() => Promise<unknown>) | undefined;
  let closeBoard: (() => Promise<void>) | undefined;
  let scheduleTimer: NodeJS.Timeout | undefined;
  return bot;
}
