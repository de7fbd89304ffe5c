import type { App, MessageShortcut, SlashCommand, ViewSubmitAction } from '@slack/bolt';
import { guard } from '../auth/guard.ts';
import type { Deps } from '../deps.ts';
import { newRef, UserError } from '../errors.ts';
import { clip } from '../redact.ts';
import { SlackApiError } from '../slack/errors.ts';
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
 * submissions. Every entry checks its permission with the guard and is audited.
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

type AuditOutcome = Parameters<Deps['audit']['record']>[0]['outcome'];

function auditor(
  deps: Deps,
  base: { userId: string; teamId?: string; channelId?: string; command: string; arguments: string },
) {
  const started = Date.now();
  return (outcome: AuditOutcome, detail?: string) =>
    deps.audit
      .record({
        ...base,
        arguments: deps.redact(base.arguments),
        source: 'button',
        outcome,
        detail,
        durationMs: Date.now() - started,
      })
      .catch((err) => deps.logger.warn({ err: (err as Error).message }, 'audit write failed'));
}

/**
 * `/incident` without arguments: the declare modal, opened in the acknowledgement path (the
 * trigger lasts 3 s). Returns the ephemeral text to acknowledge with, or undefined for an empty ack.
 */
export async function declareFromSlash(deps: Deps, command: SlashCommand): Promise<string | undefined> {
  const record = auditor(deps, {
    userId: command.user_id,
    teamId: command.team_id,
    channelId: command.channel_id,
    command: DECLARE_PERMISSION,
    arguments: 'modal',
  });
  const gate = await guard(deps, {
    userId: command.user_id,
    channelId: command.channel_id,
    permission: DECLARE_PERMISSION,
    what: '/incident',
  });
  if (!gate.ok) {
    await record(gate.outcome, DECLARE_PERMISSION);
    return gate.message;
  }
  try {
    await openDeclareModal(deps, command.trigger_id, { channel: command.channel_id });
    await record('ok', 'modal opened');
    return undefined;
  } catch (err) {
    const message = errorText(deps, err, 'declare modal');
    await record('failed', message);
    return message;
  }
}

function errorText(deps: Deps, err: unknown, what: string): string {
  if (err instanceof UserError) return err.message;
  const ref = newRef();
  deps.logger.error({ ref, err, what }, 'incident interaction failed');
  return deps.t('common.failedRef', { ref });
}

type ViewAck = (response?: { response_action: 'errors'; errors: Record<string, string> }) => Promise<void>;

/** Registers the shortcut and the modals' submissions (one line in registerSlackHandlers). */
export function registerIncidentViews(app: App, deps: Deps): void {
  app.shortcut<MessageShortcut>(
    { type: 'message_action', callback_id: INCIDENT_CALLBACKS.shortcut },
    async ({ ack, shortcut, respond }) => {
      await ack();
      const channelId = shortcut.channel.id;
      const record = auditor(deps, {
        userId: shortcut.user.id,
        teamId: shortcut.team?.id,
        channelId,
        command: DECLARE_PERMISSION,
        arguments: `shortcut ${shortcut.message_ts}`,
      });
      const tell = (text: string) =>
        respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => {});
      const gate = await guard(deps, {
        userId: shortcut.user.id,
        channelId,
        permission: DECLARE_PERMISSION,
        what: 'Declare incident',
        button: true,
      });
      if (!gate.ok) {
        await record(gate.outcome, DECLARE_PERMISSION);
        return void (await tell(gate.message));
      }
      const msg = shortcut.message as { text?: string; user?: string; ts?: string };
      const text = clip(msg.text ?? '', 1_500);
      try {
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
        await record('ok', 'modal opened');
      } catch (err) {
        const message = errorText(deps, err, 'declare shortcut');
        await record('failed', message);
        await tell(message);
      }
    },
  );

  app.view<ViewSubmitAction>(
    { type: 'view_submission', callback_id: /^incident_(declare|status_update)$/ },
    async ({ ack, body, view }) => {
      const userId = body.user.id;
      const callbackId = view.callback_id;
      const declaring = callbackId === INCIDENT_CALLBACKS.declare;
      const permission = declaring ? DECLARE_PERMISSION : UPDATE_PERMISSION;
      const firstBlock = declaring ? 'title' : 'update';
      const declareMeta = declaring ? parseDeclareMeta(view.private_metadata) : undefined;
      const updateMeta = declaring ? undefined : parseUpdateMeta(view.private_metadata);
      const channelId = declareMeta?.channel ?? updateMeta?.channel;
      const record = auditor(deps, {
        userId,
        teamId: body.team?.id,
        channelId,
        command: permission,
        arguments: `${callbackId}${updateMeta ? ` #${updateMeta.incidentId}` : ''}`,
      });
      let acked = false;
      const once: ViewAck = async (response) => {
        if (acked) return;
        acked = true;
        await (response ? ack(response) : ack());
      };
      if (!declareMeta && !updateMeta) {
        await once({
          response_action: 'errors',
          errors: { [firstBlock]: deps.t('incidents.errors.unknownAction') },
        });
        return void (await record('bad_args', 'no metadata'));
      }
      const gate = await guard(deps, { userId, channelId, permission, what: callbackId });
      if (!gate.ok) {
        await once({ response_action: 'errors', errors: { [firstBlock]: gate.message } });
        return void (await record(gate.outcome, permission));
      }
      const values = view.state.values as unknown as IncidentViewValues;
      try {
        if (declareMeta) {
          const v = validateDeclare(deps.t, values, serviceNames(deps));
          if (!v.ok) {
            await once({ response_action: 'errors', errors: v.errors });
            return void (await record('bad_args', Object.keys(v.errors).join(',')));
          }
          const { id, created } = await declare(deps, {
            ...v.value,
            by: userId,
            ...(declareMeta.quote ? { quote: declareMeta.quote } : {}),
            // A submission Slack delivers twice declares one incident.
            key: `view:${view.id}`,
          });
          await once();
          return void (await record('ok', `incident #${id}${created ? '' : ' (again)'}`));
        }
        const meta = updateMeta as NonNullable<typeof updateMeta>;
        const v = validateUpdate(deps.t, values);
        if (!v.ok) {
          await once({ response_action: 'errors', errors: v.errors });
          return void (await record('bad_args', Object.keys(v.errors).join(',')));
        }
        await postStatusUpdate(deps, meta.incidentId, v.value.text, userId);
        await once();
        await record('ok', `incident #${meta.incidentId}`);
      } catch (err) {
        const message = errorText(deps, err, callbackId);
        await once({ response_action: 'errors', errors: { [firstBlock]: message } });
        await record('failed', message);
      }
    },
  );
}
