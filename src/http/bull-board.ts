import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Deps } from '../deps.ts';
import { QUEUE_NAMES } from '../queue/jobs.ts';

export const BULL_BOARD_PATH = '/admin/queues';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Failed logins allowed per client address, and in all, per window, before the board answers 429. */
export const LOGIN_FAILURES = { perClient: 10, total: 100, windowSeconds: 15 * 60 };

/** Counts failed logins (per client and in all, shared across replicas when given Redis). */
export interface LoginThrottle {
  /** Milliseconds until the client may try again, or 0. */
  blockedFor(client: string): Promise<number>;
  failed(client: string): Promise<void>;
}

export function createLoginThrottle(
  redis: Redis | undefined,
  prefix: string,
  limits: typeof LOGIN_FAILURES = LOGIN_FAILURES,
): LoginThrottle {
  const make = (points: number, key: string) => {
    const memory = new RateLimiterMemory({ points, duration: limits.windowSeconds });
    return redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}:board-login:${key}`,
          points,
          duration: limits.windowSeconds,
          insuranceLimiter: memory,
        })
      : memory;
  };
  const perClient = make(limits.perClient, 'client');
  const total = make(limits.total, 'total');
  const left = async (limiter: RateLimiterMemory | RateLimiterRedis, key: string, points: number) => {
    const r = await limiter.get(key).catch(() => null);
    return r && r.consumedPoints >= points ? r.msBeforeNext : 0;
  };
  return {
    async blockedFor(client) {
      return Math.max(
        await left(perClient, client, limits.perClient),
        await left(total, 'all', limits.total),
      );
    },
    async failed(client) {
      // Rejections (the budget is used up) are expected here: the next request is refused.
      await Promise.allSettled([perClient.penalty(client, 1), total.penalty('all', 1)]);
    },
  };
}

/**
 * Job data as the board shows it: a slash command's `response_url` is a credential (whoever has it
 * can post into the channel for 30 minutes), so it is replaced wherever it appears.
 */
export function hideJobSecrets(data: unknown, depth = 0): unknown {
  if (data === null || typeof data !== 'object' || depth > 8) return data;
  if (Array.isArray(data)) return data.map((v) => hideJobSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) =>
      /^response_?url$/i.test(k) && typeof v === 'string'
        ? [k, '[hidden]']
        : [k, hideJobSecrets(v, depth + 1)],
    ),
  );
}

/** HTTP Basic authentication against one user and password, failed attempts throttled. */
export function basicAuth(user: string, password: string, realm: string, throttle?: LoginThrottle) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = (await throttle?.blockedFor(client)) ?? 0;
    if (wait > 0) {
      res
        .status(429)
        .set('retry-after', String(Math.ceil(wait / 1000)))
        .json({ error: 'too_many_failed_logins', message: 'too many failed logins; try again later' });
      return;
    }
    const header = req.headers.authorization ?? '';
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
    if (m) {
      const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      // Both compared, always, so the time taken does not tell which one was wrong.
      const userOk = sameSecret(decoded.slice(0, i), user);
      const passwordOk = sameSecret(decoded.slice(i + 1), password);
      if (i >= 0 && userOk && passwordOk) return next();
    }
    // A request without credentials is the browser asking for them, not a guess.
    if (header) await throttle?.failed(client);
    res
      .status(401)
      .set('www-authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .json({ error: 'unauthorized', message: 'Bull Board needs the user and BULL_BOARD_PASSWORD' });
  };
}

/**
 * Bull Board at /admin/queues (the bot's BullMQ queues: waiting, active, failed jobs and their errors),
 * mounted only when BULL_BOARD_PASSWORD is set, behind Basic authentication, read-only unless
 * BULL_BOARD_READ_ONLY=false. Returns a function closing the board's queue handles.
 */
export function mountBullBoard(app: Express, deps: Deps): (() => Promise<void>) | undefined {
  const settings = deps.config.bullBoard;
  if (!settings) return undefined;
  // Queue handles of its own on the producer connection: listing never creates the bot's queues early.
  const queues = QUEUE_NAMES.map((name) => {
    const q = new Queue(name, {
      connection: deps.queues.connection,
      prefix: deps.queues.prefix,
      skipWaitingForReady: true,
    });
    q.on('error', () => {});
    return q;
  });
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => {
      const adapter = new BullMQAdapter(q, {
        readOnlyMode: settings.readOnly,
        allowRetries: !settings.readOnly,
        description: `prefix ${deps.queues.prefix}`,
      });
      adapter.setFormatter('data', (data) => hideJobSecrets(data));
      return adapter;
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Laojun ChatOps' } },
  });
  app.use(
    BULL_BOARD_PATH,
    basicAuth(
      settings.user,
      settings.password,
      'Laojun ChatOps queues',
      createLoginThrottle(deps.queues.connection, deps.queues.prefix),
    ),
    serverAdapter.getRouter(),
  );
  deps.logger.info({ path: BULL_BOARD_PATH, readOnly: settings.readOnly }, 'bull board enabled');
  return async () => {
    await Promise.allSettled(queues.map((q) => q.close()));
  };
}
