import type { Translate } from '../i18n/index.ts';
import { oncallDigestBlocks } from '../oncall/digest.ts';
import { renderPostIncident } from '../postmortem/digest.ts';
import type { Report, ReportBlock, ReportField, ReportLink, Tone } from '../report/report.ts';
import type { CapacityFigures } from './capacity.ts';
import type { DigestData, Section } from './collect.ts';
import {
  count,
  dateIn,
  dateTimeIn,
  ms,
  percent,
  pointChange,
  relativeChange,
  rps,
  sparkline,
} from './format.ts';
import { renderBackups, renderIncidents, renderResources, renderSlowQueries } from './render-more.ts';
import type { ServiceFigures } from './services.ts';

export interface RenderContext {
  t: Translate;
  timeZone: string;
}

const dash = '—';
const opt = <T>(v: T | undefined, f: (x: T) => string) => (v === undefined ? dash : f(v));
const squash = (s: string) =>
  s
    .replace(/ +/g, ' ')
    .replace(/ (\n|$)/g, '$1')
    .trim();

/** The "no data" line of a section whose source is down. */
export function downBlock<T>(s: Extract<Section<T>, { ok: false }>, ctx: RenderContext): ReportBlock {
  if (s.hint === 'pg_stat_statements') return { kind: 'text', text: ctx.t('digest.slow.notInstalled') };
  if (s.notSet)
    return { kind: 'text', text: ctx.t('digest.sourceNotSet', { source: s.source, setting: s.notSet }) };
  return { kind: 'text', text: ctx.t('digest.sourceDown', { source: s.source, reason: s.reason }) };
}

function serviceTone(s: ServiceFigures): Tone {
  if (s.availability === undefined) return 'unknown';
  if (s.availability < 0.99) return 'error';
  if (s.availability < 0.999 || (s.errorRatio ?? 0) > 0.01 || (s.p95 ?? 0) > 1) return 'warn';
  return 'ok';
}

function serviceField(s: ServiceFigures, t: Translate): ReportField {
  const lines = [
    t('digest.service.availability', {
      value: opt(s.availability, (v) => percent(v)),
      change: pointChange(s.availability, s.availabilityBefore),
    }),
    t('digest.service.requests', {
      value: opt(s.requests, count),
      change: relativeChange(s.requests, s.requestsBefore),
      peak: opt(s.peakRps, rps),
      peakChange: relativeChange(s.peakRps, s.peakRpsBefore),
    }),
    t('digest.service.latency', {
      p95: opt(s.p95, ms),
      p95Change: relativeChange(s.p95, s.p95Before),
      errors: opt(s.errorRatio, (v) => percent(v)),
      errorsChange: pointChange(s.errorRatio, s.errorRatioBefore),
    }),
    t('digest.service.trend', { rps: sparkline(s.rpsTrend) || dash, p95: sparkline(s.p95Trend) || dash }),
  ];
  return { label: s.job, value: lines.map(squash).join('\n'), tone: serviceTone(s) };
}

function capacityFields(c: CapacityFigures, ctx: RenderContext): ReportField[] {
  const { t } = ctx;
  const growth = `${Math.round(c.plan.requestGrowthPerYear * 100)}%`;
  const fields: ReportField[] = [];
  if (c.peakRps === undefined || c.headroom === undefined) {
    return [{ label: t('digest.capacity.peak'), value: t('digest.noData'), tone: 'unknown' }];
  }
  fields.push({
    label: t('digest.capacity.peak'),
    value:
      c.headroom < 0
        ? t('digest.capacity.overPlan', { peak: rps(c.peakRps), plan: c.plan.peakRps })
        : squash(
            t('digest.capacity.peakValue', {
              peak: rps(c.peakRps),
              change: relativeChange(c.peakRps, c.peakRpsBefore),
              headroom: percent(c.headroom, 1),
            }),
          ),
    tone: c.headroom < 0 ? 'error' : c.headroom < 0.2 ? 'warn' : 'ok',
  });
  if (c.avgResponse !== undefined) {
    fields.push({
      label: t('digest.capacity.avgResponse'),
      value: t('digest.capacity.avgValue', { avg: ms(c.avgResponse), plan: c.plan.avgResponseMs }),
      tone: c.avgResponse * 1000 > c.plan.avgResponseMs ? 'warn' : 'ok',
    });
  }
  let trend: string;
  if (c.dailyGrowth === undefined) trend = t('digest.capacity.trendUnknown');
  else if (c.trendCrossing)
    trend = t('digest.capacity.trendValue', {
      growth: `+${c.dailyGrowth.toFixed(1)}`,
      date: dateIn(c.trendCrossing, ctx.timeZone),
      days: c.trendDays,
    });
  else trend = t('digest.capacity.trendFlat', { days: c.trendDays });
  fields.push({ label: t('digest.capacity.trend'), value: trend });
  if (c.planCrossing) {
    fields.push({
      label: t('digest.capacity.planGrowth', { growth }),
      value: t('digest.capacity.planValue', {
        peak: c.plan.peakRps,
        date: dateIn(c.planCrossing, ctx.timeZone),
      }),
    });
  }
  return fields;
}

function heading(text: string, extra?: string): ReportBlock {
  return { kind: 'text', text: extra ? `${text} · ${extra}` : text };
}

const WORST: Tone[] = ['error', 'warn', 'unknown', 'ok'];

/** The digest as a Report: the Block Kit renderer keeps it within Slack's limits. */
export function digestReport(data: DigestData, ctx: RenderContext, opts: { preview?: boolean } = {}): Report {
  const { t } = ctx;
  const blocks: ReportBlock[] = [];
  const links: ReportLink[] = [];
  const missing: string[] = [];
  const tones: Tone[] = [];
  const summary: string[] = [];

  // Services
  blocks.push(heading(t('digest.section.services'), t('digest.window')));
  if (!data.services.ok) {
    missing.push(t('digest.names.services'));
    blocks.push(downBlock(data.services, ctx));
  } else if (data.services.value.length === 0) {
    missing.push(t('digest.names.services'));
    blocks.push({ kind: 'text', text: t('digest.noServices', { jobs: data.config.jobs }) });
  } else {
    const fields = data.services.value.map((s) => serviceField(s, t));
    tones.push(...fields.map((f) => f.tone ?? 'unknown'));
    blocks.push({ kind: 'fields', fields });
    const worst = [...data.services.value].sort((a, b) => (a.availability ?? 2) - (b.availability ?? 2))[0];
    if (worst)
      summary.push(
        t('digest.summary.services', {
          count: data.services.value.length,
          worst: `${worst.job} ${opt(worst.availability, (v) => percent(v))}`,
        }),
      );
  }

  // Capacity
  const plan = data.config.capacity;
  blocks.push(
    heading(
      t('digest.section.capacity'),
      t('digest.capacity.planLine', {
        peak: plan.peakRps,
        avg: plan.avgResponseMs,
        growth: `${Math.round(plan.requestGrowthPerYear * 100)}%`,
      }),
    ),
  );
  if (!data.capacity.ok) {
    missing.push(t('digest.names.capacity'));
    blocks.push(downBlock(data.capacity, ctx));
  } else {
    const fields = capacityFields(data.capacity.value, ctx);
    tones.push(fields[0]?.tone ?? 'unknown');
    blocks.push({ kind: 'fields', fields });
    const c = data.capacity.value;
    if (c.peakRps !== undefined && c.headroom !== undefined)
      summary.push(t('digest.summary.peak', { peak: rps(c.peakRps), headroom: percent(c.headroom, 1) }));
  }

  // Resources
  blocks.push(heading(t('digest.section.resources')));
  if (!data.resources.ok) {
    missing.push(t('digest.names.resources'));
    blocks.push(downBlock(data.resources, ctx));
  } else {
    const fields = renderResources(data.resources.value, data.config.diskThreshold, ctx);
    if (fields.length === 0) blocks.push({ kind: 'text', text: t('digest.noData') });
    else {
      tones.push(...fields.map((f) => f.tone ?? 'ok'));
      blocks.push({ kind: 'fields', fields });
    }
  }

  // Incidents and backups (tables of other features)
  blocks.push(heading(t('digest.section.incidents')));
  const inc = renderIncidents(data.incidents, ctx);
  blocks.push(...inc.blocks);
  links.push(...inc.links);
  if (inc.missing) missing.push(t('digest.names.incidents'));
  if (inc.opened !== undefined) summary.push(t('digest.summary.incidents', { count: inc.opened }));
  if (data.postIncident) {
    blocks.push(...renderPostIncident(data.postIncident, t));
    if (data.postIncident.state === 'ok' && data.postIncident.value.overdue.length) tones.push('warn');
  }

  // On call (only when configured)
  if (data.oncall && (!data.oncall.ok || data.oncall.value)) {
    blocks.push(heading(t('oncall.digest.title')));
    if (!data.oncall.ok) blocks.push(downBlock(data.oncall, ctx));
    else if (data.oncall.value) blocks.push(...oncallDigestBlocks(data.oncall.value, t));
  }

  blocks.push(heading(t('digest.section.backups')));
  const bk = renderBackups(data.backups, ctx, data.now);
  blocks.push(...bk.blocks);
  if (bk.missing) missing.push(t('digest.names.backups'));
  if (bk.tone) tones.push(bk.tone);

  // Slow queries
  blocks.push(heading(t('digest.section.slowQueries')));
  if (!data.slowQueries.ok) {
    missing.push(t('digest.names.slowQueries'));
    blocks.push(downBlock(data.slowQueries, ctx));
  } else blocks.push(...renderSlowQueries(data.slowQueries.value, ctx));

  summary.push(
    missing.length
      ? t('digest.summary.missing', { sections: missing.join(t('digest.listSep')) })
      : t('digest.summary.allGood'),
  );
  const tone = WORST.find((w) => tones.includes(w)) ?? 'unknown';
  const context = [t('digest.generatedAt', { time: dateTimeIn(data.now, ctx.timeZone), tz: ctx.timeZone })];
  if (!opts.preview) {
    context.push(
      data.chart.ok ? t('digest.chartAttached') : t('digest.chartMissing', { reason: data.chart.reason }),
    );
  }
  return {
    title: t(opts.preview ? 'digest.previewTitle' : 'digest.title', { date: data.day }),
    tone: missing.length && tone === 'ok' ? 'warn' : tone,
    summary: summary.join(' · '),
    blocks,
    links: links.slice(0, 5),
    context,
    data: { day: data.day, missing },
  };
}
