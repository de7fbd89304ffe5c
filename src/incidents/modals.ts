import type { Translate } from '../i18n/index.ts';
import { clip } from '../redact.ts';
import { truncate } from '../slack/limits.ts';
import { modalFrame, plain } from '../slack/modal.ts';
import type { ModalView } from '../slack/port.ts';
import { SEVERITIES, type Severity } from './config.ts';
import { TITLE_MAX } from './intake.ts';
import { parseSeverity } from './severity.ts';
import { STATUS_UPDATE_MAX } from './store.ts';

export const INCIDENT_CALLBACKS = {
  declare: 'incident_declare',
  update: 'incident_status_update',
  /** The message shortcut "Declare incident". */
  shortcut: 'incident_declare_message',
} as const;

/** What the declare modal carries (private_metadata, at most 3,000 characters). */
export interface DeclareMeta {
  /** Where the user asked from (the slash command's or the message's channel). */
  channel: string;
  quote?: { text: string; channel: string; ts: string; user?: string };
}

export interface UpdateMeta {
  incidentId: number;
  channel: string;
}

/** Quoted text kept in the metadata (the modal's private_metadata is limited to 3,000 characters). */
const QUOTE_MAX = 1_500;

export function parseDeclareMeta(raw: string | undefined): DeclareMeta | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<DeclareMeta>;
    if (typeof v.channel !== 'string') return undefined;
    const q = v.quote;
    return {
      channel: v.channel,
      ...(q && typeof q.text === 'string' && typeof q.channel === 'string' && typeof q.ts === 'string'
        ? {
            quote: {
              text: clip(q.text, QUOTE_MAX),
              channel: q.channel,
              ts: q.ts,
              ...(typeof q.user === 'string' ? { user: q.user } : {}),
            },
          }
        : {}),
    };
  } catch {
    return undefined;
  }
}

export function parseUpdateMeta(raw: string | undefined): UpdateMeta | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<UpdateMeta>;
    if (Number.isSafeInteger(v.incidentId) && typeof v.channel === 'string')
      return { incidentId: Number(v.incidentId), channel: v.channel };
  } catch {
    // Not ours.
  }
  return undefined;
}

/** Title, severity and service; a quoted message is shown (and kept in the metadata). */
export function declareModal(
  t: Translate,
  meta: DeclareMeta,
  services: readonly string[],
  initial: { title?: string; severity: Severity; service?: string },
): ModalView {
  const sevOption = (s: Severity) => ({ text: plain(truncate(t(`incidents.sev.${s}`), 75)), value: s });
  const svcOption = (s: string) => ({ text: plain(truncate(s, 75)), value: truncate(s, 150) });
  const quote = meta.quote ? { ...meta.quote, text: clip(meta.quote.text, QUOTE_MAX) } : undefined;
  const blocks: Record<string, unknown>[] = [];
  if (quote) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'plain_text', text: truncate(`${t('incidents.modal.quote')} ${quote.text}`, 1_900) },
      ],
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: 'title',
      label: plain(t('incidents.modal.title')),
      element: {
        type: 'plain_text_input',
        action_id: 'value',
        max_length: TITLE_MAX,
        placeholder: plain(truncate(t('incidents.modal.titleHint'), 150)),
        ...(initial.title ? { initial_value: truncate(initial.title, TITLE_MAX) } : {}),
      },
    },
    {
      type: 'input',
      block_id: 'severity',
      label: plain(t('incidents.modal.severity')),
      element: {
        type: 'static_select',
        action_id: 'value',
        options: SEVERITIES.map(sevOption),
        initial_option: sevOption(initial.severity),
      },
    },
  );
  if (services.length) {
    const options = services.slice(0, 100).map(svcOption);
    const chosen = initial.service ? options.find((o) => o.value === initial.service) : undefined;
    blocks.push({
      type: 'input',
      block_id: 'service',
      optional: true,
      label: plain(t('incidents.modal.service')),
      element: {
        type: 'static_select',
        action_id: 'value',
        options,
        ...(chosen ? { initial_option: chosen } : {}),
      },
    });
  }
  return {
    ...modalFrame(
      INCIDENT_CALLBACKS.declare,
      {
        title: t('incidents.modal.declareTitle'),
        submit: t('incidents.modal.declare'),
        close: t('incidents.modal.cancel'),
      },
      { channel: meta.channel, ...(quote ? { quote } : {}) },
    ),
    blocks,
  };
}

export function updateModal(
  t: Translate,
  meta: UpdateMeta,
  title: string,
  current: string | null,
): ModalView {
  return {
    ...modalFrame(
      INCIDENT_CALLBACKS.update,
      {
        title: t('incidents.modal.updateTitle'),
        submit: t('incidents.modal.post'),
        close: t('incidents.modal.cancel'),
      },
      meta,
    ),
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'plain_text',
            text: truncate(t('incidents.modal.updateContext', { id: meta.incidentId, title }), 150),
          },
        ],
      },
      {
        type: 'input',
        block_id: 'update',
        label: plain(t('incidents.modal.update')),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          max_length: STATUS_UPDATE_MAX,
          placeholder: plain(truncate(t('incidents.modal.updateHint'), 150)),
          ...(current ? { initial_value: truncate(current, STATUS_UPDATE_MAX) } : {}),
        },
      },
    ],
  };
}

/** The part of view.state.values these modals read. */
export type IncidentViewValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value?: string } | null }>
>;

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

export function validateDeclare(
  t: Translate,
  values: IncidentViewValues,
  services: readonly string[],
): Checked<{ title: string; severity: Severity; service?: string }> {
  const title = (values.title?.value?.value ?? '').replace(/\s+/g, ' ').trim();
  const severity = parseSeverity(values.severity?.value?.selected_option?.value);
  const service = values.service?.value?.selected_option?.value ?? undefined;
  const errors: Record<string, string> = {};
  if (!title) errors.title = t('incidents.errors.emptyTitle');
  else if (title.length > TITLE_MAX) errors.title = t('incidents.errors.titleTooLong', { max: TITLE_MAX });
  if (!severity) errors.severity = t('incidents.errors.badSeverity');
  if (service && !services.includes(service))
    errors.service = t('incidents.errors.unknownService', { service, list: services.join(', ') });
  if (Object.keys(errors).length || !severity) return { ok: false, errors };
  return { ok: true, value: { title, severity, ...(service ? { service } : {}) } };
}

export function validateUpdate(t: Translate, values: IncidentViewValues): Checked<{ text: string }> {
  const text = (values.update?.value?.value ?? '').trim();
  if (!text) return { ok: false, errors: { update: t('incidents.errors.emptyUpdate') } };
  if (text.length > STATUS_UPDATE_MAX)
    return { ok: false, errors: { update: t('incidents.errors.updateTooLong', { max: STATUS_UPDATE_MAX }) } };
  return { ok: true, value: { text } };
}
