import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type BufferedIncomingMessage, HTTPModuleFunctions, isRawBodyError } from '@slack/bolt';
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

/** The media type of a request, without parameters, lower case ('' when there is none). */
function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * What Slack never sends, refused from the headers alone with a specific answer, before the body is
 * read: a wrong content type (415), a body announced over the limit (413).
 */
export function refuseSlackHeaders(req: IncomingMessage): Refusal | undefined {
  const type = mediaType(req.headers);
  if (!ACCEPTED.includes(type)) {
    return {
      status: 415,
      error: 'unsupported_media_type',
      message: `expected ${ACCEPTED.join(' or ')}, got ${type || 'no content type'}`,
    };
  }
  if (Number(req.headers['content-length'] ?? 0) > SLACK_BODY_LIMIT) return tooLarge;
  return undefined;
}

const unauthorised = (error: string, message: string): Refusal => ({ status: 401, error, message });

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the
 * signing secret, compared in constant time, and a timestamp within 5 minutes of now. Bolt's own
 * check is switched off (`signatureVerification: false`) for this one: Bolt compares with tsscmp,
 * which draws 32 random bytes and computes two more HMACs per request (~27 µs here, more than all
 * of Bolt's dispatch; bench/ack.ts), where Node's `timingSafeEqual` is the constant-time
 * comparison made for it. An empty secret verifies nothing (refused at start, src/config.ts).
 */
export function refuseUnsigned(
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  signingSecret: string,
  now: number,
): Refusal | undefined {
  const tsHeader = header(headers, 'x-slack-request-timestamp');
  const ts = Number(tsHeader);
  if (!tsHeader || !Number.isInteger(ts)) {
    return unauthorised('invalid_timestamp', 'x-slack-request-timestamp is missing or not a number');
  }
  // Slack's window, both ways: an old one is a replay, one from the future a replay kept for later.
  const minutes = SLACK_TIMESTAMP_WINDOW_SECONDS / 60;
  if (ts < Math.floor(now / 1000) - SLACK_TIMESTAMP_WINDOW_SECONDS) {
    return unauthorised(
      'invalid_timestamp',
      `x-slack-request-timestamp is more than ${minutes} minutes old (a replay, or check this server's clock)`,
    );
  }
  if (ts > now / 1000 + SLACK_TIMESTAMP_WINDOW_SECONDS) {
    return unauthorised(
      'invalid_timestamp',
      `x-slack-request-timestamp is more than ${minutes} minutes in the future (check this server's clock)`,
    );
  }
  const signature = header(headers, 'x-slack-signature') ?? '';
  const expected = `v0=${createHmac('sha256', signingSecret).update(`v0:${tsHeader}:`).update(rawBody).digest('hex')}`;
  if (
    !signingSecret ||
    signature.length !== expected.length ||
    !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  ) {
    return unauthorised(
      'invalid_signature',
      'x-slack-signature does not match the body (check SLACK_SIGNING_SECRET)',
    );
  }
  return undefined;
}

/**
 * Slack's `ssl_check=1` probe (a form POST when a slash command's URL is saved) comes unsigned and
 * only needs a 200. It reaches the receiver stripped to `ssl_check=1`, so nothing else in its body
 * (a smuggled `payload`, say) is ever dispatched unverified, as Bolt does.
 */
function stripSslCheck(req: BufferedIncomingMessage): boolean {
  if (mediaType(req.headers) !== ACCEPTED[0]) return false;
  // The substring test first: a command's body is only parsed again when it could be a probe.
  if (!req.rawBody.includes('ssl_check') || parseQuery(req.rawBody.toString()).ssl_check !== '1')
    return false;
  req.rawBody = Buffer.from('ssl_check=1');
  return true;
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
 * are counted and reading stops at the limit, 413), verify its signature (`refuseUnsigned`), then
 * hand the buffered request to the receiver, which parses it and dispatches to the app. Express is
 * not on this path: it is the acknowledgement path of every slash command and button, measured by
 * `bench/ack.ts`.
 */
export function slackEventsHandler(
  receiver: RequestListener,
  opts: { metrics: Metrics; signingSecret: string; now?: () => number },
): RequestListener {
  const now = opts.now ?? Date.now;
  return (req, res) => {
    observeHttp(opts.metrics, req.method ?? 'POST', SLACK_EVENTS_PATH, res);
    const refused = refuseSlackHeaders(req);
    if (refused) return refuse(res, refused);
    HTTPModuleFunctions.bufferIncomingMessage(req, SLACK_BODY_LIMIT).then(
      (buffered) => {
        const unsigned = stripSslCheck(buffered)
          ? undefined
          : refuseUnsigned(buffered.rawBody, req.headers, opts.signingSecret, now());
        if (unsigned) return refuse(res, unsigned);
        receiver(buffered, res);
      },
      (err: unknown) => {
        if (isRawBodyError(err) && err.type === 'entity.too.large') return refuse(res, tooLarge);
        // Aborted or malformed (a bad Content-Length, a closed connection): nothing to acknowledge.
        if (!res.headersSent)
          refuse(res, { status: 400, error: 'bad_request', message: 'could not read the body' });
      },
    );
  };
}
