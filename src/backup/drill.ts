import pg from 'pg';
import type { Deps } from '../deps.ts';
import { newRef } from '../errors.ts';
import { backupSettings } from './config.ts';
import { createDestination, type Destination } from './destination.ts';
import { BackupError } from './errors.ts';
import { BackupHistory } from './history.ts';
import { countRows, describePg, pgEnv, pgTool } from './postgres.ts';
import { type BackupHooks, startTool } from './process.ts';
import { stamp } from './streams.ts';

export interface Mismatch {
  table: string;
  expected: number | null;
  actual: number | null;
}

export type DrillResult =
  | {
      status: 'ok';
      backupId: string;
      database: string;
      tables: number;
      durationMs: number;
      countsKnown: boolean;
    }
  | {
      status: 'mismatch';
      backupId: string;
      database: string;
      tables: number;
      durationMs: number;
      mismatches: Mismatch[];
    }
  | { status: 'failed'; backupId?: string; error: string; durationMs: number }
  | { status: 'none' };

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new BackupError(
      `cannot connect to PostgreSQL at ${describePg(url)} for the drill: ${(err as Error).message}`,
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

export function compareCounts(expected: Record<string, number>, actual: Record<string, number>): Mismatch[] {
  const out: Mismatch[] = [];
  for (const table of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const e = expected[table];
    const a = actual[table];
    if (e !== a) out.push({ table, expected: e ?? null, actual: a ?? null });
  }
  return out.sort((x, y) => x.table.localeCompare(y.table));
}

/**
 * The restore drill: the latest good PostgreSQL dump, restored with pg_restore (streamed from the
 * destination) into a scratch database, whose table row counts must equal those counted in the
 * dump's own snapshot. The scratch database is always dropped.
 */
export async function restoreDrill(
  deps: Pick<Deps, 'config' | 'pool' | 'logger' | 'metrics' | 'now' | 'redact'>,
  opts: { destination?: Destination; hooks?: BackupHooks } = {},
): Promise<DrillResult> {
  const settings = backupSettings(deps.config);
  const history = new BackupHistory(deps.pool);
  const backup = await history.lastGood('postgres');
  if (!backup?.object_key) return { status: 'none' };
  const destination = opts.destination ?? (settings.target ? createDestination(settings.target) : undefined);
  if (!destination) return { status: 'none' };
  const startedAt = deps.now();
  const t0 = performance.now();
  const adminUrl = withDatabase(settings.drill.databaseUrl ?? deps.config.targetDatabaseUrl, 'postgres');
  const database = `laojun_restore_drill_${stamp(startedAt).toLowerCase()}`;
  const scratchUrl = withDatabase(adminUrl, database);
  const controller = new AbortController();
  let result: DrillResult;
  try {
    await adminQuery(adminUrl, `CREATE DATABASE "${database}"`);
    try {
      const source = await destination.read(backup.object_key);
      const restore = startTool(
        { logger: deps.logger, signal: controller.signal, hooks: opts.hooks },
        'pg_restore',
        pgTool('pg_restore', settings.postgres.binDir),
        ['--no-owner', '--no-acl', '--no-password', `--dbname=${database}`],
        pgEnv(scratchUrl),
      );
      const stdin = restore.child.stdin;
      if (!stdin) throw new BackupError('pg_restore has no input');
      stdin.on('error', () => {});
      source.on('error', () => restore.child.kill('SIGTERM'));
      source.pipe(stdin);
      await restore.done;
      const client = new pg.Client({ connectionString: scratchUrl, connectionTimeoutMillis: 10_000 });
      client.on('error', () => {});
      await client.connect();
      let actual: Record<string, number>;
      try {
        actual = await countRows(client);
      } finally {
        await client.end().catch(() => {});
      }
      const expected = backup.details.rowCounts as Record<string, number> | undefined;
      const mismatches = expected ? compareCounts(expected, actual) : [];
      const durationMs = performance.now() - t0;
      const tables = Object.keys(actual).length;
      result = mismatches.length
        ? { status: 'mismatch', backupId: backup.id, database, tables, durationMs, mismatches }
        : {
            status: 'ok',
            backupId: backup.id,
            database,
            tables,
            durationMs,
            countsKnown: expected !== undefined,
          };
    } finally {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch((err) =>
        deps.logger.warn({ err, database }, 'could not drop the drill database'),
      );
    }
  } catch (err) {
    let error: string;
    if (err instanceof BackupError) error = deps.redact(err.message);
    else {
      const ref = newRef();
      deps.logger.error({ ref, err }, 'restore drill failed');
      error = deps.redact(`failed (ref ${ref}): ${(err as Error).message}`);
    }
    result = { status: 'failed', backupId: backup.id, error, durationMs: performance.now() - t0 };
  }
  await history
    .recordDrill({
      backupId: result.backupId,
      startedAt,
      finishedAt: deps.now(),
      ok: result.status === 'ok',
      tables: result.status === 'ok' || result.status === 'mismatch' ? result.tables : undefined,
      mismatches: result.status === 'mismatch' ? result.mismatches : [],
      error: result.status === 'failed' ? result.error : undefined,
    })
    .catch((err) => deps.logger.warn({ err }, 'could not record the drill'));
  deps.metrics.backup.drills.inc({ outcome: result.status });
  if (result.status === 'ok') deps.metrics.backup.drillLastSuccess.set(deps.now().getTime() / 1000);
  return result;
}
