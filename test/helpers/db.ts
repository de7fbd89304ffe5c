/**
 * The shared test PostgreSQL (the machine's cluster, database `test`): every test works in a schema of
 * its own, created here and dropped afterwards. The bot is told the schema name through its config
 * (`loadConfig(env, { databaseSchema })` / `createPool(url, schema)`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * A name unique to this process and call, safe as a PostgreSQL schema name (matches
 * `^[a-z_][a-z0-9_]{0,62}$`), a Redis key prefix or a BullMQ queue/prefix name (no `:`):
 * `<prefix>_<pid>_<8 hex chars>`, lowercase. The prefix is lowercased and stripped to `[a-z0-9_]`.
 */
export function uniqueName(prefix = 't'): string {
  let clean = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (!/^[a-z_]/.test(clean)) clean = `t_${clean}`;
  const suffix = `_${process.pid}_${randomBytes(4).toString('hex')}`;
  return `${clean.slice(0, 63 - suffix.length)}${suffix}`;
}

/** Double-quotes a PostgreSQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface TestSchema {
  /** The schema's name (lowercase, unquoted). */
  schema: string;
  /** The database URL (the schema is not in it: pass `schema` to the code under test). */
  url: string;
  /** A pool on `url` whose connections have `search_path=<schema>,public`. Ended by drop(). */
  pool: pg.Pool;
  /** Ends `pool` and drops the schema with everything in it. Idempotent. */
  drop(): Promise<void>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh, empty schema in the test database. Use with
 * `const db = await withSchema(); onTestFinished(() => db.drop());` (or afterEach/afterAll).
 */
export async function withSchema(
  opts: { prefix?: string; url?: string; poolMax?: number } = {},
): Promise<TestSchema> {
  const url = opts.url ?? testDatabaseUrl();
  const schema = uniqueName(opts.prefix ?? 'test');
  await adminQuery(url, `CREATE SCHEMA ${quoteIdent(schema)}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 5,
    connectionTimeoutMillis: 5_000,
    options: `-c search_path=${schema},public`,
  });
  // An idle client dropped by the server must not crash the test process.
  pool.on('error', () => {});
  let dropped: Promise<void> | undefined;
  return {
    schema,
    url,
    pool,
    drop() {
      dropped ??= (async () => {
        await pool.end().catch(() => {});
        await adminQuery(url, `DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      })();
      return dropped;
    },
  };
}

/** Whether a schema exists (for tests of the helpers themselves and of migrations). */
export async function schemaExists(schema: string, url = testDatabaseUrl()): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const res = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}
