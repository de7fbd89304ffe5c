import express, { type NextFunction, type Request, type Response } from 'express';

/** Slack's request bodies are small; anything bigger is not from Slack. */
export const SLACK_BODY_LIMIT = 1024 * 1024;

/** Slack's documented replay window: a request timestamp further than this from now is refused. */
export const SLACK_TIMESTAMP_WINDOW_SECONDS = 5 * 60;

const ACCEPTED = ['application/x-www-form-urlencoded', 'application/json'];

function tooLarge(res: Response): void {
  res
    .status(413)
    .set('connection', 'close')
    .json({
      error: 'payload_too_large',
      message: `request bodies from Slack are at most ${SLACK_BODY_LIMIT} bytes`,
    });
}

/**
 * Before Bolt sees a request on /slack/events: refuse what Slack never sends, with a specific
 * answer — a wrong content type (415), an oversize body (413, whether announced by Content-Length
 * or sent chunked), a timestamp outside the 5-minute window in either direction (401) — instead of
 * a bare 400 or a hang. The body is read here, bounded, and handed to Bolt as `rawBody`.
 */
export function slackRequestGuard(opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  const readBody = express.raw({ type: () => true, limit: SLACK_BODY_LIMIT });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!ACCEPTED.includes(type)) {
      res.status(415).json({
        error: 'unsupported_media_type',
        message: `expected ${ACCEPTED.join(' or ')}, got ${type || 'no content type'}`,
      });
      return;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > SLACK_BODY_LIMIT) return tooLarge(res);
    // Bolt refuses timestamps older than 5 minutes; one from the future is a replay kept for later.
    const ts = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(ts) && ts > now() / 1000 + SLACK_TIMESTAMP_WINDOW_SECONDS) {
      res.status(401).json({
        error: 'invalid_timestamp',
        message: `x-slack-request-timestamp is more than ${SLACK_TIMESTAMP_WINDOW_SECONDS / 60} minutes in the future (check this server's clock)`,
      });
      return;
    }
    // A chunked body has no Content-Length: count what arrives and stop at the limit.
    readBody(req, res, (err?: unknown) => {
      if (err) {
        if ((err as { type?: string }).type === 'entity.too.large') return tooLarge(res);
        return next(err);
      }
      if (Buffer.isBuffer(req.body)) (req as Request & { rawBody?: Buffer }).rawBody = req.body;
      next();
    });
  };
}
