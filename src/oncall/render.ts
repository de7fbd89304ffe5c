import type { Translate } from '../i18n/index.ts';
import { esc, formatDuration } from '../incidents/format.ts';
import type { RenderContext } from '../incidents/render-root.ts';
import type { Incident, IncidentEvent } from '../incidents/store.ts';
import type { PageTarget } from './engine.ts';

/** `<@U1>, <@U2>` or `<!subteam^S1>`: IDs checked at start (config) or given by Slack. */
export function mentionOf(target: PageTarget): string {
  if (target.kind === 'users') return target.users.map((u) => `<@${u}>`).join(', ');
  if (target.kind === 'group') return `<!subteam^${target.group}>`;
  if (target.kind === 'nobody') return esc(target.target);
  return `<!${target.kind}>`;
}

/** Thread and timeline text of the on-call events (`oncall_page`, `oncall_stopped`). */
export function oncallEventText(e: IncidentEvent, ctx: Pick<RenderContext, 't' | 'locale'>): string {
  const { t, locale } = ctx;
  const d = e.data as Record<string, unknown>;
  if (e.kind === 'oncall_stopped') return t('oncall.event.stopped', { count: Number(d.count ?? 0) });
  const target = d.target as PageTarget;
  const after = formatDuration(Number(d.afterMs ?? 0), locale);
  const step = Number(d.step ?? 0) + 1;
  if (d.page === 'reminder') return t('oncall.event.reminder', { users: mentionOf(target), elapsed: after });
  if (target.kind === 'nobody') return t('oncall.event.nobody', { step, target: esc(target.target) });
  if (target.kind === 'here' || target.kind === 'channel')
    return t(`oncall.event.${target.kind}`, { step, after });
  if (step === 1 && target.kind === 'users') {
    return t('oncall.event.notified', { users: mentionOf(target), schedule: esc(target.schedule ?? '—') });
  }
  return t('oncall.event.escalated', { step, users: mentionOf(target), after });
}

/** The direct message to a paged person. Labels come from alerts: escaped. */
export function dmText(
  t: Translate,
  locale: RenderContext['locale'],
  inc: Incident,
  page: { kind: 'step' | 'reminder'; step: number; afterMs: number },
  link: string,
): string {
  const values = {
    severity: esc(inc.severity || '—'),
    alertname: esc(inc.alertname || `#${inc.id}`),
    after: formatDuration(page.afterMs, locale),
    elapsed: formatDuration(page.afterMs, locale),
    link,
  };
  if (page.kind === 'reminder') return t('oncall.dm.reminder', values);
  return page.step === 0 ? t('oncall.dm.text', values) : t('oncall.dm.escalated', values);
}
