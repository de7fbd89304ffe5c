import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, isRawBodyError } from '@slack/bolt';
import { type Metrics, observeHttp } from '../metrics.ts';

/** Slack's request bodies are small; anything bigger is not from Slack. */
export const SLACK_BODY_LIMIT = 1024 * 1024;

/** Slack's documented replay window: a request timestamp further than this from now is refused. */
export const SLACK_TIMESTAMP_WINDOW_SECONDS = 5 * 60;

export const SLACK_EVENTS_PATH = '/slack/events';

const ACCEPTED = ['application/x-www-form-urlencoded', 'application/json'];

interface Refusal {
  status: number;
  error: string;
  message: string;
  close?: boolean;
}

const tooLarge: Refusal = {
  status: 413,
  error: 'payload_too_large',
  message: `request bodies from Slack are at most ${SLACK_BODY_LIMIT} bytes`,
  // The rest of an oversize body is not read: the connection cannot be reused.
  close: true,
};

/**
 * What Slack never sends, refused from the headers alone with a specific answer: a wrong content
 * type (415), a body announced over the limit (413), a timestamp from the future (401; Bolt refuses
 * those older than 5 minutes, one from the future is a replay kept for later).
 */
export function refuseSlackHeaders(req: IncomingMessage, now: number): Refusal | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!ACCEPTED.includes(type)) {
    return {
      status: 415,
      error: 'unsupported_media_type',
      message: `expected ${ACCEPTED.join(' or ')}, got ${type || 'no content type'}`,
    };
  }
  if (Number(req.headers['content-length'] ?? 0) > SLACK_BODY_LIMIT) return tooLarge;
  const ts = Number(req.headers['x-slack-request-timestamp']);
  if (Number.isFinite(ts) && ts > now / 1000 + SLACK_TIMESTAMP_WINDOW_SECONDS) {
    return {
      status: 401,
      error: 'invalid_timestamp',
      message: `x-slack-request-timestamp is more than ${SLACK_TIMESTAMP_WINDOW_SECONDS / 60} minutes in the future (check this server's clock)`,
    };
  }
  return undefined;
}

function refuse(res: ServerResponse, r: Refusal): void {
  const body = JSON.stringify({ error: r.error, message: r.message });
  res.writeHead(r.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(r.close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

/**
 * `POST /slack/events` on the bare HTTP server, before and around Bolt's HTTPReceiver: refuse what
 * Slack never sends (above), read the body bounded (a chunked body has no Content-Length: the bytes
 * are counted and reading stops at the limit, 413), then hand the buffered request to the
 * receiver, which verifies the signature and dispatches to the app. Express is not on this path:
 * it is the acknowledgement path of every slash command and button, measured by `bench/ack.ts`.
 */
export function slackEventsHandler(
  receiver: RequestListener,
  opts: { metrics: Metrics; now?: () => number },
): RequestListener {
  const now = opts.now ?? Date.now;
  return (req, res) => {
    observeHttp(opts.metrics, req.method ?? 'POST', SLACK_EVENTS_PATH, res);
    const refused = refuseSlackHeaders(req, now());
    if (refused) return refuse(res, refused);
    HTTPModuleFunctions.bufferIncomingMessage(req, SLACK_BODY_LIMIT).then(
      (buffered) => receiver(buffered, res),
      (err: unknown) => {
        if (isRawBodyError(err) && err.type === 'entity.too.large') return refuse(res, tooLarge);
        // Aborted or malformed (a bad Content-Length, a closed connection): nothing to acknowledge.
        if (!res.headersSent)
          refuse(res, { status: 400, error: 'bad_request', message: 'could not read the body' });
      },
    );
  };
}
