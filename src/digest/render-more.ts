import type { ReportBlock, ReportField, ReportLink, Tone } from '../report/report.ts';
import { truncate } from '../slack/limits.ts';
import { messageLink } from '../slack/permalink.ts';
import { bytes, count, dateTimeIn, percent } from './format.ts';
import type { RenderContext } from './render.ts';
import type { ResourceFigures } from './resources.ts';
import type { SlowQueryFigures } from './slow-queries.ts';
import type { BackupFigures, IncidentFigures, StoreSection } from './store-sections.ts';

const dash = '—';
const pct1 = (v: number | undefined) => (v === undefined ? dash : `${v.toFixed(1)}%`);

/** 95 → "1 分钟" / "1 min" (rounded to the largest sensible unit). */
export function duration(seconds: number | undefined, ctx: RenderContext): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return dash;
  const s = Math.max(0, seconds);
  if (s < 60) return ctx.t('digest.duration.s', { n: Math.round(s) });
  if (s < 3600) return ctx.t('digest.duration.m', { n: Math.round(s / 60) });
  if (s < 86_400) return ctx.t('digest.duration.h', { n: (s / 3600).toFixed(1) });
  return ctx.t('digest.duration.d', { n: (s / 86_400).toFixed(1) });
}

export function renderResources(r: ResourceFigures, threshold: number, ctx: RenderContext): ReportField[] {
  const { t } = ctx;
  const th = `${Math.round(threshold * 100)}%`;
  const fields: ReportField[] = r.instances.map((i) => {
    let days: string;
    if (i.diskUsed !== undefined && i.diskUsed >= threshold)
      days = t('digest.resources.diskOver', { threshold: th });
    else if (i.diskDays === undefined) days = t('digest.resources.diskSteady');
    else if (i.diskDays <= 0) days = t('digest.resources.diskOver', { threshold: th });
    else days = t('digest.resources.diskDays', { days: i.diskDays.toFixed(1), threshold: th });
    const disk =
      i.diskUsed === undefined ? dash : t('digest.resources.disk', { used: percent(i.diskUsed, 1), days });
    const tone: Tone =
      i.diskUsed !== undefined && (i.diskUsed >= threshold || (i.diskDays !== undefined && i.diskDays < 7))
        ? 'error'
        : (i.cpuMax ?? 0) > 90 || (i.memoryMax ?? 0) > 90
          ? 'warn'
          : 'ok';
    return {
      label: i.instance || dash,
      tone,
      value: t('digest.resources.instance', {
        cpuAvg: pct1(i.cpuAvg),
        cpuMax: pct1(i.cpuMax),
        memAvg: pct1(i.memoryAvg),
        memMax: pct1(i.memoryMax),
        disk,
      }),
    };
  });
  for (const p of r.postgres) {
    const ratio = p.max ? p.peak / p.max : undefined;
    fields.push({
      label: t('digest.resources.postgres', { instance: p.instance }).trim(),
      tone: ratio !== undefined && ratio > 0.8 ? 'warn' : 'ok',
      value: t('digest.resources.postgresValue', {
        peak: Math.round(p.peak),
        max: p.max === undefined ? dash : Math.round(p.max),
        ratio: ratio === undefined ? dash : percent(ratio, 0),
      }),
    });
  }
  const redis = r.redis;
  if (redis.usedBytes !== undefined || redis.hitRatio !== undefined) {
    fields.push({
      label: t('digest.resources.redis'),
      value: t('digest.resources.redisValue', {
        used: redis.usedBytes === undefined ? dash : bytes(redis.usedBytes),
        peak: redis.peakBytes === undefined ? dash : bytes(redis.peakBytes),
        max: redis.maxBytes === undefined ? t('digest.resources.unlimited') : bytes(redis.maxBytes),
        hit: redis.hitRatio === undefined ? dash : percent(redis.hitRatio, 1),
      }),
    });
  }
  return fields;
}

interface Rendered {
  blocks: ReportBlock[];
  links: ReportLink[];
  missing: boolean;
  opened?: number;
  tone?: Tone;
}

function unreadable(reason: string, table: string, ctx: RenderContext): Rendered {
  return {
    blocks: [{ kind: 'text', text: ctx.t('digest.tableError', { table, reason }) }],
    links: [],
    missing: true,
  };
}

export function renderIncidents(s: StoreSection<IncidentFigures>, ctx: RenderContext): Rendered {
  if (s.state !== 'ok') return unreadable(s.reason, 'incidents', ctx);
  const { t } = ctx;
  const v = s.value;
  const quiet =
    v.opened === 0 &&
    v.openCount === 0 &&
    v.flapping.length === 0 &&
    v.ackWorst === undefined &&
    v.resolveWorst === undefined;
  if (quiet)
    return {
      blocks: [{ kind: 'text', text: t('digest.incidents.empty') }],
      links: [],
      missing: false,
      opened: 0,
    };
  const none = t('digest.incidents.none');
  const links: ReportLink[] = [];
  for (const o of v.stillOpen) {
    if (o.threadTs)
      links.push({ label: truncate(o.summary ?? o.alertname, 60), url: messageLink(o.channel, o.threadTs) });
  }
  const openLines = v.stillOpen.map((o) =>
    t('digest.incidents.openLine', {
      alert: o.alertname,
      summary: o.summary ? ` · ${truncate(o.summary, 80)}` : '',
      since: dateTimeIn(o.startedAt, ctx.timeZone),
    }),
  );
  if (v.openCount > v.stillOpen.length)
    openLines.push(t('digest.incidents.more', { count: v.openCount - v.stillOpen.length }));
  const noisiest = v.byAlert
    .slice(0, 3)
    .map((a) => `${a.alertname} ×${a.count + a.flaps}`)
    .join(', ');
  const fields: ReportField[] = [
    {
      label: t('digest.incidents.opened'),
      value: v.opened
        ? t('digest.incidents.openedValue', {
            count: v.opened,
            list: [...v.byAlert]
              .sort((a, b) => b.count - a.count || a.alertname.localeCompare(b.alertname))
              .slice(0, 10)
              .map((a) => `${a.alertname} ×${a.count}`)
              .join(', '),
          })
        : '0',
    },
    {
      label: t('digest.incidents.ack'),
      value: t('digest.incidents.timing', {
        median: duration(v.ackMedian, ctx),
        worst: duration(v.ackWorst, ctx),
      }),
    },
    {
      label: t('digest.incidents.resolve'),
      value: t('digest.incidents.timing', {
        median: duration(v.resolveMedian, ctx),
        worst: duration(v.resolveWorst, ctx),
      }),
    },
    {
      label: t('digest.incidents.stillOpen', { count: v.openCount }),
      tone: v.openCount ? 'warn' : 'ok',
      value: openLines.join('\n') || none,
    },
    {
      label: t('digest.incidents.flapping'),
      value:
        v.flapping
          .map((f) => t('digest.incidents.flapLine', { alert: f.alertname, count: f.flaps }))
          .join(', ') || none,
    },
    { label: t('digest.incidents.noisiest'), value: noisiest || none },
  ];
  return { blocks: [{ kind: 'fields', fields }], links, missing: false, opened: v.opened };
}

export function renderBackups(
  s: StoreSection<BackupFigures>,
  ctx: RenderContext,
  now = new Date(),
): Rendered {
  if (s.state !== 'ok') return unreadable(s.reason, 'backup_runs', ctx);
  const { t } = ctx;
  const fields: ReportField[] = s.value.targets.map((b) => {
    if (!b.lastGood) return { label: b.target, tone: 'error', value: t('digest.backups.neverGood') };
    const age = (now.getTime() - b.lastGood.finishedAt.getTime()) / 1000;
    return {
      label: b.target,
      tone: age > 36 * 3600 ? 'warn' : 'ok',
      value: t('digest.backups.lastGood', {
        at: dateTimeIn(b.lastGood.finishedAt, ctx.timeZone),
        age: duration(age, ctx),
        size: b.lastGood.bytes === undefined ? '' : ` · ${bytes(b.lastGood.bytes)}`,
      }),
    };
  });
  if (s.value.failures.length) {
    fields.push({
      label: t('digest.backups.failures'),
      tone: 'error',
      value: s.value.failures
        .map((f) =>
          t(f.status === 'interrupted' ? 'digest.backups.interruptedLine' : 'digest.backups.failureLine', {
            target: f.target,
            at: dateTimeIn(f.at, ctx.timeZone),
          }),
        )
        .join('\n'),
    });
  }
  if (fields.length === 0)
    return { blocks: [{ kind: 'text', text: t('digest.backups.empty') }], links: [], missing: false };
  const tone: Tone = fields.some((f) => f.tone === 'error')
    ? 'error'
    : fields.some((f) => f.tone === 'warn')
      ? 'warn'
      : 'ok';
  return { blocks: [{ kind: 'fields', fields }], links: [], missing: false, tone };
}

const msText = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(1)} ms`);

export function renderSlowQueries(s: SlowQueryFigures, ctx: RenderContext): ReportBlock[] {
  const { t } = ctx;
  if (s.top.length === 0) return [{ kind: 'text', text: t('digest.noData') }];
  const columns = t('digest.slow.columns', { returnObjects: true }) as unknown as string[];
  const rows = s.top.map((q, i) => [
    String(i + 1),
    msText(q.totalMs),
    q.totalMsSince !== undefined
      ? `+${msText(q.totalMsSince)}`
      : s.comparedWith
        ? t('digest.slow.new')
        : dash,
    count(q.calls),
    msText(q.meanMs),
    truncate(q.query, 80),
  ]);
  const blocks: ReportBlock[] = [{ kind: 'table', table: { columns, rows } }];
  if (!s.comparedWith) blocks.push({ kind: 'text', text: t('digest.slow.noBaseline') });
  return blocks;
}
