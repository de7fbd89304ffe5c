import type { App, MessageShortcut, ViewSubmitAction } from '@slack/bolt';
import type { InteractiveHook } from '../commands/define.ts';
import type { Deps } from '../deps.ts';
import { UserError } from '../errors.ts';
import { clip } from '../redact.ts';
import { SlackApiError } from '../slack/errors.ts';
import { answerByResponse, answerView, invalid, runInteraction } from '../slack/pipeline.ts';
import type { ModalView } from '../slack/port.ts';
import { declare, postStatusUpdate } from './manage.ts';
import {
  type DeclareMeta,
  declareModal,
  INCIDENT_CALLBACKS,
  type IncidentViewValues,
  parseDeclareMeta,
  parseUpdateMeta,
  updateModal,
  validateDeclare,
  validateUpdate,
} from './modals.ts';
import { loadIncident } from './store.ts';

/**
 * The Slack side of running an incident by hand: the declare modal (from `/incident` without
 * arguments and from the message shortcut "Declare incident"), the status update modal, and their
 * submissions. Every entry goes through the interaction pipeline (src/slack/pipeline.ts): authorised,
 * answered and audited there.
 */

export const DECLARE_PERMISSION = 'incident:declare';
export const UPDATE_PERMISSION = 'incident:update';

async function openModal(deps: Deps, triggerId: string | undefined, view: ModalView) {
  if (!deps.slack.openView || !triggerId) throw new UserError(deps.t('incidents.errors.noModals'));
  try {
    return await deps.slack.openView(triggerId, view);
  } catch (err) {
    if (err instanceof SlackApiError && /trigger/.test(err.code)) {
      throw new UserError(deps.t('incidents.errors.triggerExpired'));
    }
    throw err;
  }
}

const serviceNames = (deps: Deps) => deps.config.services.map((s) => s.name);

/** The "Update" button: a modal prefilled with the latest update. */
export async function openUpdateModal(deps: Deps, incidentId: number, triggerId: string | undefined) {
  const inc = await loadIncident(deps.pool, incidentId);
  if (!inc) throw new UserError(deps.t('incidents.errors.notFound'));
  await openModal(
    deps,
    triggerId,
    updateModal(deps.t, { incidentId, channel: inc.channel }, inc.alertname, inc.statusUpdate),
  );
}

function openDeclareModal(deps: Deps, triggerId: string | undefined, meta: DeclareMeta, title?: string) {
  return openModal(
    deps,
    triggerId,
    declareModal(deps.t, meta, serviceNames(deps), {
      severity: deps.config.file.incidents.defaultSeverity,
      ...(title ? { title } : {}),
    }),
  );
}

/**
 * `/incident` without arguments: the declare modal, opened in the acknowledgement path (the trigger
 * lasts 3 s). The command declares this as its interactive hook; the pipeline authorises and audits.
 */
export const declareHook: InteractiveHook = {
  wants: (r) => !r.text.trim() && Boolean(r.triggerId),
  permission: DECLARE_PERMISSION,
  audited: 'modal',
  async run(deps, r) {
    await openDeclareModal(deps, r.triggerId, { channel: r.channelId });
    return { detail: 'modal opened' };
  },
};

/** Registers the shortcut and the modals' submissions (one line in registerSlackHandlers). */
export function registerIncidentViews(app: App, deps: Deps): void {
  app.shortcut<MessageShortcut>(
    { type: 'message_action', callback_id: INCIDENT_CALLBACKS.shortcut },
    async ({ ack, shortcut, respond }) => {
      await ack();
      const channelId = shortcut.channel.id;
      const msg = shortcut.message as { text?: string; user?: string; ts?: string };
      const text = clip(msg.text ?? '', 1_500);
      await runInteraction(
        deps,
        {
          kind: 'shortcut',
          userId: shortcut.user.id,
          teamId: shortcut.team?.id,
          channelId,
          what: 'Declare incident',
          audited: DECLARE_PERMISSION,
          arguments: `shortcut ${shortcut.message_ts}`,
          needs: DECLARE_PERMISSION,
        },
        {
          run: async () => {
            await openDeclareModal(
              deps,
              shortcut.trigger_id,
              {
                channel: channelId,
                quote: {
                  text,
                  channel: channelId,
                  ts: shortcut.message_ts,
                  ...(msg.user && /^[UWB][A-Z0-9]{2,20}$/.test(msg.user) ? { user: msg.user } : {}),
                },
              },
              // The first line of the message is a good first guess at a title.
              clip(text.split('\n')[0] ?? '', 150),
            );
            return { outcome: 'ok', detail: 'modal opened' };
          },
        },
        answerByResponse(deps, respond),
      );
    },
  );

  app.view<ViewSubmitAction>(
    { type: 'view_submission', callback_id: /^incident_(declare|status_update)$/ },
    async ({ ack, body, view }) => {
      const userId = body.user.id;
      const callbackId = view.callback_id;
      const declaring = callbackId === INCIDENT_CALLBACKS.declare;
      const permission = declaring ? DECLARE_PERMISSION : UPDATE_PERMISSION;
      const declareMeta = declaring ? parseDeclareMeta(view.private_metadata) : undefined;
      const updateMeta = declaring ? undefined : parseUpdateMeta(view.private_metadata);
      const values = view.state.values as unknown as IncidentViewValues;
      await runInteraction(
        deps,
        {
          kind: 'view',
          userId,
          teamId: body.team?.id,
          channelId: declareMeta?.channel ?? updateMeta?.channel,
          what: callbackId,
          audited: permission,
          arguments: `${callbackId}${updateMeta ? ` #${updateMeta.incidentId}` : ''}`,
          needs:
            declareMeta || updateMeta
              ? permission
              : { unknown: 'no metadata', answer: () => deps.t('incidents.errors.unknownAction') },
        },
        {
          run: async () => {
            if (declareMeta) {
              const v = validateDeclare(deps.t, values, serviceNames(deps));
              if (!v.ok) return invalid(v.errors);
              const { id, created } = await declare(deps, {
                ...v.value,
                by: userId,
                ...(declareMeta.quote ? { quote: declareMeta.quote } : {}),
                // A submission Slack delivers twice declares one incident.
                key: `view:${view.id}`,
              });
              return { outcome: 'ok', detail: `incident #${id}${created ? '' : ' (again)'}` };
            }
            const meta = updateMeta as NonNullable<typeof updateMeta>;
            const v = validateUpdate(deps.t, values);
            if (!v.ok) return invalid(v.errors);
            await postStatusUpdate(deps, meta.incidentId, v.value.text, userId);
            return { outcome: 'ok', detail: `incident #${meta.incidentId}` };
          },
        },
        answerView(ack, declaring ? 'title' : 'update'),
      );
    },
  );
}
