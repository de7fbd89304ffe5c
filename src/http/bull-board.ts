import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.ts';
import { QUEUE_NAMES } from '../queue/jobs.ts';

export const BULL_BOARD_PATH = '/admin/queues';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** HTTP Basic authentication against one user and password. */
export function basicAuth(user: string, password: string, realm: string) {
  return (req: Request, res: Response, next: NextFunction) => {
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
    queues: queues.map(
      (q) =>
        new BullMQAdapter(q, {
          readOnlyMode: settings.readOnly,
          allowRetries: !settings.readOnly,
          description: `prefix ${deps.queues.prefix}`,
        }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Laojun ChatOps' } },
  });
  app.use(
    BULL_BOARD_PATH,
    basicAuth(settings.user, settings.password, 'Laojun ChatOps queues'),
    serverAdapter.getRouter(),
  );
  deps.logger.info({ path: BULL_BOARD_PATH, readOnly: settings.readOnly }, 'bull board enabled');
  return async () => {
    await Promise.allSettled(queues.map((q) => q.close()));
  };
}
