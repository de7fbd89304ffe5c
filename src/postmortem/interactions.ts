import type { App, ViewSubmitAction } from '@slack/bolt';
import type { Deps } from '../deps.ts';
import { UserError } from '../errors.ts';
import { enqueueSync } from '../incidents/enqueue.ts';
import { addEvent, bumpVersion, inTransaction, loadIncident, type Queryable } from '../incidents/store.ts';
import { SlackApiError } from '../slack/errors.ts';
import { answerView, invalid, type Outcome, runInteraction } from '../slack/pipeline.ts';
import { POSTMORTEM_ACTIONS } from './ids.ts';
import {
  CALLBACKS,
  followupModal,
  loadingModal,
  type ModalMeta,
  parseMeta,
  postmortemModal,
  type ViewValues,
  validateFollowup,
  validatePostmortem,
} from './modals.ts';
import { closeFollowup, createFollowup, loadFollowup, loadPostmortem, savePostmortem } from './store.ts';

/** Default permissions (in the read-only set, like the checklist): see src/auth/config.ts. */
export const POSTMORTEM_PERMISSIONS = {
  write: 'incident:postmortem',
  followup: 'incident:followup',
} as const;

export function postmortemPermission(actionIdOrCallback: string): string | undefined {
  switch (actionIdOrCallback) {
    case POSTMORTEM_ACTIONS.edit:
    case CALLBACKS.postmortem:
      return POSTMORTEM_PERMISSIONS.write;
    case POSTMORTEM_ACTIONS.addFollowup:
    case POSTMORTEM_ACTIONS.closeFollowup:
    case CALLBACKS.followup:
      return POSTMORTEM_PERMISSIONS.followup;
    default:
      return undefined;
  }
}

export interface PostmortemActionContext {
  userId: string;
  triggerId?: string;
}

/** Stores a change to an incident with its timeline event, then lets the sync post it. */
export async function changeIncident(
  deps: Deps,
  incidentId: number,
  fn: (db: Queryable, now: Date) => Promise<boolean>,
): Promise<void> {
  const now = deps.now();
  const version = await inTransaction(deps.pool, async (db) => {
    const inc = await loadIncident(db, incidentId, true);
    if (!inc) throw new UserError(deps.t('incidents.errors.notFound'));
    if (!(await fn(db, now))) return undefined;
    return bumpVersion(db, incidentId, now);
  });
  if (version !== undefined) {
    await enqueueSync(deps, { incidentId, version }).catch((err) =>
      deps.logger.warn({ incidentId, err }, 'sync not enqueued; the sweep will catch up'),
    );
  }
}

async function openModal(
  deps: Deps,
  triggerId: string | undefined,
  view: Parameters<NonNullable<Deps['slack']['openView']>>[1],
) {
  if (!deps.slack.openView || !triggerId) throw new UserError(deps.t('postmortem.errors.noModals'));
  try {
    return await deps.slack.openView(triggerId, view);
  } catch (err) {
    if (err instanceof SlackApiError && /trigger/.test(err.code)) {
      throw new UserError(deps.t('postmortem.errors.triggerExpired'));
    }
    throw err;
  }
}

/**
 * The post-incident buttons: open the root cause/lessons modal, open the follow-up modal, close a
 * follow-up. Returns undefined when the action is not one of these (the caller handles it).
 */
export async function handlePostmortemAction(
  deps: Deps,
  a: { action_id: string; value?: string },
  who: PostmortemActionContext,
): Promise<{ reply?: string } | undefined> {
  const [first, second] = (a.value ?? '').split(':');
  const incidentId = Number(first);
  if (!Object.values(POSTMORTEM_ACTIONS).includes(a.action_id as never)) return undefined;
  if (!Number.isSafeInteger(incidentId) || incidentId <= 0) throw new UserError('incident id missing');
  if (a.action_id === POSTMORTEM_ACTIONS.edit && deps.slack.updateView) {
    // The trigger lasts 3 s: the modal opens at once and shows the stored text when it is loaded.
    const opened = await openModal(deps, who.triggerId, loadingModal(deps.t));
    const inc = await loadIncident(deps.pool, incidentId);
    const meta: ModalMeta = { incidentId, channel: inc?.channel ?? '' };
    const view = inc
      ? postmortemModal(deps.t, meta, inc.alertname, await loadPostmortem(deps.pool, incidentId))
      : loadingModal(deps.t, deps.t('incidents.errors.notFound'));
    await deps.slack.updateView(opened.id, view, opened.hash);
    return {};
  }
  const inc = await loadIncident(deps.pool, incidentId);
  if (!inc) throw new UserError(deps.t('incidents.errors.notFound'));
  const meta: ModalMeta = { incidentId, channel: inc.channel };
  if (a.action_id === POSTMORTEM_ACTIONS.edit) {
    const stored = await loadPostmortem(deps.pool, incidentId);
    await openModal(deps, who.triggerId, postmortemModal(deps.t, meta, inc.alertname, stored));
    return {};
  }
  if (a.action_id === POSTMORTEM_ACTIONS.addFollowup) {
    await openModal(deps, who.triggerId, followupModal(deps.t, meta, inc.alertname, who.userId, deps.now()));
    return {};
  }
  const followupId = Number(second);
  const f = Number.isSafeInteger(followupId) ? await loadFollowup(deps.pool, followupId) : undefined;
  if (!f || f.incidentId !== incidentId) {
    throw new UserError(deps.t('postmortem.errors.followupNotFound', { id: second ?? '' }));
  }
  let closed = false;
  await changeIncident(deps, incidentId, async (db, now) => {
    closed = await closeFollowup(db, f.id, who.userId, now);
    if (!closed) return false;
    await addEvent(
      db,
      incidentId,
      'followup_closed',
      { id: f.id, title: f.title },
      { at: now, actor: who.userId },
    );
    return true;
  });
  return {
    reply: closed
      ? deps.t('postmortem.ephemeral.followupClosed', { id: f.id })
      : deps.t('postmortem.ephemeral.alreadyClosed', { id: f.id }),
  };
}

/**
 * A submitted modal (authorised by the pipeline): validated (errors shown inline), stored. The modal
 * closes (`answer()`) as soon as it is stored; the tracker job is enqueued after.
 */
async function submit(
  deps: Deps,
  callbackId: string,
  meta: ModalMeta,
  values: ViewValues,
  who: { userId: string; viewId: string },
  answer: () => Promise<void>,
): Promise<Outcome> {
  if (callbackId === CALLBACKS.postmortem) {
    const v = validatePostmortem(deps.t, values);
    if (!v.ok) return invalid(v.errors);
    await changeIncident(deps, meta.incidentId, async (db, now) => {
      await savePostmortem(db, { incidentId: meta.incidentId, ...v.value, by: who.userId, at: now });
      await addEvent(db, meta.incidentId, 'postmortem_updated', {}, { at: now, actor: who.userId });
      return true;
    });
    return { outcome: 'ok' };
  }
  const v = validateFollowup(deps.t, values, deps.now());
  if (!v.ok) return invalid(v.errors);
  let id = 0;
  let created = false;
  await changeIncident(deps, meta.incidentId, async (db, now) => {
    const r = await createFollowup(
      db,
      {
        incidentId: meta.incidentId,
        ...v.value,
        by: who.userId,
        at: now,
        submissionKey: `view:${who.viewId}`,
      },
      deps.config.file.postmortem.followups,
    );
    id = r.followup.id;
    created = r.created;
    if (!created) return false;
    await addEvent(
      db,
      meta.incidentId,
      'followup_added',
      { id, title: v.value.title, owner: v.value.owner, dueOn: v.value.dueOn },
      { at: now, actor: who.userId },
    );
    return true;
  });
  await answer();
  if (created && deps.config.file.postmortem.tracker) {
    await deps.queues
      .enqueue('followup-tracker', { followupId: id }, { jobId: `followup-tracker-${id}` })
      .catch((err) => deps.logger.warn({ followupId: id, err }, 'tracker job not enqueued'));
  }
  return { outcome: 'ok', ...(id ? { detail: `followup #${id}` } : {}) };
}

/** Registers the post-incident modals' submissions (one line in registerSlackHandlers). */
export function registerPostmortemViews(app: App, deps: Deps): void {
  app.view<ViewSubmitAction>(
    { type: 'view_submission', callback_id: /^incident_(postmortem|followup)$/ },
    async ({ ack, body, view }) => {
      const callbackId = view.callback_id;
      const meta = parseMeta(view.private_metadata);
      const permission = postmortemPermission(callbackId) ?? callbackId;
      await runInteraction(
        deps,
        {
          kind: 'view',
          userId: body.user.id,
          teamId: body.team?.id,
          channelId: meta?.channel,
          what: callbackId,
          audited: permission,
          arguments: `${callbackId} ${meta ? `#${meta.incidentId}` : ''}`.trim(),
          needs: meta
            ? permission
            : { unknown: 'no metadata', answer: () => deps.t('incidents.errors.unknownAction') },
        },
        {
          run: (answer) =>
            submit(
              deps,
              callbackId,
              meta as ModalMeta,
              view.state.values as unknown as ViewValues,
              { userId: body.user.id, viewId: view.id },
              () => answer(),
            ),
        },
        // Errors go on the modal's first input, where the user is looking.
        answerView(ack, callbackId === CALLBACKS.postmortem ? 'root_cause' : 'what'),
      );
    },
  );
}
