import type { Config } from '../config.ts';
import type { Locale, Translate } from '../i18n/index.ts';
import { formatDuration } from '../incidents/format.ts';
import type { Queryable } from '../incidents/store.ts';
import type { ReportBlock } from '../report/report.ts';
import { type IncidentStats, incidentStats, type NoiseStats, noiseStats } from './stats.ts';
import { noiseBlocks, statsBlocks } from './stats-report.ts';
import { type Followup, listFollowups } from './store.ts';

/** The digest's post-incident section: overdue follow-ups, MTTA/MTTR, noisy and flapping alerts. */
export interface PostIncidentFigures {
  locale: Locale;
  overdue: Followup[];
  week: IncidentStats;
  month: IncidentStats;
  noise: NoiseStats;
}

export type PostIncidentSection =
  | { state: 'ok'; value: PostIncidentFigures }
  | { state: 'error'; reason: string };

const SHOWN = 10;

export async function readPostIncident(
  db: Queryable,
  config: Pick<Config, 'services' | 'locale'>,
  now: Date,
): Promise<PostIncidentSection> {
  try {
    const [overdue, week, month, noise] = await Promise.all([
      listFollowups(db, { kind: 'overdue' }, now, 200),
      incidentStats(db, config.services, now, 7),
      incidentStats(db, config.services, now, 30),
      noiseStats(db, now, 7),
    ]);
    return { state: 'ok', value: { locale: config.locale, overdue, week, month, noise } };
  } catch (err) {
    return { state: 'error', reason: (err as Error).message };
  }
}

/** Report blocks of the section (plain text: the digest's renderer escapes it). */
export function renderPostIncident(s: PostIncidentSection, t: Translate): ReportBlock[] {
  if (s.state !== 'ok') return [{ kind: 'text', text: `${t('postmortem.digest.title')}: ${s.reason}` }];
  const { locale, overdue, week, month, noise } = s.value;
  const d = (ms: number | null) => formatDuration(ms, locale);
  const out: ReportBlock[] = [];
  out.push({ kind: 'text', text: `${t('postmortem.digest.title')} (${overdue.length})` });
  if (overdue.length) {
    out.push({
      kind: 'table',
      table: {
        columns: t('postmortem.followups.columns', { returnObjects: true }) as unknown as string[],
        rows: overdue
          .slice(0, SHOWN)
          .map((f) => [
            String(f.id),
            `#${f.incidentId}`,
            f.title,
            f.owner,
            f.dueOn,
            t('postmortem.followups.overdue'),
          ]),
      },
    });
    if (overdue.length > SHOWN)
      out.push({ kind: 'text', text: t('postmortem.digest.more', { count: overdue.length - SHOWN }) });
  }
  out.push({
    kind: 'text',
    text: t('postmortem.digest.mttx', {
      mtta: d(month.overall.mtta.median),
      mtta90: d(month.overall.mtta.p90),
      mttr: d(month.overall.mttr.median),
      mttr90: d(month.overall.mttr.p90),
      count: month.incidents,
    }),
  });
  out.push(...statsBlocks(t, locale, week), ...noiseBlocks(t, noise));
  return out;
}
