import type pg from 'pg';
import { statementsState, topStatements } from '../sources/pg-diagnostics.ts';

export interface SlowQuery {
  queryid: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  /** Time spent since yesterday's snapshot (undefined: no snapshot; negative never — a reset shows as undefined). */
  totalMsSince?: number;
  callsSince?: number;
}

export interface SlowQueryFigures {
  top: SlowQuery[];
  /** The day the comparison snapshot was taken, when there is one. */
  comparedWith?: string;
}

/** Raised when pg_stat_statements is not installed on the target database: the section says what to do. */
export class NoStatements extends Error {
  override name = 'NoStatements';
}

const SNAPSHOT_SIZE = 100;

/**
 * Top three statements by total execution time on the target database (pg_stat_statements),
 * with the change since the previous day's snapshot stored in the bot's own schema.
 * `saveAs` (the digest day) stores today's snapshot; previews leave it alone.
 */
export async function collectSlowQueries(
  target: pg.Pool,
  own: pg.Pool,
  day: string,
  opts: { saveAs?: string } = {},
): Promise<SlowQueryFigures> {
  // The same reader as /slowquery: column names by server version (PostgreSQL 12 and older too).
  const state = await statementsState(target);
  if (!state.extension || !state.preloaded) throw new NoStatements('pg_stat_statements is not installed');
  const statements = await topStatements(target, {
    versionNum: state.versionNum,
    sort: 'total',
    limit: SNAPSHOT_SIZE,
    currentDatabaseOnly: true,
  });
  const rows = statements.map((r) => ({
    queryid: r.queryId,
    query: r.query,
    calls: r.calls,
    total_ms: r.totalMs,
  }));
  // Without the bot's own table (the CLI does not migrate) there is simply nothing to compare with.
  const previous = await own
    .query<{ taken_on: string; queryid: string; calls: string; total_ms: number }>(
      `SELECT taken_on::text AS taken_on, queryid::text AS queryid, calls::text AS calls, total_ms
         FROM digest_query_snapshots
        WHERE taken_on = (SELECT max(taken_on) FROM digest_query_snapshots WHERE taken_on < $1::date)`,
      [day],
    )
    .catch(() => ({
      rows: [] as Array<{ taken_on: string; queryid: string; calls: string; total_ms: number }>,
    }));
  const before = new Map(previous.rows.map((r) => [r.queryid, r]));
  const top = rows.slice(0, 3).map((r): SlowQuery => {
    const calls = r.calls;
    const prev = before.get(r.queryid);
    const reset = prev !== undefined && (Number(prev.calls) > calls || prev.total_ms > r.total_ms);
    return {
      queryid: r.queryid,
      query: r.query.replace(/\s+/g, ' ').trim(),
      calls,
      totalMs: r.total_ms,
      meanMs: calls > 0 ? r.total_ms / calls : 0,
      ...(prev && !reset
        ? { totalMsSince: r.total_ms - prev.total_ms, callsSince: calls - Number(prev.calls) }
        : {}),
    };
  });
  if (opts.saveAs) {
    const ids = rows.map((r) => r.queryid);
    await own.query(
      `INSERT INTO digest_query_snapshots (taken_on, queryid, calls, total_ms)
       SELECT $1::date, u.queryid::bigint, u.calls::bigint, u.total_ms
         FROM unnest($2::text[], $3::text[], $4::float8[]) AS u(queryid, calls, total_ms)
       ON CONFLICT (taken_on, queryid) DO UPDATE SET calls = EXCLUDED.calls, total_ms = EXCLUDED.total_ms`,
      [opts.saveAs, ids, rows.map((r) => String(r.calls)), rows.map((r) => r.total_ms)],
    );
    await own.query('DELETE FROM digest_query_snapshots WHERE taken_on < $1::date - 14', [opts.saveAs]);
  }
  return { top, ...(previous.rows[0] ? { comparedWith: previous.rows[0].taken_on } : {}) };
}
