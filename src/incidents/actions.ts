import type { App, BlockAction } from '@slack/bolt';
import type { Deps } from '../deps.ts';
import { UserError } from '../errors.ts';
import { handlePostmortemAction, postmortemPermission } from '../postmortem/interactions.ts';
import { observeIncidentTime } from '../postmortem/metrics.ts';
import { messageLink } from '../slack/permalink.ts';
import { answerByResponse, runInteraction } from '../slack/pipeline.ts';
import { AlertmanagerError } from '../sources/alertmanager.ts';
import { checklistOf, itemKey, type Ticks } from './checklist.ts';
import { enqueueSync } from './enqueue.ts';
import { serviceOf } from './evidence-config.ts';
import { openUpdateModal } from './interactions.ts';
import { changeCommsLead, changeSeverity } from './manage.ts';
import { promoteFromStorm } from './promote.ts';
import { ACTIONS, SILENCE_DURATIONS, type SilenceDuration } from './render-root.ts';
import { parseSeverity } from './severity.ts';
import {
  acknowledgeIncident,
  addEvent,
  addSilence,
  bumpVersion,
  findSilence,
  type Incident,
  inTransaction,
  loadIncident,
  markSilenceExpired,
  type Queryable,
  resolveIncident,
  saveChecklist,
  setCommander,
} from './store.ts';

/** The part of a Slack block action this code reads. */
interface ActionPayload {
  action_id: string;
  block_id?: string;
  value?: string;
  selected_user?: string;
  selected_options?: Array<{ value: string }>;
  selected_option?: { value: string };
}

export interface ActionContext {
  userId: string;
  userName?: string;
  channelId?: string;
  responseUrl?: string;
  /** The interaction's trigger_id: opens a modal (once, within 3 s). */
  triggerId?: string;
}

/** A Slack user ID (U… or, on Enterprise Grid, W…). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;

function incidentIdOf(a: ActionPayload): number {
  const fromValue = a.value?.split(':')[0];
  const fromBlock = a.block_id?.split(':')[1];
  const id = Number(fromValue && /^\d+$/.test(fromValue) ? fromValue : fromBlock);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UserError('incident id missing');
  return id;
}

/** Applies a change to one incident in a transaction (row locked), then enqueues its sync. */
async function change(
  deps: Deps,
  incidentId: number,
  fn: (db: Queryable, inc: Incident, now: Date) => Promise<boolean>,
): Promise<void> {
  const now = deps.now();
  const version = await inTransaction(deps.pool, async (db) => {
    const inc = await loadIncident(db, incidentId, true);
    if (!inc) throw new UserError(deps.t('incidents.errors.notFound'));
    if (!(await fn(db, inc, now))) return undefined;
    return bumpVersion(db, incidentId, now);
  });
  if (version !== undefined) {
    await enqueueSync(deps, { incidentId, version }).catch((err) =>
      deps.logger.warn({ incidentId, err }, 'sync not enqueued; the sweep will catch up'),
    );
  }
}

async function silence(deps: Deps, incidentId: number, d: SilenceDuration, who: ActionContext) {
  const alertmanager = deps.sources.alertmanager;
  if (!alertmanager) throw new UserError(deps.t('incidents.errors.noAlertmanager'));
  const inc = await loadIncident(deps.pool, incidentId);
  if (!inc) throw new UserError(deps.t('incidents.errors.notFound'));
  const matchers = Object.keys(inc.groupLabels).length
    ? inc.groupLabels
    : inc.alertname
      ? { alertname: inc.alertname }
      : {};
  const now = deps.now();
  const endsAt = new Date(now.getTime() + SILENCE_DURATIONS[d]);
  const thread = inc.rootTs ? messageLink(inc.channel, inc.rootTs) : '';
  let id: string;
  try {
    id = await alertmanager.createSilence({
      matchers,
      startsAt: now,
      endsAt,
      createdBy: who.userName ? `${who.userName} (${who.userId})` : who.userId,
      comment: `Laojun incident #${inc.id} (${inc.alertname}) ${thread}`.trim(),
    });
  } catch (err) {
    if (err instanceof AlertmanagerError) {
      throw new UserError(deps.t('incidents.errors.silenceFailed', { message: deps.redact(err.message) }));
    }
    throw err;
  }
  await change(deps, incidentId, async (db) => {
    await addSilence(db, { silenceId: id, incidentId, by: who.userId, at: now, endsAt });
    await addEvent(
      db,
      incidentId,
      'silenced',
      { silenceId: id, duration: d, endsAt: endsAt.toISOString() },
      { at: now, actor: who.userId },
    );
    return true;
  });
  return id;
}

async function expire(deps: Deps, incidentId: number, silenceId: string, who: ActionContext) {
  const alertmanager = deps.sources.alertmanager;
  if (!alertmanager) throw new UserError(deps.t('incidents.errors.noAlertmanager'));
  const known = await findSilence(deps.pool, silenceId, incidentId);
  if (!known) throw new UserError(deps.t('incidents.errors.notFound'));
  if (known.expired) return;
  try {
    await alertmanager.expireSilence(silenceId);
  } catch (err) {
    if (err instanceof AlertmanagerError) {
      throw new UserError(deps.t('incidents.errors.silenceFailed', { message: deps.redact(err.message) }));
    }
    throw err;
  }
  await change(deps, incidentId, async (db, _inc, now) => {
    if (!(await markSilenceExpired(db, silenceId, who.userId, now))) return false;
    await addEvent(db, incidentId, 'silence_expired', { silenceId }, { at: now, actor: who.userId });
    return true;
  });
}

async function tickPhase(
  deps: Deps,
  incidentId: number,
  phaseId: string,
  selected: string[],
  who: ActionContext,
) {
  const phase = checklistOf(deps.config).find((p) => p.id === phaseId);
  if (!phase) throw new UserError(deps.t('incidents.errors.notFound'));
  const keys = phase.items.map((_, i) => itemKey(phase.id, i));
  const want = new Set(selected.filter((k) => keys.includes(k)));
  await change(deps, incidentId, async (db, inc, now) => {
    const ticks: Ticks = { ...inc.checklist };
    let changed = false;
    for (const key of keys) {
      if (want.has(key) && !ticks[key]) {
        ticks[key] = { by: who.userId, at: now.toISOString() };
        await addEvent(db, incidentId, 'ticked', { item: key }, { at: now, actor: who.userId });
        changed = true;
      } else if (!want.has(key) && ticks[key]) {
        delete ticks[key];
        await addEvent(db, incidentId, 'unticked', { item: key }, { at: now, actor: who.userId });
        changed = true;
      }
    }
    if (!changed) return false;
    await saveChecklist(db, incidentId, ticks);
    return true;
  });
}

/** Status / Logs on the root: runs the command for the incident's service into its thread. */
async function runInThread(deps: Deps, incidentId: number, command: 'status' | 'logs', who: ActionContext) {
  const inc = await loadIncident(deps.pool, incidentId);
  if (!inc) throw new UserError(deps.t('incidents.errors.notFound'));
  const service = serviceOf({ ...inc.commonLabels, ...inc.groupLabels }, deps.config.services);
  if (!service || !inc.rootTs) throw new UserError(deps.t('incidents.errors.noService'));
  const text = command === 'status' ? service : `${service} --level error --limit 10`;
  await deps.queues.enqueue('run-command', {
    command,
    text,
    userId: who.userId,
    channelId: inc.channel,
    threadTs: inc.rootTs,
    source: 'button',
    incidentId,
    receivedAt: deps.now().getTime(),
  });
}

/** The storm message's select: which group to open a thread for. */
function promote(deps: Deps, a: ActionPayload, who: ActionContext): Promise<string> {
  const stormId = Number(a.block_id?.split(':')[1]);
  const incidentId = Number(a.selected_option?.value);
  if (!Number.isSafeInteger(incidentId) || incidentId <= 0) throw new UserError('incident id missing');
  return promoteFromStorm(deps, stormId, incidentId, who.userId);
}

/** The permission an incident action needs (checked with the rate limit before it runs). */
export function permissionForAction(actionId: string): string | undefined {
  if (actionId === ACTIONS.expire || actionId.startsWith(`${ACTIONS.silence}_`)) return 'incident:silence';
  if (actionId.startsWith(`${ACTIONS.checklist}:`)) return 'incident:checklist';
  if (actionId === ACTIONS.ack) return 'incident:ack';
  if (actionId === ACTIONS.resolve) return 'incident:resolve';
  if (actionId === ACTIONS.commander) return 'incident:commander';
  if (actionId === ACTIONS.severity) return 'incident:severity';
  if (actionId === ACTIONS.commsLead) return 'incident:comms';
  if (actionId === ACTIONS.update) return 'incident:update';
  if (actionId === ACTIONS.runStatus) return 'incident:status';
  if (actionId === ACTIONS.runLogs) return 'incident:logs';
  if (actionId === ACTIONS.promote || actionId.startsWith(`${ACTIONS.promote}:`)) return 'incident:promote';
  return postmortemPermission(actionId);
}

/** Runs one incident button/select/checkbox action. Throws UserError for what the user should be told. */
export async function handleIncidentAction(
  deps: Deps,
  a: ActionPayload,
  who: ActionContext,
): Promise<string | undefined> {
  if (a.action_id === ACTIONS.promote || a.action_id.startsWith(`${ACTIONS.promote}:`)) {
    return promote(deps, a, who);
  }
  const postIncident = await handlePostmortemAction(deps, a, who);
  if (postIncident) return postIncident.reply;
  const id = incidentIdOf(a);
  const silenceMatch = new RegExp(`^${ACTIONS.silence}_(1h|4h|24h)$`).exec(a.action_id);
  if (silenceMatch) {
    const d = silenceMatch[1] as SilenceDuration;
    const silenceId = await silence(deps, id, d, who);
    return deps.t('incidents.ephemeral.silenced', { d, id: silenceId });
  }
  if (a.action_id === ACTIONS.expire) {
    const silenceId = a.value?.split(':').slice(1).join(':') ?? '';
    await expire(deps, id, silenceId, who);
    return undefined;
  }
  if (a.action_id.startsWith(`${ACTIONS.checklist}:`)) {
    const phaseId = a.action_id.slice(ACTIONS.checklist.length + 1);
    await tickPhase(
      deps,
      id,
      phaseId,
      (a.selected_options ?? []).map((o) => o.value),
      who,
    );
    return undefined;
  }
  if (a.action_id === ACTIONS.ack) {
    await change(deps, id, async (db, inc, now) => {
      if (inc.ackedBy) return false;
      const tta = await acknowledgeIncident(db, inc, who.userId, now);
      observeIncidentTime(deps.metrics.postmortem, deps.config, 'ack', labelled(inc), tta);
      return true;
    });
    return undefined;
  }
  if (a.action_id === ACTIONS.resolve) {
    let already = false;
    await change(deps, id, async (db, inc, now) => {
      if (inc.status === 'resolved') {
        already = true;
        return false;
      }
      await resolveIncident(db, inc, now, who.userId, now);
      observeIncidentTime(
        deps.metrics.postmortem,
        deps.config,
        'resolve',
        labelled(inc),
        now.getTime() - inc.startedAt.getTime(),
      );
      return true;
    });
    return already ? deps.t('incidents.ephemeral.alreadyResolved') : undefined;
  }
  if (a.action_id === ACTIONS.runStatus || a.action_id === ACTIONS.runLogs) {
    await runInThread(deps, id, a.action_id === ACTIONS.runStatus ? 'status' : 'logs', who);
    return undefined;
  }
  if (a.action_id === ACTIONS.severity) {
    const sev = parseSeverity(a.selected_option?.value?.split(':')[1]);
    if (!sev) throw new UserError(deps.t('incidents.errors.badSeverity'));
    await changeSeverity(deps, id, sev, who.userId);
    return undefined;
  }
  if (a.action_id === ACTIONS.commsLead && a.selected_user !== undefined) {
    if (!SLACK_USER_ID.test(a.selected_user)) throw new UserError(deps.t('incidents.errors.invalidUser'));
    await changeCommsLead(deps, id, a.selected_user, who.userId);
    return undefined;
  }
  if (a.action_id === ACTIONS.update) {
    await openUpdateModal(deps, id, who.triggerId);
    return undefined;
  }
  if (a.action_id === ACTIONS.commander && a.selected_user !== undefined) {
    // Rendered as <@ID> in the root message: anything but a user ID would be live mrkdwn.
    if (!SLACK_USER_ID.test(a.selected_user)) throw new UserError(deps.t('incidents.errors.invalidUser'));
    const commander = a.selected_user;
    await change(deps, id, (db, inc, now) => setCommander(db, inc, commander, who.userId, now));
  }
  return undefined;
}

/** An incident's alert name and labels, as the MTTA/MTTR histograms label it. */
function labelled(inc: Incident) {
  return { alertname: inc.alertname, labels: { ...inc.commonLabels, ...inc.groupLabels } };
}

/** What the user chose: a button's value, or a select's option (audited with the action). */
function chosenValue(a: ActionPayload): string {
  return a.value ?? a.selected_option?.value ?? a.selected_user ?? '';
}

/** Registers the incident thread's interactive handlers on Bolt (one line in registerSlackHandlers). */
export function registerIncidentActions(app: App, deps: Deps): void {
  app.action<BlockAction>(
    { type: 'block_actions', action_id: /^incident_/ },
    async ({ ack, body, action }) => {
      await ack();
      const who: ActionContext = {
        userId: body.user.id,
        userName: body.user.username ?? body.user.name,
        channelId: body.channel?.id,
        responseUrl: body.response_url,
        triggerId: body.trigger_id,
      };
      const payload = action as unknown as ActionPayload;
      const actionId = payload.action_id ?? '';
      const permission = permissionForAction(actionId);
      await runInteraction(
        deps,
        {
          kind: 'action',
          userId: who.userId,
          teamId: body.team?.id,
          channelId: who.channelId,
          what: actionId,
          audited: permission ?? actionId,
          arguments: `${actionId} ${chosenValue(payload)}`.trim(),
          needs: permission ?? {
            unknown: 'unknown action',
            answer: () => deps.t('incidents.errors.unknownAction'),
          },
        },
        {
          run: async () => {
            const reply = await handleIncidentAction(deps, payload, who);
            return { outcome: 'ok', ...(reply ? { answer: reply } : {}) };
          },
        },
        answerByResponse(deps, async (message) => {
          if (who.responseUrl) await deps.slack.respond(who.responseUrl, message);
        }),
      );
    },
  );
}
