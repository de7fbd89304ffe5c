import express, { type Express } from 'express';

/** What a worker replica serves: probes and the Prometheus scrape. */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Wraps the bot's HTTP app so only OPS_PATHS reach it (BOT_ROLE=worker: no Slack, no /alerts). */
export function opsOnly(app: Express): Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use((req, res, next) => (OPS_PATHS.has(req.path) ? app(req, res, next) : next()));
  return outer;
}
