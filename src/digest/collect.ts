import type { Deps } from '../deps.ts';
import { collectOncallDigest, type OncallDigest } from '../oncall/digest.ts';
import { type PostIncidentSection, readPostIncident } from '../postmortem/digest.ts';
import { type CapacityFigures, collectCapacity } from './capacity.ts';
import { type ChartSeries, collectChart } from './chart.ts';
import type { DigestConfig } from './config.ts';
import { dateIn } from './format.ts';
import { DigestQueries, SourceDown } from './prom.ts';
import { collectResources, type ResourceFigures } from './resources.ts';
import { collectServices, type ServiceFigures } from './services.ts';
import { collectSlowQueries, NoStatements, type SlowQueryFigures } from './slow-queries.ts';
import {
  type BackupFigures,
  type IncidentFigures,
  readBackups,
  readIncidents,
  type StoreSection,
} from './store-sections.ts';

/** A section's figures, or why its source could not answer. */
export type Section<T> =
  | { ok: true; value: T }
  | { ok: false; source: string; reason: string; hint?: string; notSet?: string };

export interface DigestData {
  now: Date;
  /** The digest day (YYYY-MM-DD in the configured time zone). */
  day: string;
  config: DigestConfig;
  services: Section<ServiceFigures[]>;
  capacity: Section<CapacityFigures>;
  resources: Section<ResourceFigures>;
  incidents: StoreSection<IncidentFigures>;
  backups: StoreSection<BackupFigures>;
  slowQueries: Section<SlowQueryFigures>;
  chart: Section<ChartSeries[]>;
  /** Overdue follow-ups, MTTA/MTTR, noisy and flapping alerts (src/postmortem). */
  postIncident?: PostIncidentSection;
  /** Today's on-call and quiet incidents (when CONFIG_FILE has `oncall:`). */
  oncall?: Section<OncallDigest | undefined>;
}

async function section<T>(source: string, fn: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof NoStatements)
      return { ok: false, source, reason: err.message, hint: 'pg_stat_statements' };
    if (err instanceof SourceDown && err.notSet)
      return { ok: false, source, reason: err.message, notSet: err.notSet };
    return { ok: false, source, reason: (err as Error).message };
  }
}

/**
 * Gathers every section at once. A source that is down fails only its own sections; nothing here
 * throws. `saveSnapshot` (the scheduled run) stores today's pg_stat_statements snapshot.
 */
export async function collectDigest(
  deps: Deps,
  opts: { now?: Date; saveSnapshot?: boolean } = {},
): Promise<DigestData> {
  const config = deps.config.file.digest;
  const now = opts.now ?? deps.now();
  const day = dateIn(now, config.timezone);
  const q = new DigestQueries(deps.sources.prometheus, now, config.queryTimeoutMs);
  const postIncident = readPostIncident(deps.pool, deps.config, now);
  const [services, capacity, resources, incidents, backups, slowQueries, chart, oncall] = await Promise.all([
    section('Prometheus', () => collectServices(q, config.jobs)),
    section('Prometheus', () => collectCapacity(q, config.jobs, config.capacity)),
    section('Prometheus', () => collectResources(q, config.diskThreshold)),
    readIncidents(deps.pool, now, deps.redact),
    readBackups(deps.pool, now),
    section('PostgreSQL (TARGET_DATABASE_URL)', () =>
      collectSlowQueries(deps.sources.targetDb(), deps.pool, day, opts.saveSnapshot ? { saveAs: day } : {}),
    ),
    section('Prometheus', () => collectChart(q, config.jobs)),
    section('PostgreSQL', () => collectOncallDigest(deps, now)),
  ]);
  const data = {
    now,
    day,
    config,
    services,
    capacity,
    resources,
    incidents,
    backups,
    slowQueries,
    chart,
    oncall,
  };
  return { ...data, postIncident: await postIncident };
}
