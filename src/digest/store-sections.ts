import type pg from 'pg';

/**
 * The Incidents and Backups sections read tables that other features own. Until they exist the
 * sections say "no data yet"; a table that exists but does not have the assumed columns says so
 * too — the digest never fails because of them. The lead adjusts the SQL here when the tables land.
 *
 * Assumed columns (bot's schema, unqualified names):
 *   incidents(alertname text, status text, opened_at timestamptz, acknowledged_at timestamptz NULL,
 *             resolved_at timestamptz NULL, channel_id text NULL, root_ts text NULL, title text NULL)
 *   backups(target text, status text  -- 'succeeded' | 'failed' (also 'ok' / 'success'),
 *           started_at timestamptz, finished_at timestamptz NULL, size_bytes bigint NULL, error text NULL)
 */

export type StoreSection<T> =
  | { state: 'ok'; value: T }
  | { state: 'no-table' }
  | { state: 'error'; reason: string };

export interface IncidentFigures {
  opened: number;
  byAlert: Array<{ alertname: string; count: number }>;
  /** Seconds, over incidents opened in the window that have the timestamp. */
  ackMedian?: number;
  ackWorst?: number;
  resolveMedian?: number;
  resolveWorst?: number;
  stillOpen: Array<{
    alertname: string;
    title?: string;
    openedAt: Date;
    channelId?: string;
    rootTs?: string;
  }>;
  /** Alert names opened three times or more in the window. */
  flapping: string[];
}

export interface BackupFigures {
  lastGood: Array<{ target: string; finishedAt: Date; sizeBytes?: number }>;
  failures: Array<{ target: string; at: Date; error?: string }>;
}

async function tableExists(pool: pg.Pool, table: string): Promise<boolean> {
  const r = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
  return r.rows[0]?.t != null;
}

async function guarded<T>(pool: pg.Pool, table: string, read: () => Promise<T>): Promise<StoreSection<T>> {
  try {
    if (!(await tableExists(pool, table))) return { state: 'no-table' };
    return { state: 'ok', value: await read() };
  } catch (err) {
    return { state: 'error', reason: (err as Error).message };
  }
}

export function readIncidents(pool: pg.Pool, now: Date): Promise<StoreSection<IncidentFigures>> {
  return guarded(pool, 'incidents', async () => {
    const since = new Date(now.getTime() - 86_400_000);
    const stats = await pool.query<{
      opened: string;
      ack_median: number | null;
      ack_worst: number | null;
      res_median: number | null;
      res_worst: number | null;
    }>(
      `SELECT count(*) AS opened,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - opened_at)) AS ack_median,
              max(extract(epoch FROM acknowledged_at - opened_at))::float8 AS ack_worst,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at)) AS res_median,
              max(extract(epoch FROM resolved_at - opened_at))::float8 AS res_worst
         FROM incidents WHERE opened_at > $1 AND opened_at <= $2`,
      [since, now],
    );
    const byAlert = await pool.query<{ alertname: string; n: string }>(
      `SELECT alertname, count(*) AS n FROM incidents WHERE opened_at > $1 AND opened_at <= $2
        GROUP BY alertname ORDER BY count(*) DESC, alertname LIMIT 10`,
      [since, now],
    );
    const open = await pool.query<{
      alertname: string;
      title: string | null;
      opened_at: Date;
      channel_id: string | null;
      root_ts: string | null;
    }>(
      `SELECT alertname, title, opened_at, channel_id, root_ts FROM incidents
        WHERE resolved_at IS NULL AND status <> 'resolved' ORDER BY opened_at LIMIT 10`,
    );
    const s = stats.rows[0];
    const num = (v: number | null | undefined) => (v == null ? undefined : Number(v));
    return {
      opened: Number(s?.opened ?? 0),
      byAlert: byAlert.rows.map((r) => ({ alertname: r.alertname, count: Number(r.n) })),
      ackMedian: num(s?.ack_median),
      ackWorst: num(s?.ack_worst),
      resolveMedian: num(s?.res_median),
      resolveWorst: num(s?.res_worst),
      stillOpen: open.rows.map((r) => ({
        alertname: r.alertname,
        title: r.title ?? undefined,
        openedAt: r.opened_at,
        channelId: r.channel_id ?? undefined,
        rootTs: r.root_ts ?? undefined,
      })),
      flapping: byAlert.rows.filter((r) => Number(r.n) >= 3).map((r) => r.alertname),
    };
  });
}

export function readBackups(pool: pg.Pool, now: Date): Promise<StoreSection<BackupFigures>> {
  return guarded(pool, 'backups', async () => {
    const good = await pool.query<{ target: string; finished_at: Date; size_bytes: string | null }>(
      `SELECT DISTINCT ON (target) target, finished_at, size_bytes FROM backups
        WHERE status IN ('succeeded', 'success', 'ok') AND finished_at IS NOT NULL AND finished_at <= $1
        ORDER BY target, finished_at DESC LIMIT 20`,
      [now],
    );
    const failed = await pool.query<{ target: string; started_at: Date; error: string | null }>(
      `SELECT target, started_at, error FROM backups
        WHERE status = 'failed' AND started_at > $1 AND started_at <= $2 ORDER BY started_at DESC LIMIT 10`,
      [new Date(now.getTime() - 86_400_000), now],
    );
    return {
      lastGood: good.rows.map((r) => ({
        target: r.target,
        finishedAt: r.finished_at,
        sizeBytes: r.size_bytes == null ? undefined : Number(r.size_bytes),
      })),
      failures: failed.rows.map((r) => ({ target: r.target, at: r.started_at, error: r.error ?? undefined })),
    };
  });
}
