/** Answers of the fake Slack server: JSON Web API results, text hook answers, injected failures. */
import type { ServerResponse } from 'node:http';
import type { Failure } from './slack-types.ts';

/** What a fake endpoint answers: JSON body (Web API) or text body (response_url, upload_url). */
export interface ApiResult {
  status?: number;
  headers?: Record<string, string>;
  body: Record<string, unknown> | string;
  /** Error code to record when the body itself is text or carries none. */
  error?: string;
  warnings?: string[];
  /** Block Kit reasons, for rejections whose body is text. */
  errors?: string[];
}

export type Handler = (body: Record<string, unknown>) => ApiResult;

/** HTTP 200 with `{ok:false, error}`, the way Slack answers API errors. */
export function apiError(error: string, errors?: string[]): ApiResult {
  const body: Record<string, unknown> = { ok: false, error };
  if (errors && errors.length > 0) {
    body.errors = errors;
    body.response_metadata = { messages: errors.map((e) => `[ERROR] ${e}`) };
  }
  return { body };
}

/** HTTP 429 with an integer Retry-After, body `{ok:false, error:'ratelimited'}`. */
export const rateLimited = (retryAfter: number): ApiResult => ({
  status: 429,
  headers: { 'Retry-After': String(retryAfter) },
  body: { ok: false, error: 'ratelimited' },
});

/** Adds Slack-style warnings (`warning`, `response_metadata.warnings`) to a success. */
export const withWarnings = (r: ApiResult, warnings: string[]): ApiResult => {
  if (warnings.length === 0 || typeof r.body === 'string') return r;
  r.warnings = warnings;
  r.body.warning = warnings.join(',');
  r.body.response_metadata = { warnings };
  return r;
};

export const send = (res: ServerResponse, r: ApiResult): void => {
  const isText = typeof r.body === 'string';
  res.writeHead(r.status ?? 200, {
    'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...r.headers,
  });
  res.end(isText ? r.body : JSON.stringify(r.body));
};

/** The answer for an injected failure; `textBodies` for response_url/upload_url. */
export const failureResult = (f: Failure, textBodies: boolean): ApiResult => {
  if ('error' in f) {
    if (!textBodies) return apiError(f.error);
    const notFound = f.error === 'expired_url' || f.error === 'no_service';
    return { status: notFound ? 404 : 400, body: f.error, error: f.error };
  }
  if (f.status === 429) {
    const r = rateLimited(Math.max(1, Math.ceil(f.retryAfter)));
    if (textBodies) r.body = 'rate_limited';
    r.error = 'ratelimited';
    return r;
  }
  return {
    status: f.status,
    body: `<html><body>Slack is having trouble (HTTP ${f.status})</body></html>`,
    headers: { 'Content-Type': 'text/html' },
    error: `http_${f.status}`,
  };
};
