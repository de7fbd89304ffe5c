/** Helpers for the backup tests: a PostgreSQL with data, file checks, a bot whose deps run backups. */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { makeTempDir } from './cleanup.ts';

export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** Two schemas, three tables, `rows` rows in the big one (random text so it does not compress to nothing). */
export async function seedPlatformDb(url: string, rows = 20_000): Promise<Record<string, number>> {
  await sql(
    url,
    `CREATE SCHEMA market;
     CREATE TABLE public.users (id serial PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());
     CREATE TABLE market.plugins (id serial PRIMARY KEY, owner int REFERENCES public.users(id), body text);
     CREATE TABLE public.empty_table (id int);
     INSERT INTO public.users (name) SELECT 'user-' || g FROM generate_series(1, 500) g;
     INSERT INTO market.plugins (owner, body)
       SELECT 1 + (g % 500), md5(g::text) || md5(random()::text) || md5(random()::text)
         FROM generate_series(1, ${rows}) g;`,
  );
  return { 'market.plugins': rows, 'public.empty_table': 0, 'public.users': 500 };
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A CONFIG_FILE with the given YAML content; returns its path. */
export function writeConfigFile(content: Record<string, unknown>): { path: string; remove: () => void } {
  const dir = makeTempDir('config');
  const path = join(dir.path, 'laojun.yml');
  writeFileSync(path, stringify(content));
  return { path, remove: dir.remove };
}
