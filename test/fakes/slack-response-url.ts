/**
 * response_url behaviour of the fake Slack server: at most 5 uses within 30 minutes, JSON body with
 * text/blocks, response_type, replace_original, delete_original, thread_ts; Block Kit validated like
 * chat.postMessage. Errors are text bodies with a non-2xx status, which Bolt's respond() turns into
 * a RespondError.
 */
import { validateBlocks } from './block-kit-rules.ts';
import type { ParsedBody } from './http-body.ts';
import type { ApiResult } from './slack-result.ts';
import type { FakeResponse } from './slack-types.ts';

export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export interface ResponseUrlState {
  urls: Map<string, { createdAt: number; uses: number }>;
  responses: FakeResponse[];
  now: () => number;
}

const fail = (status: number, error: string, text = error): ApiResult => ({ status, body: text, error });

export function handleResponseUrl(s: ResponseUrlState, id: string, parsed: ParsedBody): ApiResult {
  const entry = s.urls.get(id);
  // Slack's answer for an unknown/removed hook URL.
  if (!entry) return fail(404, 'no_service');
  const at = s.now();
  // Observed Slack body for a used-up or timed-out response_url is the text "Expired url" (HTTP 404).
  if (entry.uses >= RESPONSE_URL_MAX_USES || at - entry.createdAt > RESPONSE_URL_TTL_MS) {
    return fail(404, 'expired_url', 'Expired url');
  }
  if (parsed.kind !== 'json') return fail(400, 'invalid_payload');
  const b = parsed.fields;
  const rt = b.response_type;
  if (rt !== undefined && rt !== 'ephemeral' && rt !== 'in_channel') return fail(400, 'invalid_payload');
  const warnings: string[] = [];
  if (b.delete_original !== true && b.delete_original !== 'true') {
    let hasBlocks = false;
    if (b.blocks !== undefined) {
      const verdict = validateBlocks(b.blocks);
      if (!verdict.ok) {
        const r = fail(400, verdict.error);
        r.errors = verdict.errors;
        return r;
      }
      hasBlocks = (b.blocks as unknown[]).length > 0;
    }
    const text = typeof b.text === 'string' ? b.text : '';
    const hasAttachments = Array.isArray(b.attachments) && b.attachments.length > 0;
    if (!text && !hasBlocks && !hasAttachments) return fail(400, 'no_text');
    if (!text && hasBlocks) warnings.push('missing_text_fallback');
  }
  entry.uses += 1;
  s.responses.push({ id, body: b, at });
  const r: ApiResult = { status: 200, body: { ok: true } };
  if (warnings.length > 0) r.warnings = warnings;
  return r;
}
