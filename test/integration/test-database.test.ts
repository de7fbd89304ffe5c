import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { testDatabaseUrl, uniqueName } from '../helpers/db.ts';
import { ensureDatabase } from '../helpers/global-setup.ts';

async function databaseExists(name: string): Promise<boolean> {
  const admin = new URL(testDatabaseUrl());
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('npm test on a PostgreSQL fresh from its package', () => {
  it('creates the test database when the server has none, and leaves an existing one alone', async () => {
    const name = uniqueName('fresh_db');
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${name}`;
    onTestFinished(async () => {
      const admin = new URL(testDatabaseUrl());
      admin.pathname = '/postgres';
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      await client.end();
    });
    expect(await databaseExists(name)).toBe(false);
    expect(await ensureDatabase(url.toString())).toBe('created');
    expect(await databaseExists(name)).toBe(true);
    expect(await ensureDatabase(url.toString())).toBe('exists');
    // Concurrent runs race to create it: both succeed.
    const again = uniqueName('fresh_db');
    url.pathname = `/${again}`;
    onTestFinished(async () => {
      const admin = new URL(testDatabaseUrl());
      admin.pathname = '/postgres';
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${again}"`);
      await client.end();
    });
    const both = await Promise.all([ensureDatabase(url.toString()), ensureDatabase(url.toString())]);
    expect(both.sort()).toEqual(['created', 'exists']);
  });

  it('says how to fix an unreachable server', async () => {
    await expect(ensureDatabase('postgres://postgres@127.0.0.1:1/test')).rejects.toThrow(
      /cannot reach the test PostgreSQL at 127\.0\.0\.1:1 .*start it, or set TEST_DATABASE_URL/,
    );
  });
});
