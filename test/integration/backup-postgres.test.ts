import { createWriteStream, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirDestination } from '../../src/backup/destination.ts';
import { restoreDrill } from '../../src/backup/drill.ts';
import { BackupHistory } from '../../src/backup/history.ts';
import { runBackup, type TargetResult } from '../../src/backup/run.ts';
import { seedPlatformDb, sha256File, sql, writeConfigFile } from '../helpers/backup.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { makeTempDir } from '../helpers/cleanup.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';

function ok(r: TargetResult) {
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}
function failed(r: TargetResult) {
  if (r.status !== 'failed') throw new Error(`expected failed, got ${JSON.stringify(r)}`);
  return r;
}

describe('PostgreSQL backups against a real server', () => {
  let cluster: PgCluster;
  let t: TestBot;
  let dir: { path: string; remove: () => void };
  let counts: Record<string, number>;
  let history: BackupHistory;

  beforeAll(async () => {
    cluster = await startPgCluster();
    counts = await seedPlatformDb(cluster.url, 60_000);
    dir = makeTempDir('backups');
    t = await startTestBot({ TARGET_DATABASE_URL: cluster.url, BACKUP_DIR: dir.path }, { start: false });
    history = new BackupHistory(t.bot.deps.pool);
  });
  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    dir?.remove();
  });

  const files = () => readdirSync(join(dir.path, 'postgres'));

  it('dumps, verifies, records, and the dump restores with the same row counts', async () => {
    const r = ok(
      await runBackup(t.bot.deps, 'postgres', { trigger: 'slack', requestedBy: 'U0ADMIN', jobId: 'j1' }),
    );
    expect(r.location.startsWith(join(dir.path, 'postgres'))).toBe(true);
    expect(r.location).toMatch(/laojun_\d{8}T\d{6}Z_[0-9a-f]{6}\.dump$/);
    expect(sha256File(r.location)).toBe(r.sha256);
    expect(r.verification).toContain('pg_restore --list');
    expect(r.details.rowCounts).toEqual(counts);
    expect(files().filter((f) => f.startsWith('.'))).toEqual([]);

    const row = await history.lastGood('postgres');
    expect(row).toMatchObject({
      status: 'ok',
      verified: true,
      checksum: r.sha256,
      location: r.location,
      requested_by: 'U0ADMIN',
    });
    expect(Number(row?.bytes)).toBe(r.bytes);

    const metrics = await t.bot.deps.metrics.registry.metrics();
    expect(metrics).toMatch(/laojun_backup_last_success_timestamp_seconds\{target="postgres"\} \d{10}/);

    // Restore drill: into a scratch database on the same server, row counts compared.
    const drill = await restoreDrill(t.bot.deps);
    expect(drill).toMatchObject({ status: 'ok', tables: 3, countsKnown: true });
    const dbs = await sql(
      cluster.adminUrl,
      `SELECT datname FROM pg_database WHERE datname LIKE 'laojun_restore_drill%'`,
    );
    expect(dbs.rowCount).toBe(0);
  });

  it('a drill notices a dump whose tables do not match what was counted', async () => {
    const good = await history.lastGood('postgres');
    await t.bot.deps.pool.query(
      `UPDATE backup_runs SET details = jsonb_set(details, '{rowCounts,public.users}', '499') WHERE id = $1`,
      [good?.id],
    );
    const drill = await restoreDrill(t.bot.deps);
    expect(drill).toMatchObject({
      status: 'mismatch',
      mismatches: [{ table: 'public.users', expected: 499, actual: 500 }],
    });
  });

  it('target unreachable: a clear error, the previous good backup stays', async () => {
    const before = await history.lastGood('postgres');
    const deps = {
      ...t.bot.deps,
      config: { ...t.bot.deps.config, targetDatabaseUrl: 'postgres://laojun:s3cretpw@127.0.0.1:1/laojun' },
    };
    const r = failed(await runBackup(deps, 'postgres', { trigger: 'slack' }));
    expect(r.error).toContain('cannot connect to PostgreSQL at 127.0.0.1:1/laojun');
    expect(r.error).not.toContain('s3cretpw');
    expect((await history.lastGood('postgres'))?.id).toBe(before?.id);
    expect(existsSync(before?.location ?? '')).toBe(true);
  });

  it('disk full while writing: told so, nothing half-written is left or counted', async () => {
    const before = await history.lastGood('postgres');
    const full = new DirDestination(dir.path, { openWrite: () => createWriteStream('/dev/full') });
    const r = failed(await runBackup(t.bot.deps, 'postgres', { trigger: 'slack', destination: full }));
    expect(r.error).toContain('no space left on the device');
    expect(files().filter((f) => f.startsWith('.'))).toEqual([]);
    expect((await history.lastGood('postgres'))?.id).toBe(before?.id);
    expect(sha256File(before?.location ?? '')).toBe(before?.checksum);
  });

  it('destination not writable: told which path and why', async () => {
    const notADir = join(dir.path, 'plain-file');
    writeFileSync(notADir, 'x');
    const deps = { ...t.bot.deps, config: { ...t.bot.deps.config, backupDir: join(notADir, 'backups') } };
    const r = failed(await runBackup(deps, 'postgres', { trigger: 'slack' }));
    expect(r.error).toContain(`${notADir}/backups`);
    expect(r.error).toContain('not a directory');
  });

  it('a second request while one runs is told which job holds it', async () => {
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = runBackup(t.bot.deps, 'postgres', {
      trigger: 'slack',
      requestedBy: 'U0FIRST',
      jobId: 'job-first',
      hooks: { onChild: (name) => name === 'pg_dump' && release() },
    });
    await started;
    const second = await runBackup(t.bot.deps, 'postgres', { trigger: 'slack', requestedBy: 'U0SECOND' });
    expect(second.status).toBe('busy');
    expect(second.status === 'busy' && second.running).toMatchObject({
      job_id: 'job-first',
      requested_by: 'U0FIRST',
    });
    ok(await first);
  });

  it('pg_dump killed midway: a failure naming it, no partial file, previous backup intact', async () => {
    const before = await history.lastGood('postgres');
    let killed = false;
    let dumpPid: number | undefined;
    const r = failed(
      await runBackup(t.bot.deps, 'postgres', {
        trigger: 'slack',
        hooks: {
          onChild: (name, child) => {
            if (name === 'pg_dump') dumpPid = child.pid;
          },
          onProgress: () => {
            if (!killed && dumpPid) {
              killed = true;
              process.kill(dumpPid, 'SIGKILL');
            }
          },
        },
      }),
    );
    expect(r.error).toContain('pg_dump was killed (SIGKILL)');
    expect(files().filter((f) => f.startsWith('.'))).toEqual([]);
    expect((await history.lastGood('postgres'))?.id).toBe(before?.id);
  });

  it('stops when the connection holding its lock drops, so a second run cannot overlap; the bot keeps serving', async () => {
    const before = await history.lastGood('postgres');
    // pg_dump waits behind a table lock held by another session, so the run is still going.
    const blocker = new pg.Client({ connectionString: cluster.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE');
    let r: TargetResult;
    try {
      let started!: () => void;
      const dumping = new Promise<void>((resolve) => {
        started = resolve;
      });
      const run = runBackup(t.bot.deps, 'postgres', {
        trigger: 'slack',
        hooks: { onChild: (name) => name === 'pg_dump' && started() },
      });
      await dumping;
      // The bot's database ends the session holding the advisory lock (failover, idle-session
      // killer, network): PostgreSQL has dropped the lock with it.
      const ended = await t.bot.deps.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND objsubid = 2
            AND classid::bigint = (hashtext(current_schema())::bigint & 4294967295)
            AND objid::bigint = (hashtext('laojun-backup:postgres')::bigint & 4294967295)`,
      );
      expect(ended.rowCount).toBe(1);
      r = failed(await run);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(r.error).toMatch(
      /^pg_dump stopped: the bot's PostgreSQL connection holding the postgres backup lock/,
    );
    expect(files().filter((f) => f.startsWith('.'))).toEqual([]);
    expect((await history.lastGood('postgres'))?.id).toBe(before?.id);
    expect((await history.recent({ target: 'postgres', limit: 1 }))[0]).toMatchObject({
      id: r.id,
      status: 'failed',
    });
    // The pool replaced the broken connection: the next run takes the lock and succeeds.
    ok(await runBackup(t.bot.deps, 'postgres', { trigger: 'slack' }));
  });

  it('a run whose worker died is marked interrupted and its leftovers removed by the next run', async () => {
    await t.bot.deps.pool.query(
      `INSERT INTO backup_runs (target, status, started_at, location, object_key)
       VALUES ('postgres', 'running', now() - interval '1 hour', $1, 'postgres/laojun_killed.dump')`,
      [join(dir.path, 'postgres/laojun_killed.dump')],
    );
    writeFileSync(join(dir.path, 'postgres', '.partial-laojun_killed.dump-abc123'), 'half a dump');
    const r = ok(await runBackup(t.bot.deps, 'postgres', { trigger: 'schedule' }));
    expect(files().filter((f) => f.startsWith('.'))).toEqual([]);
    const rows = await history.recent({ target: 'postgres', limit: 20 });
    expect(rows.find((x) => x.object_key === 'postgres/laojun_killed.dump')?.status).toBe('interrupted');
    expect(rows[0]?.id).toBe(r.id);
  });

  it('retention removes good backups older than 30 days after a success, never the newest', async () => {
    const old = join(dir.path, 'postgres', 'laojun_20200101T000000Z.dump');
    writeFileSync(old, 'old dump');
    await t.bot.deps.pool.query(
      `INSERT INTO backup_runs (target, status, started_at, finished_at, location, object_key, verified)
       VALUES ('postgres', 'ok', now() - interval '40 days', now() - interval '40 days', $1, 'postgres/laojun_20200101T000000Z.dump', true)`,
      [old],
    );
    const r = ok(await runBackup(t.bot.deps, 'postgres', { trigger: 'schedule' }));
    expect(r.expired).toEqual([old]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(r.location)).toBe(true);
    // Only old backups left: the newest of them is kept.
    const future = new Date(Date.now() + 400 * 86_400_000);
    const expired = await history.expired('postgres', 30, future);
    expect(expired.map((x) => x.id)).not.toContain(r.id);
  });

  it('six backups started in the same second each get their own file, each matching its row', async () => {
    const second = new Date('2026-11-25T02:00:00.000Z');
    const deps = { ...t.bot.deps, now: () => second };
    const results = [];
    for (let i = 0; i < 6; i++) results.push(ok(await runBackup(deps, 'postgres', { trigger: 'slack' })));
    const locations = results.map((r) => r.location);
    expect(new Set(locations).size).toBe(6);
    for (const r of results) {
      expect(sha256File(r.location)).toBe(r.sha256);
      const row = await history.get(r.id);
      expect(row).toMatchObject({ status: 'ok', location: r.location, checksum: r.sha256 });
    }
  });

  it('retention never deletes a file that a live row still points to', async () => {
    // Two rows sharing one file (written before names were unique): the old one expires, the
    // newer one still points to the file.
    const shared = join(dir.path, 'postgres', 'laojun_20201010T000000Z.dump');
    writeFileSync(shared, 'shared dump');
    await t.bot.deps.pool.query(
      `INSERT INTO backup_runs (target, status, started_at, finished_at, location, object_key, verified)
       VALUES ('postgres', 'ok', now() - interval '40 days', now() - interval '40 days', $1, 'postgres/laojun_20201010T000000Z.dump', true),
              ('postgres', 'ok', now() - interval '1 day', now() - interval '1 day', $1, 'postgres/laojun_20201010T000000Z.dump', true)`,
      [shared],
    );
    const r = ok(await runBackup(t.bot.deps, 'postgres', { trigger: 'schedule' }));
    expect(r.expired).not.toContain(shared);
    expect(existsSync(shared)).toBe(true);
  });

  it('an empty database is a valid backup: dumped, verified, restorable', async () => {
    await sql(cluster.adminUrl, 'CREATE DATABASE empty_platform');
    const emptyUrl = new URL(cluster.url);
    emptyUrl.pathname = '/empty_platform';
    const deps = { ...t.bot.deps, config: { ...t.bot.deps.config, targetDatabaseUrl: emptyUrl.toString() } };
    const r = ok(await runBackup(deps, 'postgres', { trigger: 'slack' }));
    expect(r.location).toMatch(/empty_platform_\d{8}T\d{6}Z_[0-9a-f]{6}\.dump$/);
    expect(r.verification).toContain('pg_restore --list');
    expect(sha256File(r.location)).toBe(r.sha256);
  });
});

describe('a pg_dump older than the server', () => {
  it('is refused before anything is written, naming the client package to install', async () => {
    const cluster = await startPgCluster();
    const dir = makeTempDir('backups');
    // A pg_dump 14 in backup.postgres.binDir (the server is the machine's 15).
    const bin = makeTempDir('old-pg');
    writeFileSync(join(bin.path, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.11"\n', {
      mode: 0o755,
    });
    const configFile = writeConfigFile({ backup: { postgres: { binDir: bin.path } } });
    const t = await startTestBot(
      { TARGET_DATABASE_URL: cluster.url, BACKUP_DIR: dir.path, CONFIG_FILE: configFile.path },
      { start: false },
    );
    try {
      const r = failed(await runBackup(t.bot.deps, 'postgres', { trigger: 'slack' }));
      expect(r.error).toMatch(
        /pg_dump 14 is older than the server \(PostgreSQL 1\d\.\d+.*install postgresql-client-1\d/,
      );
      expect(readdirSync(join(dir.path, 'postgres'))).toEqual([]);
    } finally {
      await t.stop();
      await cluster.stop();
      dir.remove();
      bin.remove();
      configFile.remove();
    }
  });
});
