import type pg from 'pg';

/**
 * Read-only diagnostics on the platform's PostgreSQL (the manual's 性能优化 and 故障排查 SQL, corrected
 * where the manual is wrong). Every statement carries the TAG comment so the bot's own queries can be
 * left out of pg_stat_statements results; the pool (createTargetPool) is read-only with a statement timeout.
 */
export const TAG = '/* laojun-chatops */';

export interface StatementsState {
  versionNum: number;
  version: string;
  database: string;
  preloaded: boolean;
  /** shared_preload_libraries as set. */
  preload: string;
  /** Extension version in this database, undefined when not created. */
  extension?: string;
}

export async function statementsState(pool: pg.Pool): Promise<StatementsState> {
  const { rows } = await pool.query<{
    num: string;
    version: string;
    db: string;
    preload: string;
    ext: string | null;
  }>(
    `${TAG} SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
       current_database() AS db, current_setting('shared_preload_libraries') AS preload,
       (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS ext`,
  );
  const r = rows[0];
  if (!r) throw new Error('no answer');
  return {
    versionNum: Number(r.num),
    version: r.version,
    database: r.db,
    preloaded: r.preload
      .split(',')
      .map((s) => s.trim().replace(/^"|"$/g, ''))
      .includes('pg_stat_statements'),
    preload: r.preload,
    extension: r.ext ?? undefined,
  };
}

/** Column names by server version: `*_time` up to 12, `*_exec_time` from 13. */
export function timeColumns(versionNum: number): { total: string; mean: string } {
  return versionNum >= 130_000
    ? { total: 'total_exec_time', mean: 'mean_exec_time' }
    : { total: 'total_time', mean: 'mean_time' };
}

export type StatementSort = 'total' | 'mean' | 'calls';

export interface StatementRow {
  queryId: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  database: string;
  user: string;
}

export async function topStatements(
  pool: pg.Pool,
  opts: { versionNum: number; sort: StatementSort; limit: number; currentDatabaseOnly?: boolean },
): Promise<StatementRow[]> {
  const col = timeColumns(opts.versionNum);
  const order = opts.sort === 'calls' ? 's.calls' : opts.sort === 'mean' ? `s.${col.mean}` : `s.${col.total}`;
  const { rows } = await pool.query<{
    queryid: string | null;
    query: string | null;
    calls: string;
    total: number;
    mean: number;
    rows: string;
    datname: string | null;
    rolname: string | null;
  }>(
    `${TAG} SELECT s.queryid::text AS queryid, s.query, s.calls, s.${col.total} AS total, s.${col.mean} AS mean,
       s.rows, d.datname, r.rolname
     FROM pg_stat_statements s
     LEFT JOIN pg_database d ON d.oid = s.dbid
     LEFT JOIN pg_roles r ON r.oid = s.userid
     WHERE s.query IS NOT NULL AND s.query NOT LIKE $2 AND s.queryid IS NOT NULL
       AND (NOT $3::boolean OR d.datname = current_database())
     ORDER BY ${order} DESC NULLS LAST
     LIMIT $1`,
    [opts.limit, `${TAG}%`, opts.currentDatabaseOnly ?? false],
  );
  return rows.map((r) => ({
    queryId: r.queryid ?? '',
    query: r.query ?? '',
    calls: Number(r.calls),
    totalMs: Number(r.total),
    meanMs: Number(r.mean),
    rows: Number(r.rows),
    database: r.datname ?? '?',
    user: r.rolname ?? '?',
  }));
}

export interface LockWait {
  blockedPid: number;
  blockedUser: string;
  blockingPid: number;
  blockingUser: string;
  blockedStatement: string;
  blockingStatement: string;
  blockingState: string;
  waitingSeconds: number;
}

/**
 * The manual's blocked/blocking query, answering the same columns. The manual joins pg_locks on
 * `locktype` alone, which pairs every waiting lock with every lock of the same type (false blockers,
 * and the waiter itself); pg_blocking_pids() gives the real blockers.
 */
export async function lockWaits(pool: pg.Pool): Promise<LockWait[]> {
  const { rows } = await pool.query<{
    blocked_pid: number;
    blocked_user: string | null;
    blocking_pid: number;
    blocking_user: string | null;
    blocked_statement: string | null;
    blocking_statement: string | null;
    blocking_state: string | null;
    waiting: number | null;
  }>(
    `${TAG} SELECT blocked.pid AS blocked_pid, blocked.usename AS blocked_user,
       blocking.pid AS blocking_pid, blocking.usename AS blocking_user,
       blocked.query AS blocked_statement, blocking.query AS blocking_statement,
       blocking.state AS blocking_state,
       extract(epoch FROM now() - coalesce(blocked.query_start, blocked.backend_start))::float8 AS waiting
     FROM pg_stat_activity blocked
     JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid) ON true
     JOIN pg_stat_activity blocking ON blocking.pid = b.pid
     ORDER BY waiting DESC NULLS LAST
     LIMIT 50`,
  );
  return rows.map((r) => ({
    blockedPid: r.blocked_pid,
    blockedUser: r.blocked_user ?? '?',
    blockingPid: r.blocking_pid,
    blockingUser: r.blocking_user ?? '?',
    blockedStatement: r.blocked_statement ?? '',
    blockingStatement: r.blocking_statement ?? '',
    blockingState: r.blocking_state ?? '?',
    waitingSeconds: Number(r.waiting ?? 0),
  }));
}

export interface ConnectionGroup {
  state: string;
  application: string;
  user: string;
  count: number;
}

export interface Connections {
  groups: ConnectionGroup[];
  total: number;
  max: number;
  reserved: number;
}

/** Client connections by state, application and user, against max_connections. */
export async function connections(pool: pg.Pool): Promise<Connections> {
  const [groups, settings] = await Promise.all([
    pool.query<{ state: string; app: string; usename: string; n: string }>(
      `${TAG} SELECT coalesce(state, 'unknown') AS state, coalesce(nullif(application_name, ''), '-') AS app,
         coalesce(usename, '-') AS usename, count(*) AS n
       FROM pg_stat_activity WHERE backend_type = 'client backend'
       GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3 LIMIT 100`,
    ),
    pool.query<{ max: string; reserved: string; total: string }>(
      `${TAG} SELECT current_setting('max_connections') AS max,
         current_setting('superuser_reserved_connections') AS reserved,
         (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS total`,
    ),
  ]);
  const s = settings.rows[0];
  return {
    groups: groups.rows.map((r) => ({
      state: r.state,
      application: r.app,
      user: r.usename,
      count: Number(r.n),
    })),
    total: Number(s?.total ?? 0),
    max: Number(s?.max ?? 0),
    reserved: Number(s?.reserved ?? 0),
  };
}

export interface IndexUsage {
  schema: string;
  table: string;
  index: string;
  scans: number;
  tuplesRead: number;
  tuplesFetched: number;
  sizeBytes: number;
}

type IndexRow = {
  schemaname: string;
  relname: string;
  indexrelname: string;
  idx_scan: string;
  idx_tup_read: string;
  idx_tup_fetch: string;
  size: string;
};

const toIndex = (r: IndexRow): IndexUsage => ({
  schema: r.schemaname,
  table: r.relname,
  index: r.indexrelname,
  scans: Number(r.idx_scan),
  tuplesRead: Number(r.idx_tup_read),
  tuplesFetched: Number(r.idx_tup_fetch),
  sizeBytes: Number(r.size),
});

/**
 * The manual's index-usage query (pg_stat_user_indexes has `relname`/`indexrelname`, not the
 * manual's `tablename`/`indexname`), plus indexes never scanned that no constraint needs.
 */
export async function indexUsage(
  pool: pg.Pool,
  limit: number,
): Promise<{ used: IndexUsage[]; unused: IndexUsage[] }> {
  const [used, unused] = await Promise.all([
    pool.query<IndexRow>(
      `${TAG} SELECT schemaname, relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch,
         pg_relation_size(indexrelid) AS size
       FROM pg_stat_user_indexes ORDER BY idx_scan DESC, indexrelname LIMIT $1`,
      [limit],
    ),
    pool.query<IndexRow>(
      `${TAG} SELECT s.schemaname, s.relname, s.indexrelname, s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
         pg_relation_size(s.indexrelid) AS size
       FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
       WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)
       ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname LIMIT $1`,
      [limit],
    ),
  ]);
  return { used: used.rows.map(toIndex), unused: unused.rows.map(toIndex) };
}
