import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../deps.ts';
import { newRef } from '../errors.ts';
import type { IntakeResult } from '../incidents/intake.ts';
import { parseWebhook } from '../incidents/payload.ts';
import { notificationReceiver } from '../incidents/receive.ts';

function digest(v: string): Buffer {
  return createHash('sha256').update(v).digest();
}

/** Constant-time bearer check (both sides hashed, so lengths leak nothing either). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const given = m?.[1]?.trim() ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/**
 * `POST /alerts`: Alertmanager's webhook (version 4). Alertmanager retries 5xx and network errors
 * but drops any 4xx (429 included), so: 401 bad token, 413 too large, 400 only for a body that can
 * never be accepted, 503 when the notification cannot be stored, and 200 only once the
 * notification and the incident state are committed in PostgreSQL. Slack is never called here:
 * the domain (notificationReceiver) stores the notification and enqueues what must be synced.
 */
export function mountAlerts(app: Express, deps: Deps): void {
  const receive = notificationReceiver(deps);
  const { config, metrics } = deps;
  const m = metrics.incidents;
  m.bind(deps.pool);
  const token = config.alertWebhookToken;
  const limit = config.file.incidents.maxBodyBytes;

  const refuse = (
    req: Request,
    res: Response,
    status: number,
    outcome: string,
    error: string,
    message: string,
  ) => {
    m.notifications.inc({ outcome });
    // Alertmanager drops a 4xx without retrying: the only trace of a lost notification is this line
    // (the reason and who sent it; never the body).
    if (status < 500) {
      deps.logger.warn(
        {
          status,
          error,
          reason: deps.redact(message).slice(0, 500),
          remoteAddress: req.socket.remoteAddress,
          userAgent: req.get('user-agent')?.slice(0, 200),
          contentLength: req.get('content-length'),
        },
        'alert notification rejected',
      );
    }
    res.status(status).json({ error, message });
  };

  app.post(
    '/alerts',
    (req: Request, res: Response, next: NextFunction) => {
      if (token && !bearerMatches(req.get('authorization'), token)) {
        res.set('www-authenticate', 'Bearer realm="alerts"');
        return refuse(
          req,
          res,
          401,
          'unauthorized',
          'unauthorized',
          'missing or wrong Authorization: Bearer token',
        );
      }
      next();
    },
    express.json({ limit, type: () => true, strict: false }),
    async (req: Request, res: Response) => {
      const parsed = parseWebhook(req.body);
      if (!parsed.ok) return refuse(req, res, 400, 'invalid', 'invalid_payload', parsed.message);
      const payload = parsed.payload;
      // Console mode works without a channel: messages are printed, not sent.
      const channel =
        config.slack.incidentChannel ?? (config.slack.mode === 'console' ? 'console' : undefined);
      if (!channel) {
        // Not the sender's fault and fixable: let Alertmanager retry until someone sets it.
        deps.logger.error('SLACK_INCIDENT_CHANNEL is not set; alerts cannot become incidents');
        return refuse(req, res, 503, 'unavailable', 'not_configured', 'SLACK_INCIDENT_CHANNEL is not set');
      }
      let result: IntakeResult;
      try {
        result = await receive(payload, channel);
      } catch (err) {
        const ref = newRef();
        // PostgreSQL refusing the content itself (data exception, class 22: e.g. a \u0000 in a
        // string, a time out of range; a program limit, class 54: e.g. nesting) is the same on every
        // retry: 400 with the reason, so Alertmanager does not retry it forever.
        const code = String((err as { code?: unknown }).code ?? '');
        if (/^(22|54)/.test(code)) {
          deps.logger.warn(
            { ref, code, err: deps.redact((err as Error).message) },
            'alert notification refused by PostgreSQL',
          );
          return refuse(
            req,
            res,
            400,
            'invalid',
            'unacceptable_payload',
            deps.redact(`the notification cannot be stored: ${(err as Error).message} (ref ${ref})`),
          );
        }
        deps.logger.error(
          { ref, err: deps.redact((err as Error).message) },
          'could not store alert notification',
        );
        return refuse(
          req,
          res,
          503,
          'unavailable',
          'unavailable',
          `cannot store the notification now (ref ${ref}); retry`,
        );
      }
      for (const a of payload.alerts) m.alertsReceived.inc({ status: a.status });
      m.notifications.inc({ outcome: result.outcome });
      if (result.outcome === 'duplicate') m.deduplicated.inc();
      res.status(200).json({
        status: result.outcome,
        ...(result.outcome === 'stored' ? { incidentId: result.incidentId, decision: result.decision } : {}),
      });
    },
  );

  // Body errors of this route (malformed JSON, too large) answered here, specifically.
  app.use(
    '/alerts',
    (err: Error & { status?: number; type?: string }, req: Request, res: Response, next: NextFunction) => {
      if (err.type === 'entity.too.large') {
        return refuse(req, res, 413, 'too_large', 'payload_too_large', `body larger than ${limit} bytes`);
      }
      if (err.type === 'entity.parse.failed')
        return refuse(req, res, 400, 'invalid', 'malformed_json', 'body is not valid JSON');
      if (err.status && err.status >= 400 && err.status < 500) {
        return refuse(req, res, err.status, 'invalid', err.type ?? 'bad_request', err.message);
      }
      next(err);
    },
  );
}
