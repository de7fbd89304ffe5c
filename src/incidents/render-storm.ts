import type { KnownBlock, PlainTextOption, StaticSelect } from '@slack/types';
import { LIMITS, truncate } from '../slack/limits.ts';
import { messageLink } from '../slack/permalink.ts';
import type { OutgoingMessage } from '../slack/port.ts';
import { esc, shown, utc } from './format.ts';
import { ACTIONS, type RenderContext } from './render-root.ts';

export interface StormMember {
  id: number;
  alertname: string;
  summary: string;
  status: 'firing' | 'resolved';
  alerts: number;
  startedAt: Date;
  /** Group labels other than alertname tell apart groups of one alert (e.g. per job). */
  groupLabels?: Record<string, string>;
  /** Promoted to a thread of its own: the root's ts once posted (null while it is being opened). */
  thread?: { rootTs: string | null };
}

/** Where the storm message is: its select names the storm, promoted rows link into the channel. */
export interface StormRef {
  id: number;
  channel: string;
}

/** Block Kit: a static_select holds at most 100 options; option text at most 75 characters. */
export const SELECT_MAX_OPTIONS = 100;
const OPTION_TEXT_MAX = 75;
const MIN_ITEM = 12;

function optionText(m: StormMember, ctx: RenderContext, max: number): string {
  const extra = Object.entries(m.groupLabels ?? {})
    .filter(([k]) => k !== 'alertname')
    .map(([, v]) => v)
    .join(' ');
  const name = extra ? `${m.alertname} ${extra}` : m.alertname;
  const text = shown(ctx.redact, m.summary ? `${name} · ${m.summary}` : name, max) || `#${m.id}`;
  return truncate(text, max);
}

/**
 * A storm message: every group of the page, one line each, so nothing is dropped, and a select to
 * open an incident thread for one of the groups still firing. Promoted groups stay listed, linking
 * to their thread. Lines and options are cut to lengths that keep the whole page within Block
 * Kit's total-text limit.
 */
export function renderStorm(
  members: readonly StormMember[],
  ctx: RenderContext,
  storm: StormRef,
): OutgoingMessage {
  const { t } = ctx;
  const firing = members.filter((m) => m.status === 'firing').length;
  const title = t('incidents.storm.title', { count: members.length, firing });
  const budget = LIMITS.totalBlockText - 1_000;
  const candidates = members.filter((m) => m.status === 'firing' && !m.thread);
  const selects = Math.min(LIMITS.actionsElements, Math.ceil(candidates.length / SELECT_MAX_OPTIONS));
  const offered = candidates.slice(0, selects * SELECT_MAX_OPTIONS);

  // Promoted rows end with a link to their thread (never cut); links take at most half the budget.
  let linkBudget = Math.floor(budget / 2);
  const suffixes = new Map<number, string>();
  for (const m of members) {
    if (!m.thread) continue;
    const link = m.thread.rootTs
      ? `<${messageLink(storm.channel, m.thread.rootTs)}|${esc(t('incidents.storm.threadLink'))}>`
      : t('incidents.storm.opening');
    const suffix = ` · ${link.length + 3 <= linkBudget ? link : t('incidents.storm.promoted')}`;
    linkBudget -= suffix.length;
    suffixes.set(m.id, suffix);
  }
  const placeholder = (i: number) =>
    selects > 1
      ? t('incidents.storm.promotePart', {
          from: i * SELECT_MAX_OPTIONS + 1,
          to: Math.min(offered.length, (i + 1) * SELECT_MAX_OPTIONS),
        })
      : t('incidents.storm.promote');
  const fixed =
    [...suffixes.values()].reduce((n, s) => n + s.length, 0) +
    Array.from({ length: selects }, (_, i) => placeholder(i).length).reduce((n, l) => n + l, 0);
  const rest = Math.max(0, budget - fixed);
  const perOption = Math.max(
    MIN_ITEM,
    Math.min(OPTION_TEXT_MAX, Math.floor(rest / Math.max(1, members.length + offered.length)) - 1),
  );
  const perLine = Math.max(
    MIN_ITEM,
    Math.min(200, Math.floor((rest - offered.length * perOption) / Math.max(1, members.length)) - 1),
  );

  const lines = members.map(
    (m) =>
      truncate(
        t('incidents.storm.line', {
          icon: m.status === 'firing' ? '🔥' : '✅',
          alertname: esc(m.alertname),
          summary: esc(shown(ctx.redact, m.summary || '—', 300)),
          alerts: m.alerts,
          started: utc(m.startedAt).slice(11, 19),
        }),
        perLine,
      ) + (suffixes.get(m.id) ?? ''),
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

  if (selects > 0) {
    const elements: StaticSelect[] = [];
    for (let i = 0; i < selects; i += 1) {
      const options: PlainTextOption[] = offered
        .slice(i * SELECT_MAX_OPTIONS, (i + 1) * SELECT_MAX_OPTIONS)
        .map((m) => ({
          text: { type: 'plain_text', text: optionText(m, ctx, perOption) },
          value: String(m.id),
        }));
      elements.push({
        type: 'static_select',
        action_id: i === 0 ? ACTIONS.promote : `${ACTIONS.promote}:${i}`,
        placeholder: { type: 'plain_text', text: truncate(placeholder(i), 150) },
        options,
      });
    }
    // A new block_id whenever the offer changes: Slack keeps a select's chosen option across edits
    // of a block it considers the same, so a promoted group would otherwise still look selected.
    const shape = `${members.length}:${firing}:${suffixes.size}`;
    blocks.push({ type: 'actions', block_id: `storm:${storm.id}:${shape}`, elements });
  }
  return { text: t('incidents.storm.fallback', { count: members.length }), blocks };
}
