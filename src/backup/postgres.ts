import { join } from 'node:path';
import pg from 'pg';
import type { Staging } from './destination.ts';
import { BackupError, DestinationError } from './errors.ts';
import { startTool, type TargetContext, toolMajorVersion } from './process.ts';
import { verifyDump } from './verify.ts';

/**
 * libpq environment for a PostgreSQL URL: the password travels in PGPASSWORD, never on a command
 * line (where `ps` would show it).
 */
export function pgEnv(url: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('PG')) env[k] = v;
  const q = u.searchParams;
  const host = q.get('host') ?? decodeURIComponent(u.hostname);
  if (host) env.PGHOST = host.replace(/^\[|\]$/g, '');
  if (u.port || q.get('port')) env.PGPORT = u.port || (q.get('port') ?? '');
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env.PGDATABASE = db;
  const sslmode = q.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  env.PGAPPNAME = 'laojun-chatops-backup';
  env.PGCONNECT_TIMEOUT = '10';
  return env;
}

/** host:port/db for messages (no user, no password). */
export function describePg(url: string): string {
  const env = pgEnv(url, {});
  return `${env.PGHOST ?? 'localhost'}:${env.PGPORT ?? '5432'}/${env.PGDATABASE ?? ''}`;
}

export function databaseName(url: string): string {
  return pgEnv(url, {}).PGDATABASE ?? 'postgres';
}

export interface PostgresOptions {
  url: string;
  compressLevel: number;
  countRows: boolean;
  /** Where pg_dump and pg_restore are (default: PATH). */
  binDir?: string;
}

/** pg_dump / pg_restore, from `binDir` when set. */
export function pgTool(name: 'pg_dump' | 'pg_restore', binDir?: string): string {
  return binDir ? join(binDir, name) : name;
}

export interface PostgresOutcome {
  bytes: number;
  sha256: string;
  verification: string;
  details: { serverVersion: string; tocEntries: number; rowCounts?: Record<string, number> };
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'laojun-chatops-backup',
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    const e = err as NodeJS.ErrnoException;
    throw new BackupError(
      `cannot connect to PostgreSQL at ${describePg(url)}: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`,
    );
  }
  return client;
}

const COUNTABLE_TABLES = `
  SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r' AND c.relpersistence <> 't'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1`;

/** Exact row counts of every user table, in the current transaction's snapshot. */
export async function countRows(client: pg.Client | pg.PoolClient): Promise<Record<string, number>> {
  const { rows } = await client.query<{ name: string }>(COUNTABLE_TABLES);
  const out: Record<string, number> = {};
  for (const { name } of rows) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
    out[name] = Number(r.rows[0]?.n ?? 0);
  }
  return out;
}

/**
 * pg_dump in custom format, streamed into the staging object, in a snapshot exported by a
 * REPEATABLE READ transaction that also counts every table's rows (so the restore drill can compare
 * exactly what the dump holds). Then `pg_restore --list` reads the stored bytes back.
 */
export async function backupPostgres(
  ctx: TargetContext,
  staging: Staging,
  opts: PostgresOptions,
): Promise<PostgresOutcome> {
  const pgDump = pgTool('pg_dump', opts.binDir);
  const client = await connect(opts.url);
  try {
    const server = await client.query<{ num: string; version: string }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`,
    );
    const serverMajor = Math.floor(Number(server.rows[0]?.num ?? 0) / 10_000);
    const serverVersion = server.rows[0]?.version ?? '?';
    const clientMajor = await toolMajorVersion(pgDump);
    if (clientMajor < serverMajor) {
      throw new BackupError(
        `pg_dump ${clientMajor} is older than the server (PostgreSQL ${serverVersion}) and cannot dump it: install postgresql-client-${serverMajor} on the bot's host`,
      );
    }

    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = opts.countRows
      ? (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]?.s
      : undefined;
    const args = ['--format=custom', `--compress=${opts.compressLevel}`, '--no-password'];
    if (snapshot) args.push(`--snapshot=${snapshot}`);
    const dump = startTool(ctx, 'pg_dump', pgDump, args, pgEnv(opts.url));
    dump.child.stdin?.end();
    const counting = snapshot ? countRows(client) : Promise.resolve(undefined);
    counting.catch(() => {});
    let stored: { bytes: number; sha256: string };
    try {
      if (!dump.child.stdout) throw new BackupError('pg_dump has no output');
      [stored] = await Promise.all([staging.put('', dump.child.stdout, ctx.hooks?.onProgress), dump.done]);
    } catch (err) {
      dump.child.kill('SIGTERM');
      await dump.done.catch(() => {});
      // A full disk says more than the pg_dump we stopped; otherwise pg_dump's own error says more
      // than the broken pipe it caused.
      if (err instanceof DestinationError) throw err;
      throw await dump.done.then(
        () => err,
        (e: unknown) => e,
      );
    }
    const rowCounts = await counting;
    await client.query('COMMIT');

    const check = await verifyDump(ctx, staging, '', stored, pgTool('pg_restore', opts.binDir));
    return {
      ...stored,
      verification: `sha256 re-read, pg_restore --list: ${check.entries} entries`,
      details: { serverVersion, tocEntries: check.entries, ...(rowCounts ? { rowCounts } : {}) },
    };
  } finally {
    await client.end().catch(() => {});
  }
}
