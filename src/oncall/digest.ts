import type { Deps } from '../deps.ts';
import type { Translate } from '../i18n/index.ts';
import { quietFiringIncidents } from '../incidents/store.ts';
import type { ReportBlock } from '../report/report.ts';
import { localTime, roster } from './roster.ts';

/** The digest's on-call section: who is on call today, and open incidents nobody has touched for long. */
export interface OncallDigest {
  today: Array<{ schedule: string; user: string | null; until: string | null }>;
  quiet: Array<{ id: number; alertname: string; idleMinutes: number }>;
}

export async function collectOncallDigest(deps: Deps, now: Date): Promise<OncallDigest | undefined> {
  const config = deps.config.file.oncall;
  if (!config) return undefined;
  const entries = await roster(deps.pool, config, now);
  const quiet = await quietFiringIncidents(deps.pool, new Date(now.getTime() - config.quietAfter), 10);
  return {
    today: entries.map((e) => ({
      schedule: e.schedule.name,
      user: e.now?.user ?? null,
      until: e.next ? localTime(e.next.from, e.schedule.timeZone) : null,
    })),
    quiet: quiet.map((r) => ({
      id: r.id,
      alertname: deps.redact(r.alertname),
      idleMinutes: Math.round((now.getTime() - r.last.getTime()) / 60_000),
    })),
  };
}

/** Plain text blocks (the renderer escapes them); user IDs shown as @U…. */
export function oncallDigestBlocks(d: OncallDigest, t: Translate): ReportBlock[] {
  const blocks: ReportBlock[] = [
    {
      kind: 'fields',
      fields: d.today.map((e) => ({
        label: e.schedule,
        value: t('oncall.digest.value', {
          user: e.user ? `@${e.user}` : t('oncall.nobody'),
          until: e.until ?? '—',
        }),
        tone: e.user ? 'ok' : 'warn',
      })),
    },
  ];
  if (d.quiet.length) {
    blocks.push({
      kind: 'text',
      text: `${t('oncall.digest.quiet')}\n${d.quiet
        .map((q) =>
          t('oncall.digest.quietLine', { id: q.id, alertname: q.alertname, minutes: q.idleMinutes }),
        )
        .join('\n')}`,
    });
  }
  return blocks;
}
