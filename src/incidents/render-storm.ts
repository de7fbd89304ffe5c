import type { Report, ReportBlock, ReportControl } from '../report/report.ts';
import { LIMITS, truncate } from '../slack/limits.ts';
import { messageLink } from '../slack/permalink.ts';
import { esc, shown, utc } from './format.ts';
import { ACTIONS, type RenderContext } from './render-root.ts';

export interface StormMember {
  id: number;
  alertname: string;
  summary: string;
  status: 'firing' | 'resolved';
  alerts: number;
  startedAt: Date;
  /** The group's severity label ('' when it has none). */
  severity?: string;
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

/** Up to this many groups a storm message gives each group a line of its own (status, summary, count). */
export const DETAILED_MAX = 40;

/** What a storm message shows: the message, and the groups it could not name (listed in a file). */
export interface RenderedStorm extends Report {
  /** Groups not named in the message for lack of room: the full list goes to a file in its thread. */
  unnamed: number;
}

/**
 * A storm message. Up to DETAILED_MAX groups: one line each. More: counts first (by status and
 * severity), then every group's name grouped by severity and alert name, so that hundreds of
 * groups fit one message; names that do not fit are counted and the full list is a file in the
 * message's thread (`unnamed` > 0 tells the sync to upload it).
 */
export function renderStorm(
  members: readonly StormMember[],
  ctx: RenderContext,
  storm: StormRef,
): RenderedStorm {
  if (members.length <= DETAILED_MAX) return { ...renderDetailed(members, ctx, storm), unnamed: 0 };
  return renderCompact(members, ctx, storm);
}

/** The full list of a storm's groups, one per line (tab-separated), for the file in its thread. */
export function stormListFile(members: readonly StormMember[], ctx: RenderContext): string {
  const header = ['status', 'severity', 'alertname', 'labels', 'alerts', 'started', 'summary'].join('\t');
  const clean = (v: string) => ctx.redact(v).replace(/[\t\r\n]+/g, ' ');
  const rows = sorted(members).map((m) =>
    [
      m.status,
      m.severity || '-',
      clean(m.alertname),
      clean(
        Object.entries(m.groupLabels ?? {})
          .filter(([k]) => k !== 'alertname')
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ),
      String(m.alerts),
      utc(m.startedAt),
      clean(m.summary),
    ].join('\t'),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

const SEVERITY_ORDER = ['critical', 'error', 'high', 'warning', 'medium', 'low', 'info', 'none'];
function severityRank(s: string): number {
  const i = SEVERITY_ORDER.indexOf(s.toLowerCase());
  return i === -1 ? SEVERITY_ORDER.length : i;
}

const NAMES = new Intl.Collator('en', { numeric: true });

/** Firing first, then by severity (most severe first), alert name and id. */
function sorted(members: readonly StormMember[]): StormMember[] {
  return [...members].sort(
    (a, b) =>
      Number(a.status !== 'firing') - Number(b.status !== 'firing') ||
      severityRank(a.severity ?? '') - severityRank(b.severity ?? '') ||
      NAMES.compare(a.alertname, b.alertname) ||
      a.id - b.id,
  );
}

const NAME_MAX = 40;

function renderCompact(members: readonly StormMember[], ctx: RenderContext, storm: StormRef): RenderedStorm {
  const { t } = ctx;
  const firing = members.filter((m) => m.status === 'firing').length;
  const title = t('incidents.storm.title', { count: members.length, firing });
  const candidates = members.filter((m) => m.status === 'firing' && !m.thread);
  // Names come first; the select keeps room for at least one full menu of short options and
  // takes whatever the names leave.
  const budget = LIMITS.totalBlockText - 1_000;
  const selectReserve =
    Math.min(candidates.length, SELECT_MAX_OPTIONS) * MIN_ITEM + (candidates.length ? 150 : 0);

  // Counts first: by status, then by severity (firing groups).
  const bySeverity = new Map<string, number>();
  for (const m of members) {
    if (m.status !== 'firing') continue;
    const sev = m.severity || '—';
    bySeverity.set(sev, (bySeverity.get(sev) ?? 0) + 1);
  }
  const severityCounts = [...bySeverity.entries()]
    .sort((a, b) => severityRank(a[0]) - severityRank(b[0]))
    .map(([sev, n]) => t('incidents.storm.severityCount', { severity: esc(sev), count: n }))
    .join(' · ');
  const counts = t('incidents.storm.counts', {
    firing,
    resolved: members.length - firing,
    severities: severityCounts || '—',
  });

  // Sections: one heading per (status, severity), then the alert names, "×n" for several groups of
  // one alert name; promoted groups link to their thread while the link budget lasts.
  let linkBudget = Math.floor(budget / 6);
  type Bucket = { heading: string; names: Map<string, { count: number; links: string[] }> };
  const buckets: Bucket[] = [];
  let current: Bucket | undefined;
  let currentKey = '';
  for (const m of sorted(members)) {
    const key = `${m.status}|${m.severity ?? ''}`;
    if (key !== currentKey || !current) {
      currentKey = key;
      const n = members.filter(
        (x) => x.status === m.status && (x.severity ?? '') === (m.severity ?? ''),
      ).length;
      current = {
        heading: t('incidents.storm.bucket', {
          icon: m.status === 'firing' ? '🔥' : '✅',
          severity: esc(m.severity || '—'),
          count: n,
        }),
        names: new Map(),
      };
      buckets.push(current);
    }
    const name = esc(truncate(ctx.redact(m.alertname) || `#${m.id}`, NAME_MAX));
    const entry = current.names.get(name) ?? { count: 0, links: [] };
    entry.count += 1;
    if (m.thread) {
      const link = m.thread.rootTs ? `<${messageLink(storm.channel, m.thread.rootTs)}|🧵>` : '🧵';
      if (link.length + 1 <= linkBudget) {
        entry.links.push(link);
        linkBudget -= link.length + 1;
      }
    }
    current.names.set(name, entry);
  }

  const blocks: ReportBlock[] = [{ kind: 'text', markup: true, text: counts }];
  let textLeft = budget - selectReserve - counts.length - title.length - 400;
  let named = 0;
  let unnamed = 0;
  const maxSections = LIMITS.blocksPerMessage - 6;
  let sections = 0;
  for (const b of buckets) {
    let chunk = `*${b.heading}*\n`;
    let items = 0;
    let chunkGroups = 0;
    const flush = () => {
      if (sections >= maxSections) {
        // No block left: what this chunk named is not shown after all.
        named -= chunkGroups;
        unnamed += chunkGroups;
        chunk = '';
        items = 0;
        chunkGroups = 0;
        return false;
      }
      blocks.push({ kind: 'text', markup: true, text: chunk.replace(/ · $/, '') });
      sections += 1;
      textLeft -= chunk.length;
      chunk = '';
      items = 0;
      chunkGroups = 0;
      return true;
    };
    let full = false;
    for (const [name, e] of b.names) {
      const item = `${name}${e.count > 1 ? ` ×${e.count}` : ''}${e.links.length ? ` ${e.links.join(' ')}` : ''} · `;
      if (!full && chunk.length + item.length > LIMITS.sectionText - 50 && !flush()) full = true;
      if (full || item.length > textLeft - chunk.length) {
        full = true;
        unnamed += e.count;
        continue;
      }
      chunk += item;
      items += 1;
      chunkGroups += e.count;
      named += e.count;
    }
    if (items > 0) flush();
  }
  if (unnamed > 0) {
    blocks.push({
      kind: 'context',
      markup: true,
      items: [t('incidents.storm.more', { count: unnamed, total: named + unnamed })],
    });
  }
  blocks.push({ kind: 'context', markup: true, items: [t('incidents.storm.intro')] });

  // Each select's placeholder takes about 40 characters of the budget.
  const maxOffer = Math.min(candidates.length, LIMITS.actionsElements * SELECT_MAX_OPTIONS);
  const optionBudget = selectReserve + Math.max(0, textLeft) - 40 * Math.ceil(maxOffer / SELECT_MAX_OPTIONS);
  const optionMax = Math.max(
    MIN_ITEM,
    Math.min(OPTION_TEXT_MAX, Math.floor(optionBudget / Math.max(1, candidates.length))),
  );
  const offerable = Math.max(0, Math.min(maxOffer, Math.floor(optionBudget / optionMax)));
  const offered = candidates.slice(0, offerable);
  const selects = Math.ceil(offered.length / SELECT_MAX_OPTIONS);

  if (selects > 0) {
    const controls: ReportControl[] = [];
    for (let i = 0; i < selects; i += 1) {
      const placeholder =
        selects > 1 || offered.length < candidates.length
          ? t('incidents.storm.promotePart', {
              from: i * SELECT_MAX_OPTIONS + 1,
              to: Math.min(offered.length, (i + 1) * SELECT_MAX_OPTIONS),
            })
          : t('incidents.storm.promote');
      controls.push({
        kind: 'select',
        id: i === 0 ? ACTIONS.promote : `${ACTIONS.promote}:${i}`,
        placeholder,
        options: offered.slice(i * SELECT_MAX_OPTIONS, (i + 1) * SELECT_MAX_OPTIONS).map((m) => ({
          label: optionText(m, ctx, optionMax),
          value: String(m.id),
        })),
      });
    }
    const shape = `${members.length}:${firing}:${members.filter((m) => m.thread).length}`;
    blocks.push({ kind: 'actions', id: `storm:${storm.id}:${shape}`, controls });
  }
  return { title, notification: t('incidents.storm.fallback', { count: members.length }), blocks, unnamed };
}

/**
 * A storm message: every group of the page, one line each, so nothing is dropped, and a select to
 * open an incident thread for one of the groups still firing. Promoted groups stay listed, linking
 * to their thread. Lines and options are cut to lengths that keep the whole page within Block
 * Kit's total-text limit.
 */
function renderDetailed(members: readonly StormMember[], ctx: RenderContext, storm: StormRef): Report {
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
  const blocks: ReportBlock[] = [{ kind: 'context', markup: true, items: [t('incidents.storm.intro')] }];
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length) blocks.push({ kind: 'text', markup: true, text: chunk.join('\n') });
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
    const controls: ReportControl[] = [];
    for (let i = 0; i < selects; i += 1) {
      controls.push({
        kind: 'select',
        id: i === 0 ? ACTIONS.promote : `${ACTIONS.promote}:${i}`,
        placeholder: placeholder(i),
        options: offered
          .slice(i * SELECT_MAX_OPTIONS, (i + 1) * SELECT_MAX_OPTIONS)
          .map((m) => ({ label: optionText(m, ctx, perOption), value: String(m.id) })),
      });
    }
    // A new block_id whenever the offer changes: Slack keeps a select's chosen option across edits
    // of a block it considers the same, so a promoted group would otherwise still look selected.
    const shape = `${members.length}:${firing}:${suffixes.size}`;
    blocks.push({ kind: 'actions', id: `storm:${storm.id}:${shape}`, controls });
  }
  return { title, notification: t('incidents.storm.fallback', { count: members.length }), blocks };
}
