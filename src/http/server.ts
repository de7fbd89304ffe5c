import type { RequestListener } from 'node:http';
import express, { type Express, type Request, type Response } from 'express';
import type { Deps } from '../deps.ts';
import { httpMetrics } from '../metrics.ts';
import { withTimeout } from '../queue/connection.ts';
import { mountAlerts } from './alerts.ts';
import { SLACK_EVENTS_PATH } from './slack-guard.ts';

export const KNOWN_ROUTES = new Set(['/slack/events', '/alerts', '/healthz', '/readyz', '/metrics']);

/**
 * Express app serving the bot's own endpoints. `POST /slack/events` does not come here: the server
 * hands it to Bolt's receiver directly (`serveHttp`, src/http/slack-guard.ts).
 */
export function createHttpApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(httpMetrics(deps.metrics, KNOWN_ROUTES));

  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req: Request, res: Response) => {
    const timeoutMs = 1_000;
    const [pg, redis] = await Promise.allSettled([
      withTimeout(deps.pool.query('SELECT 1'), timeoutMs, 'PostgreSQL'),
      withTimeout(deps.queues.connection.ping(), timeoutMs, 'Redis'),
    ]);
    const describe = (r: PromiseSettledResult<unknown>) =>
      r.status === 'fulfilled' ? 'ok' : `unavailable: ${deps.redact((r.reason as Error).message)}`;
    const checks = { postgres: describe(pg), redis: describe(redis) };
    const ok = pg.status === 'fulfilled' && redis.status === 'fulfilled';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    res.set('content-type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  mountAlerts(app, deps);

  return app;
}

/** Handlers added after Bolt's router (404 and errors), so every refusal is specific. */
export function finishHttpApp(app: Express, deps: Deps): void {
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: unknown) => {
    const status = err.status ?? 500;
    if (status >= 500) deps.logger.error({ err }, 'http handler failed');
    res
      .status(status)
      .json({ error: err.type ?? 'error', message: status >= 500 ? 'internal error' : err.message });
  });
}

/**
 * The server's request listener: `POST /slack/events` to Slack's handler when there is one (HTTP
 * mode), everything else to the Express app (including a GET there: 404).
 */
export function serveHttp(app: Express, slackEvents?: RequestListener): RequestListener {
  if (!slackEvents) return app;
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === SLACK_EVENTS_PATH && req.method === 'POST') return slackEvents(req, res);
    return app(req, res);
  };
}
