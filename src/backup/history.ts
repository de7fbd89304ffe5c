import type pg from 'pg';
import type { Target } from './config.ts';

export interface BackupRow {
  id: string;
  target: Target;
  status: 'running' | 'ok' | 'failed' | 'interrupted';
  trigger: string;
  requested_by: string | null;
  job_id: string | null;
  started_at: Date;
  finished_at: Date | null;
  bytes: string | null;
  checksum: string | null;
  location: string | null;
  object_key: string | null;
  verified: boolean;
  verification: string | null;
  error: string | null;
  details: Record<string, unknown>;
  expired_at: Date | null;
}

/** A held per-target lock: a session advisory lock (gone when the process dies) and the running row. */
export interface RunLock {
  id: string;
  /**
   * Aborts when the connection holding the advisory lock breaks or stops answering: PostgreSQL has
   * then dropped the lock, so another replica may start the same target; the run must stop.
   */
  lost: AbortSignal;
  release(): Promise<void>;
}

/** How often the lock's connection is checked, and how long a check may take. */
const LOCK_CHECK_EVERY_MS = 10_000;
const LOCK_CHECK_TIMEOUT_MS = 5_000;

export type Acquired =
  | { ok: true; lock: RunLock; interrupted: BackupRow[] }
  | { ok: false; running?: BackupRow };

/** Backup history in the bot's PostgreSQL: target, start, end, bytes, checksum, location, verified, error. */
export class BackupHistory {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Takes the target's lock or says who holds it. Holding it means any row still `running` belongs
   * to a run that was killed: those rows become `interrupted` (returned, so their files can go).
   */
  async acquire(
    target: Target,
    run: {
      trigger: string;
      requestedBy?: string;
      jobId?: string;
      location: string;
      objectKey: string;
      now: Date;
    },
  ): Promise<Acquired> {
    const client = await this.pool.connect();
    let locked = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext('laojun-backup:' || $1::text)) AS ok`,
        [target],
      );
      locked = rows[0]?.ok === true;
      if (!locked) {
        client.release();
        return { ok: false, running: await this.running(target) };
      }
      const interrupted = await client.query<BackupRow>(
        `UPDATE backup_runs SET status = 'interrupted', finished_at = $2,
                error = 'interrupted: the job stopped before finishing (worker killed or restarted)'
          WHERE target = $1 AND status = 'running' RETURNING *`,
        [target, run.now],
      );
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO backup_runs (target, status, trigger, requested_by, job_id, started_at, location, object_key)
         VALUES ($1, 'running', $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          target,
          run.trigger,
          run.requestedBy ?? null,
          run.jobId ?? null,
          run.now,
          run.location,
          run.objectKey,
        ],
      );
      const id = inserted.rows[0]?.id as string;
      const lost = new AbortController();
      const onLost = (why: string) => {
        if (lost.signal.aborted) return;
        lost.abort(
          `the bot's PostgreSQL connection holding the ${target} backup lock ${why}; stopped so that two ${target} backups cannot run at once`,
        );
      };
      // A checked-out pg client emits 'error' itself: without a listener a dropped connection would
      // crash the process.
      const onError = (err: Error) => onLost(`failed (${err.message})`);
      const onEnd = () => onLost('closed');
      client.on('error', onError);
      client.on('end', onEnd);
      let checking = false;
      const heartbeat = setInterval(() => {
        if (checking || lost.signal.aborted) return;
        checking = true;
        const late = setTimeout(
          () => onLost(`did not answer within ${LOCK_CHECK_TIMEOUT_MS} ms`),
          LOCK_CHECK_TIMEOUT_MS,
        );
        client
          .query('SELECT 1')
          .catch((err: Error) => onLost(`stopped answering (${err.message})`))
          .finally(() => {
            clearTimeout(late);
            checking = false;
          });
      }, LOCK_CHECK_EVERY_MS);
      heartbeat.unref();
      let released = false;
      return {
        ok: true,
        interrupted: interrupted.rows,
        lock: {
          id,
          lost: lost.signal,
          async release() {
            if (released) return;
            released = true;
            clearInterval(heartbeat);
            if (lost.signal.aborted) {
              // The session (and its lock) is gone or unusable: discard the connection. The listeners
              // stay (onLost is idempotent) so a late socket error cannot go unhandled.
              client.release(new Error('backup lock connection lost'));
              return;
            }
            await client
              .query(
                `SELECT pg_advisory_unlock(hashtext(current_schema()), hashtext('laojun-backup:' || $1::text))`,
                [target],
              )
              .catch(() => {});
            client.off('error', onError);
            client.off('end', onEnd);
            client.release();
          },
        },
      };
    } catch (err) {
      if (locked) {
        await client
          .query(
            `SELECT pg_advisory_unlock(hashtext(current_schema()), hashtext('laojun-backup:' || $1::text))`,
            [target],
          )
          .catch(() => {});
        client.release();
      }
      throw err;
    }
  }

  async running(target: Target): Promise<BackupRow | undefined> {
    const { rows } = await this.pool.query<BackupRow>(
      `SELECT * FROM backup_runs WHERE target = $1 AND status = 'running' ORDER BY started_at DESC LIMIT 1`,
      [target],
    );
    return rows[0];
  }

  async succeed(
    id: string,
    r: { now: Date; bytes: number; checksum: string; verification: string; details: Record<string, unknown> },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE backup_runs SET status = 'ok', finished_at = $2, bytes = $3, checksum = $4, verified = true,
              verification = $5, details = $6 WHERE id = $1`,
      [id, r.now, r.bytes, r.checksum, r.verification, JSON.stringify(r.details)],
    );
  }

  async fail(id: string, r: { now: Date; error: string }): Promise<void> {
    await this.pool.query(
      `UPDATE backup_runs SET status = 'failed', finished_at = $2, error = $3, location = NULL WHERE id = $1`,
      [id, r.now, r.error],
    );
  }

  async get(id: string): Promise<BackupRow | undefined> {
    const { rows } = await this.pool.query<BackupRow>('SELECT * FROM backup_runs WHERE id = $1', [id]);
    return rows[0];
  }

  async recent(opts: { target?: Target; limit?: number } = {}): Promise<BackupRow[]> {
    const { rows } = await this.pool.query<BackupRow>(
      `SELECT * FROM backup_runs WHERE ($1::text IS NULL OR target = $1)
        ORDER BY started_at DESC, id DESC LIMIT $2`,
      [opts.target ?? null, Math.min(opts.limit ?? 10, 100)],
    );
    return rows;
  }

  /** The newest successful, not yet expired backup of a target. */
  async lastGood(target: Target): Promise<BackupRow | undefined> {
    const { rows } = await this.pool.query<BackupRow>(
      `SELECT * FROM backup_runs WHERE target = $1 AND status = 'ok' AND expired_at IS NULL
        ORDER BY finished_at DESC, id DESC LIMIT 1`,
      [target],
    );
    return rows[0];
  }

  /** Good backups older than `days`, never the newest good one. */
  async expired(target: Target, days: number, now: Date): Promise<BackupRow[]> {
    const { rows } = await this.pool.query<BackupRow>(
      `SELECT * FROM backup_runs r
        WHERE r.target = $1 AND r.status = 'ok' AND r.expired_at IS NULL
          AND r.finished_at < $3::timestamptz - make_interval(days => $2)
          AND r.id <> (SELECT id FROM backup_runs WHERE target = $1 AND status = 'ok' AND expired_at IS NULL
                        ORDER BY finished_at DESC, id DESC LIMIT 1)
        ORDER BY r.finished_at`,
      [target, days, now],
    );
    return rows;
  }

  /** Whether a row other than `id` that is not expired (a good or running backup) points to `location`. */
  async referencedElsewhere(location: string, id: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT 1 FROM backup_runs
        WHERE location = $1 AND id <> $2 AND status IN ('ok', 'running') AND expired_at IS NULL LIMIT 1`,
      [location, id],
    );
    return rows.length > 0;
  }

  async markExpired(id: string, now: Date): Promise<void> {
    await this.pool.query('UPDATE backup_runs SET expired_at = $2 WHERE id = $1', [id, now]);
  }

  async recordDrill(d: {
    backupId?: string;
    startedAt: Date;
    finishedAt: Date;
    ok: boolean;
    tables?: number;
    mismatches: unknown[];
    error?: string;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO backup_drills (backup_id, started_at, finished_at, ok, tables, mismatches, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        d.backupId ?? null,
        d.startedAt,
        d.finishedAt,
        d.ok,
        d.tables ?? null,
        JSON.stringify(d.mismatches),
        d.error ?? null,
      ],
    );
  }
}
