import type { Deps } from '../deps.ts';
import { esc } from '../incidents/format.ts';
import { loadIncident } from '../incidents/store.ts';
import { reportMessage } from '../report/message.ts';
import type { ReportBlock } from '../report/report.ts';
import { SlackApiError, SlackRateLimitedError } from '../slack/errors.ts';
import { truncate } from '../slack/limits.ts';
import { messageLink } from '../slack/permalink.ts';
import type { OutgoingMessage } from '../slack/port.ts';
import { POSTMORTEM_ACTIONS } from './ids.ts';
import { claimDueReminders, type Followup, type ReminderKind, releaseReminder } from './store.ts';

/** The owner's DM: what is due (or overdue), the incident, its thread, and a button to close it. */
export function reminderMessage(
  deps: Pick<Deps, 't' | 'redact'>,
  kind: ReminderKind,
  f: Followup,
  inc: { alertname: string; channel: string; rootTs: string | null },
): OutgoingMessage {
  const text = deps.t(`postmortem.reminder.${kind}`, {
    id: f.id,
    due: f.dueOn,
    title: esc(truncate(deps.redact(f.title), 300)),
    incident: f.incidentId,
    alertname: esc(inc.alertname),
  });
  const blocks: ReportBlock[] = [
    { kind: 'text', markup: true, text },
    {
      kind: 'actions',
      controls: [
        {
          kind: 'button',
          id: POSTMORTEM_ACTIONS.closeFollowup,
          style: 'primary',
          value: `${f.incidentId}:${f.id}`,
          label: deps.t('postmortem.button.close'),
        },
      ],
    },
  ];
  if (inc.rootTs) {
    blocks.push({
      kind: 'context',
      markup: true,
      items: [`<${messageLink(inc.channel, inc.rootTs)}|${deps.t('postmortem.reminder.thread')}>`],
    });
  }
  return reportMessage({ title: '', notification: text, blocks });
}

/**
 * Sends the reminders that are due: each is claimed first (one UPDATE, so two replicas never both
 * send it), then DMed to the owner. A DM Slack surely refused (an API error, a 429) is released and
 * tried on the next pass; one whose outcome is unknown (timeout, 5xx) stays sent rather than risk
 * a duplicate.
 */
export async function sendDueReminders(deps: Deps): Promise<{ sent: number; failed: number }> {
  const due = await claimDueReminders(deps.pool, deps.now());
  let sent = 0;
  let failed = 0;
  for (const { kind, followup } of due) {
    try {
      const inc = await loadIncident(deps.pool, followup.incidentId);
      const channel = await deps.slack.openDirectMessage(followup.owner);
      const msg = reminderMessage(deps, kind, followup, {
        alertname: inc?.alertname ?? '',
        channel: inc?.channel ?? '',
        rootTs: inc?.rootTs ?? null,
      });
      await deps.slack.postMessage({ ...msg, channel });
      sent += 1;
      deps.metrics.postmortem.followupReminders.inc({ kind, outcome: 'sent' });
    } catch (err) {
      failed += 1;
      const definite = err instanceof SlackApiError || err instanceof SlackRateLimitedError;
      if (definite) await releaseReminder(deps.pool, followup.id, kind);
      deps.metrics.postmortem.followupReminders.inc({ kind, outcome: definite ? 'retry' : 'unknown' });
      deps.logger.warn(
        { followupId: followup.id, kind, err, retried: definite },
        'follow-up reminder not sent',
      );
    }
  }
  return { sent, failed };
}
