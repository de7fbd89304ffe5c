import type { ServiceConfig } from '../config.ts';
import type { Deps } from '../deps.ts';
import { firingIncidents } from '../incidents/store.ts';
import type { ReportBlock, ReportLink } from '../report/report.ts';
import { messageLink } from '../slack/permalink.ts';
import { isBotTablesMissing } from '../store/db.ts';

export interface OpenIncident {
  id: number;
  alertname: string;
  /** The incident's thread, or its storm message when it was stormed; none before it is posted. */
  link?: string;
}

const SHOWN = 10;

/**
 * Firing incidents (newest first), all or those of one service (its job or `service` label), with
 * links to their threads. Stormed incidents link to their storm message.
 */
export async function openIncidents(
  deps: Deps,
  service?: ServiceConfig,
): Promise<{ total: number; incidents: OpenIncident[] }> {
  const { total, rows } = await firingIncidents(
    deps.pool,
    service ? { job: service.job ?? service.name, service: service.name } : undefined,
    SHOWN,
  );
  return {
    total,
    incidents: rows.map((row) => ({
      id: row.id,
      alertname: row.alertname,
      ...(row.threadTs ? { link: messageLink(row.channel, row.threadTs) } : {}),
    })),
  };
}

/** The "open incidents" line of /status and a link per incident thread; never throws. */
export async function openIncidentsPart(
  deps: Deps,
  service?: ServiceConfig,
): Promise<{ block: ReportBlock; links: ReportLink[] }> {
  const { t } = deps;
  try {
    const { total, incidents } = await openIncidents(deps, service);
    if (total === 0)
      return { block: { kind: 'text', text: t('diagnostics.status.noOpenIncidents') }, links: [] };
    const names = incidents.map((i) => `#${i.id} ${deps.redact(i.alertname)}`);
    const list = [...names, ...(total > incidents.length ? ['…'] : [])].join(', ');
    return {
      block: { kind: 'text', text: t('diagnostics.status.openIncidents', { count: total, list }) },
      links: incidents
        .filter((i) => i.link)
        .slice(0, 5)
        .map((i) => ({ label: `#${i.id} ${deps.redact(i.alertname)}`.slice(0, 70), url: i.link as string })),
    };
  } catch (err) {
    if (isBotTablesMissing(err)) {
      const text = t('diagnostics.status.incidentTablesMissing', { schema: deps.config.databaseSchema });
      return { block: { kind: 'text', text }, links: [] };
    }
    deps.logger.warn({ err }, 'open incidents not read');
    return {
      block: {
        kind: 'text',
        text: t('diagnostics.status.openIncidentsUnknown', { reason: (err as Error).message }),
      },
      links: [],
    };
  }
}
