import type { KnownBlock } from '@slack/types';
import { LIMITS, truncate } from '../slack/limits.ts';
import { messageLink } from '../slack/permalink.ts';
import type { OutgoingMessage } from '../slack/port.ts';
import { esc, mention, shown, slackDate } from './format.ts';
import type { RenderContext } from './render-root.ts';
import { SEVERITY_ICON, severityOf } from './severity.ts';
import type { Incident } from './store.ts';

/**
 * The stakeholder channel's message of an incident: what people outside the response read without
 * joining the thread (status, severity, roles, the latest update), edited in place.
 */
export function renderStakeholder(inc: Incident, rootTs: string, ctx: RenderContext): OutgoingMessage {
  const { t, redact } = ctx;
  const sev = severityOf(ctx.config.file.incidents, inc);
  const resolved = inc.status === 'resolved';
  const title = t('incidents.stakeholder.title', {
    icon: resolved ? '✅' : SEVERITY_ICON[sev],
    id: inc.id,
    title: shown(redact, inc.alertname, 150),
  });
  const status = t('incidents.stakeholder.status', {
    status: resolved ? t('incidents.status.resolved') : t('incidents.status.firing'),
    severity: sev,
    started: slackDate(inc.startedAt),
  });
  const roles = t('incidents.stakeholder.roles', {
    commander: inc.commander ? mention(inc.commander) : '—',
    lead: inc.commsLead ? mention(inc.commsLead) : '—',
  });
  const update =
    inc.statusUpdate && inc.statusUpdatedAt
      ? t('incidents.stakeholder.update', {
          at: slackDate(inc.statusUpdatedAt),
          user: inc.statusUpdateBy ? mention(inc.statusUpdateBy) : '—',
          text: esc(shown(redact, inc.statusUpdate, 2_000)),
        })
      : t('incidents.stakeholder.noUpdate');
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, LIMITS.headerText) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${status}\n${roles}`, 2_900) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(update, 2_900) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `<${messageLink(inc.channel, rootTs)}|${t('incidents.stakeholder.thread')}>`,
        },
      ],
    },
  ];
  return { text: truncate(esc(title), 3_000), blocks };
}
