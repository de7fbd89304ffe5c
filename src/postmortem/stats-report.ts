import type { Locale, Translate } from '../i18n/index.ts';
import { formatDuration } from '../incidents/format.ts';
import type { ReportBlock } from '../report/report.ts';
import type { GroupStats, IncidentStats, NoiseStats } from './stats.ts';

function columns(t: Translate, key: string): string[] {
  return t(key, { returnObjects: true }) as unknown as string[];
}

function table(t: Translate, locale: Locale, title: string, groups: readonly GroupStats[]): ReportBlock {
  const d = (ms: number | null) => formatDuration(ms, locale);
  return {
    kind: 'table',
    table: {
      title,
      columns: columns(t, 'postmortem.stats.columns'),
      rows: groups
        .slice(0, 15)
        .map((g) => [
          g.name,
          String(g.incidents),
          d(g.mtta.median),
          d(g.mtta.p90),
          d(g.mttr.median),
          d(g.mttr.p90),
        ]),
    },
  };
}

/** MTTA/MTTR tables (per alert and per service) of one period. */
export function statsBlocks(t: Translate, locale: Locale, s: IncidentStats): ReportBlock[] {
  const summary = t('postmortem.stats.summary', {
    count: s.incidents,
    mtta: formatDuration(s.overall.mtta.median, locale),
    mttr: formatDuration(s.overall.mttr.median, locale),
  });
  if (s.incidents === 0)
    return [
      {
        kind: 'text',
        text: `${t('postmortem.stats.title', { days: s.days })}: ${t('postmortem.stats.none')}`,
      },
    ];
  return [
    { kind: 'text', text: `${t('postmortem.stats.title', { days: s.days })}: ${summary}` },
    table(t, locale, `${t('postmortem.stats.byAlert')} (${s.days}d)`, s.byAlert),
    table(t, locale, `${t('postmortem.stats.byService')} (${s.days}d)`, s.byService),
  ];
}

/** Noisiest and most flapping alerts. */
export function noiseBlocks(t: Translate, n: NoiseStats): ReportBlock[] {
  const out: ReportBlock[] = [];
  if (n.noisiest.length) {
    out.push({
      kind: 'table',
      table: {
        title: t('postmortem.stats.noisiest'),
        columns: columns(t, 'postmortem.stats.noisyColumns'),
        rows: n.noisiest.map((x) => [x.alertname, String(x.incidents), String(x.alerts)]),
      },
    });
  }
  if (n.flapping.length) {
    out.push({
      kind: 'table',
      table: {
        title: t('postmortem.stats.flapping'),
        columns: columns(t, 'postmortem.stats.flapColumns'),
        rows: n.flapping.map((x) => [x.alertname, String(x.flaps), String(x.incidents)]),
      },
    });
  }
  return out;
}
