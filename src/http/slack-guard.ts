import type { NextFunction, Request, Response } from 'express';

/** Slack's request bodies are small; anything bigger is not from Slack. */
export const SLACK_BODY_LIMIT = 1024 * 1024;

const ACCEPTED = ['application/x-www-form-urlencoded', 'application/json'];

/**
 * Before Bolt sees a request on /slack/events: refuse what Slack never sends, with a specific
 * answer — a wrong content type (415) or an oversize body (413) — instead of a bare 400 or a hang.
 */
export function slackRequestGuard() {
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
    if (length > SLACK_BODY_LIMIT) {
      res
        .status(413)
        .set('connection', 'close')
        .json({
          error: 'payload_too_large',
          message: `request bodies from Slack are at most ${SLACK_BODY_LIMIT} bytes`,
        });
      return;
    }
    next();
  };
}
