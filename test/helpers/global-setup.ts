/**
 * Vitest global setup: creates the test database (`TEST_DATABASE_URL`, default `test` on the local
 * server) when it does not exist, so `npm test` works on a PostgreSQL fresh from its package.
 * Every test still works in a schema of its own (helpers/db.ts); the database itself is kept.
 */
import pg from 'pg';
import { testDatabaseUrl } from './db.ts';

/** Creates the database named in `url` through the server's `postgres` database, if missing. */
export async function ensureDatabase(url: string): Promise<'created' | 'exists'> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(url);
  admin.pathname = name === 'postgres' ? '/template1' : '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach the test PostgreSQL at ${target.host} (${(err as Error).message}); start it, or set TEST_DATABASE_URL`,
    );
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 1) return 'exists';
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    return 'created';
  } catch (err) {
    // Another run created it between the check and CREATE DATABASE.
    const code = (err as { code?: string }).code;
    if (code === '42P04' || code === '23505') return 'exists';
    throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

export default async function setup(): Promise<void> {
  await ensureDatabase(testDatabaseUrl());
}
