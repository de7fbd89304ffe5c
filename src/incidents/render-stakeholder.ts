import type { Report } from '../report/report.ts';
import { messageLink } from '../slack/permalink.ts';
import { esc, mention, shown, slackDate } from './format.ts';
import type { RenderContext } from './render-root.ts';
import { SEVERITY_ICON, severityOf } from './severity.ts';
import type { Incident } from './store.ts';

/**
 * The stakeholder channel's message of an incident: what people outside the response read without
 * joining the thread (status, severity, roles, the latest update), edited in place.
 */
export function renderStakeholder(inc: Incident, rootTs: string, ctx: RenderContext): Report {
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
  return {
    title,
    notification: esc(title),
    blocks: [
      { kind: 'text', markup: true, text: `${status}\n${roles}`, max: 2_900 },
      { kind: 'text', markup: true, text: update, max: 2_900 },
      {
        kind: 'context',
        markup: true,
        items: [`<${messageLink(inc.channel, rootTs)}|${t('incidents.stakeholder.thread')}>`],
      },
    ],
  };
}
