import pg from 'pg';

/** The platform's PostgreSQL (TARGET_DATABASE_URL): read-only use with a statement timeout. */
export function createTargetPool(url: string, statementTimeoutMs = 5_000): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 10_000,
    application_name: 'laojun-chatops-diagnostics',
    statement_timeout: statementTimeoutMs,
    options: '-c default_transaction_read_only=on',
  });
  pool.on('error', () => {});
  return pool;
}

export interface PostgresHealth {
  version: string;
  connections: number;
  maxConnections: number;
}

export async function postgresHealth(pool: pg.Pool): Promise<PostgresHealth> {
  const { rows } = await pool.query<{ version: string; connections: string; max: string }>(
    `SELECT current_setting('server_version') AS version,
            (SELECT count(*) FROM pg_stat_activity) AS connections,
            current_setting('max_connections') AS max`,
  );
  const r = rows[0];
  if (!r) throw new Error('no answer');
  return { version: r.version, connections: Number(r.connections), maxConnections: Number(r.max) };
}
