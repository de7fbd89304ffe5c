/**
 * Modals in the fake Slack server: views.open, views.update and the trigger_ids they need.
 *
 * Slack's rules enforced here (api.slack.com/surfaces/modals, /reference/surfaces/views,
 * /interactivity/handling#modal_responses): a trigger_id works once and for 3 seconds
 * (`expired_trigger_id` after, `invalid_trigger_id` for one Slack never issued or already used);
 * a modal has a plain_text `title` (≤ 24 characters), `submit` and `close` (≤ 24) — `submit` is
 * required when the view has input blocks —, at most 100 blocks, `callback_id` ≤ 255,
 * `private_metadata` ≤ 3000, `external_id` ≤ 255 and unique; input elements' own limits
 * (plain_text_input max_length ≤ 3000, initial_value within it). views.update finds the view by
 * `view_id` or `external_id` and refuses a stale `hash` (`hash_conflict`).
 */
import { randomBytes } from 'node:crypto';
import { validateBlocks } from './block-kit-rules.ts';
import { str } from './http-body.ts';
import { apiError, type Handler } from './slack-result.ts';

export interface FakeView {
  id: string;
  hash: string;
  externalId?: string;
  /** The view as last opened or updated. */
  view: Record<string, unknown>;
  /** Every earlier version (views.update keeps them here). */
  history: Record<string, unknown>[];
  triggerId?: string;
}

export interface ViewState {
  views: FakeView[];
  triggers: Map<string, { issuedAt: number; used: boolean }>;
  now: () => number;
}

export const VIEW_LIMITS = {
  title: 24,
  button: 24,
  blocks: 100,
  callbackId: 255,
  privateMetadata: 3000,
  externalId: 255,
  textInputMax: 3000,
  triggerTtlMs: 3_000,
} as const;

function parseView(raw: unknown): Record<string, unknown> | undefined {
  if (typeof raw === 'string') {
    try {
      const v = JSON.parse(raw) as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw)
    ? (raw as Record<string, unknown>)
    : undefined;
}

function plainText(v: unknown, max: number): string | undefined {
  if (typeof v !== 'object' || v === null) return 'must be a plain_text object';
  const o = v as Record<string, unknown>;
  if (o.type !== 'plain_text') return 'must be plain_text';
  if (typeof o.text !== 'string' || o.text.length === 0) return 'text is required';
  if (o.text.length > max) return `must be less than ${max + 1} characters`;
  return undefined;
}

/** Problems Slack would answer `invalid_arguments` for, as `response_metadata.messages`. */
export function viewProblems(
  view: Record<string, unknown>,
  others: readonly FakeView[],
  selfId?: string,
): string[] {
  const problems: string[] = [];
  if (view.type !== 'modal') problems.push('type must be modal [json-pointer:/view/type]');
  const title = plainText(view.title, VIEW_LIMITS.title);
  if (title) problems.push(`title ${title} [json-pointer:/view/title]`);
  const blocks = Array.isArray(view.blocks) ? view.blocks : undefined;
  if (!blocks) problems.push('blocks is required [json-pointer:/view/blocks]');
  const hasInput = (blocks ?? []).some((b) => (b as Record<string, unknown>)?.type === 'input');
  if (view.submit !== undefined || hasInput) {
    const submit = plainText(view.submit, VIEW_LIMITS.button);
    if (submit) problems.push(`submit ${submit} [json-pointer:/view/submit]`);
  }
  if (view.close !== undefined) {
    const close = plainText(view.close, VIEW_LIMITS.button);
    if (close) problems.push(`close ${close} [json-pointer:/view/close]`);
  }
  for (const [field, max] of [
    ['callback_id', VIEW_LIMITS.callbackId],
    ['private_metadata', VIEW_LIMITS.privateMetadata],
    ['external_id', VIEW_LIMITS.externalId],
  ] as const) {
    const v = view[field];
    if (v !== undefined && (typeof v !== 'string' || v.length > max)) {
      problems.push(`${field} must be a string of at most ${max} characters [json-pointer:/view/${field}]`);
    }
  }
  if (
    typeof view.external_id === 'string' &&
    others.some((o) => o.externalId === view.external_id && o.id !== selfId)
  ) {
    problems.push('duplicate_external_id');
  }
  if (blocks) {
    if (blocks.length > VIEW_LIMITS.blocks) {
      problems.push(`no more than ${VIEW_LIMITS.blocks} items allowed [json-pointer:/view/blocks]`);
    } else {
      // A message allows 50 blocks, a modal 100: check the blocks' own rules in chunks of 50.
      for (let i = 0; i < blocks.length; i += 50) {
        const verdict = validateBlocks(blocks.slice(i, i + 50));
        if (!verdict.ok && verdict.error !== 'msg_blocks_too_long') problems.push(...verdict.errors);
      }
    }
    blocks.forEach((b, i) => {
      const el = (b as Record<string, unknown>)?.element as Record<string, unknown> | undefined;
      if ((b as Record<string, unknown>)?.type !== 'input' || !el) return;
      if (typeof el.action_id !== 'string' || el.action_id.length > 255) {
        problems.push(`action_id is required [json-pointer:/view/blocks/${i}/element/action_id]`);
      }
      if (el.type === 'plain_text_input') {
        const max = el.max_length === undefined ? VIEW_LIMITS.textInputMax : Number(el.max_length);
        if (!Number.isInteger(max) || max < 1 || max > VIEW_LIMITS.textInputMax) {
          problems.push(`max_length must be 1-3000 [json-pointer:/view/blocks/${i}/element/max_length]`);
        }
        if (typeof el.initial_value === 'string' && el.initial_value.length > max) {
          problems.push(
            `initial_value is longer than max_length [json-pointer:/view/blocks/${i}/element/initial_value]`,
          );
        }
      }
      if (
        el.type === 'datepicker' &&
        el.initial_date !== undefined &&
        !/^\d{4}-\d{2}-\d{2}$/.test(String(el.initial_date))
      ) {
        problems.push(
          `initial_date must be YYYY-MM-DD [json-pointer:/view/blocks/${i}/element/initial_date]`,
        );
      }
    });
  }
  return problems;
}

const newId = (prefix: string) => `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;

function invalid(problems: string[]) {
  const r = apiError('invalid_arguments');
  if (typeof r.body === 'object') r.body.response_metadata = { messages: problems };
  r.errors = problems;
  return r;
}

export function viewHandlers(state: ViewState): Record<string, Handler> {
  const answer = (v: FakeView) => ({
    body: {
      ok: true,
      view: { ...v.view, id: v.id, hash: v.hash, ...(v.externalId ? { external_id: v.externalId } : {}) },
    },
  });
  return {
    'views.open': (b) => {
      const triggerId = str(b.trigger_id) ?? '';
      const trigger = state.triggers.get(triggerId);
      if (!trigger || trigger.used) return apiError('invalid_trigger_id');
      if (state.now() - trigger.issuedAt > VIEW_LIMITS.triggerTtlMs) return apiError('expired_trigger_id');
      const view = parseView(b.view);
      if (!view) return apiError('invalid_arguments');
      const problems = viewProblems(view, state.views);
      if (problems.length) return invalid(problems);
      trigger.used = true;
      const v: FakeView = { id: newId('V'), hash: newId('h'), view, history: [], triggerId };
      if (typeof view.external_id === 'string') v.externalId = view.external_id;
      state.views.push(v);
      return answer(v);
    },
    'views.update': (b) => {
      const viewId = str(b.view_id);
      const externalId = str(b.external_id);
      if (!viewId && !externalId) return apiError('invalid_arguments');
      const v = state.views.find((x) => (viewId ? x.id === viewId : x.externalId === externalId));
      if (!v) return apiError('not_found');
      const hash = str(b.hash);
      if (hash !== undefined && hash !== v.hash) return apiError('hash_conflict');
      const view = parseView(b.view);
      if (!view) return apiError('invalid_arguments');
      const problems = viewProblems(view, state.views, v.id);
      if (problems.length) return invalid(problems);
      v.history.push(v.view);
      v.view = view;
      v.hash = newId('h');
      if (typeof view.external_id === 'string') v.externalId = view.external_id;
      return answer(v);
    },
  };
}
