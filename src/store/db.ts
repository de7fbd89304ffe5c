import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { Logger } from '../logger.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A pool whose connections use the bot's schema first on the search path, so queries name tables
 * without a schema and each test can use its own schema.
 */
export function createPool(
  databaseUrl: string,
  schema: string,
  opts: { max?: number; application?: string } = {},
) {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: opts.application ?? 'laojun-chatops',
    options: `-c search_path=${schema},public`,
  });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

/** Creates the schema if needed and applies pending migrations (node-pg-migrate, advisory-locked). */
export async function migrate(databaseUrl: string, schema: string, logger: Logger): Promise<void> {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: 'pgmigrations',
      schema,
      createSchema: true,
      direction: 'up',
      checkOrder: true,
      advisoryLockMode: 'wait',
      log: () => {},
      logger: {
        debug: () => {},
        info: () => {},
        warn: (m: string) => logger.warn(m),
        error: (m: string) => logger.error(m),
      },
    });
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name), schema }, 'database migrated');
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL's undefined_table (42P01) on a query of the bot's own tables: the bot has never run
 * (migrated) on this database, e.g. the CLI pointed at another one.
 */
export function isBotTablesMissing(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '42P01';
}
