import type { Translate } from '../i18n/index.ts';
import { truncate } from '../slack/limits.ts';
import { modalFrame, plain, short } from '../slack/modal.ts';
import type { ModalView } from '../slack/port.ts';
import { FOLLOWUP_TITLE_MAX, POSTMORTEM_TEXT_MAX } from './store.ts';

export const CALLBACKS = {
  postmortem: 'incident_postmortem',
  followup: 'incident_followup',
} as const;

/** What a modal carries between opening and submission (private_metadata). */
export interface ModalMeta {
  incidentId: number;
  channel: string;
}

export function parseMeta(raw: string | undefined): ModalMeta | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<ModalMeta>;
    if (Number.isSafeInteger(v.incidentId) && typeof v.channel === 'string') {
      return { incidentId: Number(v.incidentId), channel: v.channel };
    }
  } catch {
    // Not ours: the caller treats it as unknown.
  }
  return undefined;
}

function context(t: Translate, meta: ModalMeta, alertname: string) {
  return {
    type: 'context',
    elements: [
      {
        type: 'plain_text',
        text: truncate(t('postmortem.modal.context', { id: meta.incidentId, alertname }), 150),
      },
    ],
  };
}

/** What a modal shows while its content loads (or why it cannot): no inputs, so nothing to submit. */
export function loadingModal(t: Translate, message?: string): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACKS.postmortem,
    title: short(t('postmortem.modal.lessonsTitle')),
    close: short(t('postmortem.modal.cancel')),
    blocks: [
      {
        type: 'section',
        text: { type: 'plain_text', text: truncate(message ?? t('postmortem.modal.loading'), 2_000) },
      },
    ],
  };
}

/** Root cause and lessons, prefilled with what is stored. */
export function postmortemModal(
  t: Translate,
  meta: ModalMeta,
  alertname: string,
  stored: { rootCause: string; lessons: string } | undefined,
): ModalView {
  const input = (id: 'root_cause' | 'lessons', label: string, hint: string, value: string | undefined) => ({
    type: 'input',
    block_id: id,
    optional: true,
    label: plain(label),
    element: {
      type: 'plain_text_input',
      action_id: 'value',
      multiline: true,
      max_length: POSTMORTEM_TEXT_MAX,
      placeholder: plain(truncate(hint, 150)),
      ...(value ? { initial_value: truncate(value, POSTMORTEM_TEXT_MAX) } : {}),
    },
  });
  return {
    ...modalFrame(
      CALLBACKS.postmortem,
      {
        title: t('postmortem.modal.lessonsTitle'),
        submit: t('postmortem.modal.save'),
        close: t('postmortem.modal.cancel'),
      },
      meta,
    ),
    blocks: [
      context(t, meta, alertname),
      input(
        'root_cause',
        t('postmortem.modal.rootCause'),
        t('postmortem.modal.rootCauseHint'),
        stored?.rootCause,
      ),
      input('lessons', t('postmortem.modal.lessons'), t('postmortem.modal.lessonsHint'), stored?.lessons),
    ],
  };
}

/** `YYYY-MM-DD` (UTC) `days` after `now`. */
export function isoDay(now: Date, days = 0): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** What, owner (a Slack user, the clicker by default) and due date (a week from now by default). */
export function followupModal(
  t: Translate,
  meta: ModalMeta,
  alertname: string,
  user: string,
  now: Date,
): ModalView {
  return {
    ...modalFrame(
      CALLBACKS.followup,
      {
        title: t('postmortem.modal.followupTitle'),
        submit: t('postmortem.modal.add'),
        close: t('postmortem.modal.cancel'),
      },
      meta,
    ),
    blocks: [
      context(t, meta, alertname),
      {
        type: 'input',
        block_id: 'what',
        label: plain(t('postmortem.modal.what')),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          max_length: FOLLOWUP_TITLE_MAX,
          placeholder: plain(truncate(t('postmortem.modal.whatHint'), 150)),
        },
      },
      {
        type: 'input',
        block_id: 'owner',
        label: plain(t('postmortem.modal.owner')),
        element: { type: 'users_select', action_id: 'value', initial_user: user },
      },
      {
        type: 'input',
        block_id: 'due',
        label: plain(t('postmortem.modal.due')),
        element: { type: 'datepicker', action_id: 'value', initial_date: isoDay(now, 7) },
      },
    ],
  };
}

/** The part of a view_submission's `view.state.values` this code reads. */
export type ViewValues = Record<
  string,
  Record<string, { value?: string | null; selected_user?: string | null; selected_date?: string | null }>
>;

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

export function validatePostmortem(
  t: Translate,
  values: ViewValues,
): Validated<{ rootCause: string; lessons: string }> {
  const rootCause = (values.root_cause?.value?.value ?? '').trim();
  const lessons = (values.lessons?.value?.value ?? '').trim();
  const errors: Record<string, string> = {};
  if (!rootCause && !lessons) errors.root_cause = t('postmortem.errors.emptyPostmortem');
  if (rootCause.length > POSTMORTEM_TEXT_MAX)
    errors.root_cause = t('postmortem.errors.tooLong', { max: POSTMORTEM_TEXT_MAX });
  if (lessons.length > POSTMORTEM_TEXT_MAX)
    errors.lessons = t('postmortem.errors.tooLong', { max: POSTMORTEM_TEXT_MAX });
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: { rootCause, lessons } };
}

export function validateFollowup(
  t: Translate,
  values: ViewValues,
  now: Date,
): Validated<{ title: string; owner: string; dueOn: string }> {
  const title = (values.what?.value?.value ?? '').replace(/\s+/g, ' ').trim();
  const owner = values.owner?.value?.selected_user ?? '';
  const dueOn = values.due?.value?.selected_date ?? '';
  const errors: Record<string, string> = {};
  if (!title) errors.what = t('postmortem.errors.emptyTitle');
  else if (title.length > FOLLOWUP_TITLE_MAX)
    errors.what = t('postmortem.errors.tooLong', { max: FOLLOWUP_TITLE_MAX });
  if (!/^[UW][A-Z0-9]{2,}$/.test(owner)) errors.owner = t('postmortem.errors.badOwner');
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(dueOn) ? new Date(`${dueOn}T00:00:00Z`) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== dueOn) {
    errors.due = t('postmortem.errors.badDate');
  } else if (dueOn < isoDay(now)) {
    errors.due = t('postmortem.errors.pastDate', { today: isoDay(now) });
  } else if (dueOn > isoDay(now, 366)) {
    errors.due = t('postmortem.errors.farDate');
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: { title, owner, dueOn } };
}
