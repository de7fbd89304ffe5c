import type { TargetResult } from '../../src/backup/run.ts';
import type { DigestData } from '../../src/digest/collect.ts';
import { digestFileSchema } from '../../src/digest/config.ts';
import type { ServiceFigures } from '../../src/digest/services.ts';
import type { StoredAlert } from '../../src/incidents/diff.ts';
import type { Incident } from '../../src/incidents/store.ts';

/** Plain inputs for renderer tests (unit project: no services). */

/**
 * An incident before anyone acted on it: not acknowledged, resolved or assigned, and never posted
 * (its sync bookkeeping). Spread it first; a test sets what it is about after it.
 */
export const UNTOUCHED: Pick<
  Incident,
  | 'resolvedAt'
  | 'resolvedBy'
  | 'ackedAt'
  | 'ackedBy'
  | 'commander'
  | 'timeToAckMs'
  | 'timeToResolveMs'
  | 'stormId'
  | 'promotedFromStormId'
  | 'version'
  | 'syncedVersion'
  | 'rootTs'
  | 'rootClaimedAt'
  | 'rootVersion'
  | 'openedHookAt'
  | 'sev'
  | 'commsLead'
  | 'declaredBy'
  | 'statusUpdate'
  | 'statusUpdatedAt'
  | 'statusUpdateBy'
  | 'stakeholderTs'
  | 'stakeholderClaimedAt'
  | 'stakeholderVersion'
> = {
  resolvedAt: null,
  resolvedBy: null,
  ackedAt: null,
  ackedBy: null,
  commander: null,
  timeToAckMs: null,
  timeToResolveMs: null,
  stormId: null,
  promotedFromStormId: null,
  version: 1,
  syncedVersion: 0,
  rootTs: null,
  rootClaimedAt: null,
  rootVersion: 0,
  openedHookAt: null,
  sev: null,
  commsLead: null,
  declaredBy: null,
  statusUpdate: null,
  statusUpdatedAt: null,
  statusUpdateBy: null,
  stakeholderTs: null,
  stakeholderClaimedAt: null,
  stakeholderVersion: 0,
};

/** A day of a healthy service for the digest: slightly better than the day before. */
export function serviceFigures(job: string): ServiceFigures {
  const trend = Array.from({ length: 24 }, (_, i) => 10 + i);
  return {
    job,
    availability: 0.9995,
    availabilityBefore: 0.999,
    requests: 1.2e6,
    requestsBefore: 1.1e6,
    peakRps: 40,
    peakRpsBefore: 38,
    p95: 0.2,
    p95Before: 0.25,
    errorRatio: 0.001,
    errorRatioBefore: 0.002,
    rpsTrend: trend,
    p95Trend: trend,
  };
}

/** A backup run: PostgreSQL verified (one old backup expired), Redis unreachable. */
export const BACKUP_RESULTS: TargetResult[] = [
  {
    target: 'postgres',
    status: 'ok',
    id: '1',
    bytes: 10 * 1048576,
    sha256: 'a'.repeat(64),
    location: '/backup/postgres/laojun_20261125T020000Z.dump',
    durationMs: 4_000,
    verification: 'sha256 re-read, pg_restore --list: 12 entries',
    details: {},
    expired: ['/backup/postgres/old.dump'],
  },
  { target: 'redis', status: 'failed', error: 'cannot connect to Redis at cache:6379', durationMs: 10 },
];

/** A source the digest could not read. */
export const DOWN = {
  ok: false as const,
  source: 'Prometheus',
  reason: 'Prometheus unreachable at http://prom:9090: ECONNREFUSED',
};

/** The digest's data for 2026-11-25 with these services; every other source down or missing. */
export function digestData(services: ServiceFigures[]): DigestData {
  return {
    now: new Date('2026-11-25T01:00:00Z'),
    day: '2026-11-25',
    config: digestFileSchema.parse(undefined),
    services: { ok: true, value: services },
    capacity: DOWN,
    resources: DOWN,
    incidents: { state: 'error', reason: 'connection refused' },
    backups: { state: 'error', reason: 'connection refused' },
    slowQueries: {
      ok: false,
      source: 'PostgreSQL',
      reason: 'pg_stat_statements is not installed',
      hint: 'pg_stat_statements',
    },
    chart: DOWN,
  };
}

/**
 * A firing incident whose summary, description, one alert's summary and its `instance` label are
 * all `text` (a megabyte of adversarial input in the redaction tests and bench), with that alert.
 */
export function incidentCarrying(text: string, at: Date): { inc: Incident; alert: StoredAlert } {
  const inc = {
    ...UNTOUCHED,
    id: 1,
    alertname: 'HighErrorRate',
    severity: 'critical',
    status: 'firing',
    externalUrl: 'http://alertmanager:9093',
    groupKey: '{}:{alertname="HighErrorRate"}',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: {},
    commonAnnotations: { summary: text, description: text },
    startedAt: at,
    flapCount: 0,
    checklist: {},
    truncatedAlerts: 0,
    // Only what the root message reads is set; the rest of an Incident row is not needed.
  } as unknown as Incident;
  const alert: StoredAlert = {
    fingerprint: 'f',
    status: 'firing',
    startsAt: at.toISOString(),
    endsAt: null,
    labels: { instance: text, job: 'x' },
    annotations: { summary: text },
    generatorURL: '',
  };
  return { inc, alert };
}
