import type pg from 'pg';
import { TARGETS } from '../backup/config.ts';
import { BackupHistory } from '../backup/history.ts';
import { digestIncidentRows } from '../incidents/store.ts';
import { clip } from '../redact.ts';

/**
 * The Incidents and Backups sections read the tables the incident and backup features write
 * (migrations 1732500001000_incidents.sql and 1732500002000_backup-history.sql), with the
 * meanings those features give them:
 *
 * - `incidents.created_at` is when the bot opened the incident (one per Alertmanager group
 *   firing); `started_at` is when its first alert started, and the stored `time_to_ack_ms` /
 *   `time_to_resolve_ms` are measured from it (src/incidents/actions.ts, intake.ts).
 * - `flap_count` counts reopenings: the group fired again within the flap window after resolving.
 * - the thread of an incident is `root_ts` in `channel`; a stormed incident has no thread of its
 *   own and lives in its storm message (`incident_storms.root_ts`).
 * - `backup_runs`: the last good backup of a target is the newest `ok` run not yet expired by
 *   retention (BackupHistory.lastGood); `failed` and `interrupted` runs are failures.
 *
 * A query that fails turns only its own section into "could not be read": the digest still posts.
 */

export type StoreSection<T> = { state: 'ok'; value: T } | { state: 'error'; reason: string };

export interface IncidentFigures {
  /** Incidents opened in the last 24 h. */
  opened: number;
  /** Of those, per alert name: incidents opened and their reopenings (flaps). */
  byAlert: Array<{ alertname: string; count: number; flaps: number }>;
  /** Seconds: `time_to_ack_ms` of incidents acknowledged in the last 24 h. */
  ackMedian?: number;
  ackWorst?: number;
  /** Seconds: `time_to_resolve_ms` of incidents resolved in the last 24 h. */
  resolveMedian?: number;
  resolveWorst?: number;
  /** Incidents still firing (oldest first, at most 10) and how many there are in all. */
  stillOpen: Array<{
    id: number;
    alertname: string;
    summary?: string;
    severity?: string;
    startedAt: Date;
    channel: string;
    /** The incident's thread, or its storm message when it was stormed; none before it is posted. */
    threadTs?: string;
  }>;
  openCount: number;
  /** Alert names whose incidents active in the last 24 h were reopened, with the reopenings. */
  flapping: Array<{ alertname: string; flaps: number }>;
}

export interface BackupFigures {
  /** Per target that has any finished run: its last good backup (if any) and failures in 24 h. */
  targets: Array<{
    target: string;
    lastGood?: { finishedAt: Date; bytes?: number; verified: boolean };
    failures: number;
  }>;
  /** Failed or interrupted runs in the last 24 h, newest first (at most 10). */
  failures: Array<{ target: string; at: Date; status: 'failed' | 'interrupted' }>;
}

async function guarded<T>(read: () => Promise<T>): Promise<StoreSection<T>> {
  try {
    return { state: 'ok', value: await read() };
  } catch (err) {
    return { state: 'error', reason: (err as Error).message };
  }
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const DAY_MS = 86_400_000;

/** `redact` is applied to the alert summaries (external text) before they are shown. */
export function readIncidents(
  pool: pg.Pool,
  now: Date,
  redact: (text: string) => string = (text) => text,
): Promise<StoreSection<IncidentFigures>> {
  return guarded(async () => {
    const since = new Date(now.getTime() - DAY_MS);
    const { byAlert, ack, resolve, open, flapping } = await digestIncidentRows(pool, since, now);
    return {
      opened: byAlert.reduce((n, r) => n + Number(r.n), 0),
      byAlert: byAlert.map((r) => ({
        alertname: r.alertname,
        count: Number(r.n),
        flaps: Number(r.flaps),
      })),
      ackMedian: num(ack[0]?.median),
      ackWorst: num(ack[0]?.worst),
      resolveMedian: num(resolve[0]?.median),
      resolveWorst: num(resolve[0]?.worst),
      stillOpen: open.map((r) => ({
        id: Number(r.id),
        alertname: r.alertname,
        summary: r.summary ? redact(clip(r.summary, 500)) : undefined,
        severity: r.severity || undefined,
        startedAt: r.started_at,
        channel: r.channel,
        threadTs: r.thread_ts ?? undefined,
      })),
      openCount: Number(open[0]?.total ?? 0),
      flapping: flapping.map((r) => ({ alertname: r.alertname, flaps: Number(r.flaps) })),
    };
  });
}

export function readBackups(pool: pg.Pool, now: Date): Promise<StoreSection<BackupFigures>> {
  return guarded(async () => {
    const since = new Date(now.getTime() - DAY_MS);
    const history = new BackupHistory(pool);
    const [lastGood, failed, seen] = await Promise.all([
      Promise.all(TARGETS.map((t) => history.lastGood(t))),
      pool.query<{ target: string; at: Date; status: 'failed' | 'interrupted' }>(
        `SELECT target, COALESCE(finished_at, started_at) AS at, status FROM backup_runs
          WHERE status IN ('failed', 'interrupted')
            AND COALESCE(finished_at, started_at) > $1 AND COALESCE(finished_at, started_at) <= $2
          ORDER BY at DESC, id DESC`,
        [since, now],
      ),
      pool.query<{ target: string }>(
        `SELECT DISTINCT target FROM backup_runs WHERE status <> 'running' AND started_at <= $1`,
        [now],
      ),
    ]);
    const known = new Set(seen.rows.map((r) => r.target));
    const targets: BackupFigures['targets'] = [];
    TARGETS.forEach((target, i) => {
      if (!known.has(target)) return;
      const good = lastGood[i];
      targets.push({
        target,
        lastGood: good?.finished_at
          ? { finishedAt: good.finished_at, bytes: num(good.bytes), verified: good.verified }
          : undefined,
        failures: failed.rows.filter((r) => r.target === target).length,
      });
    });
    return { targets, failures: failed.rows.slice(0, 10) };
  });
}
