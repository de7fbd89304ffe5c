import type { KnownBlock } from '@slack/types';
import { LIMITS, truncate } from '../slack/limits.ts';
import type { OutgoingMessage } from '../slack/port.ts';
import { esc, utc } from './format.ts';
import type { RenderContext } from './render-root.ts';

export interface StormMember {
  id: number;
  alertname: string;
  summary: string;
  status: 'firing' | 'resolved';
  alerts: number;
  startedAt: Date;
}

/**
 * A storm message: every group of the page, one line each, so nothing is dropped. Lines are cut
 * to a length that keeps the whole page within Block Kit's total-text limit.
 */
export function renderStorm(members: readonly StormMember[], ctx: RenderContext): OutgoingMessage {
  const { t } = ctx;
  const firing = members.filter((m) => m.status === 'firing').length;
  const title = t('incidents.storm.title', { count: members.length, firing });
  const budget = LIMITS.totalBlockText - 1_000;
  const perLine = Math.max(40, Math.min(200, Math.floor(budget / Math.max(1, members.length)) - 1));
  const lines = members.map((m) =>
    truncate(
      t('incidents.storm.line', {
        icon: m.status === 'firing' ? '🔥' : '✅',
        alertname: esc(m.alertname),
        summary: esc(ctx.redact(m.summary || '—')),
        alerts: m.alerts,
        started: utc(m.startedAt).slice(11, 19),
      }),
      perLine,
    ),
  );
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, LIMITS.headerText) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: t('incidents.storm.intro') }] },
  ];
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk.join('\n') } });
    chunk = [];
    size = 0;
  };
  for (const line of lines) {
    if (size + line.length + 1 > LIMITS.sectionText - 100) flush();
    chunk.push(line);
    size += line.length + 1;
  }
  flush();
  return { text: t('incidents.storm.fallback', { count: members.length }), blocks };
}
