import type pg from 'pg';

export type AuditOutcome =
  | 'queued'
  | 'ok'
  | 'failed'
  | 'denied'
  | 'bad_args'
  | 'queue_unavailable'
  | 'rate_limited'
  | 'help';

export interface AuditEntry {
  userId: string;
  teamId?: string;
  channelId?: string;
  command: string;
  /** Already redacted. */
  arguments: string;
  source?: 'slack' | 'cli' | 'button' | 'schedule' | 'incident';
  outcome: AuditOutcome;
  detail?: string;
  durationMs?: number;
  jobId?: string;
}

/** The command audit log: who ran what, where, with which arguments, and how it ended. */
export class AuditLog {
  constructor(private readonly pool: pg.Pool) {}

  /** Records an entry; a job id makes it idempotent (a retried job updates its row). */
  async record(e: AuditEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO command_audit (user_id, team_id, channel_id, command, arguments, source, outcome, detail, duration_ms, job_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
       ON CONFLICT (job_id) DO UPDATE SET outcome = EXCLUDED.outcome, detail = EXCLUDED.detail,
         duration_ms = EXCLUDED.duration_ms, at = now()`,
      [
        e.userId,
        e.teamId ?? null,
        e.channelId ?? null,
        e.command,
        e.arguments,
        e.source ?? 'slack',
        e.outcome,
        e.detail ?? null,
        e.durationMs ?? null,
        e.jobId ?? null,
      ],
    );
  }

  async recent(opts: { limit?: number; userId?: string; command?: string } = {}) {
    const { rows } = await this.pool.query<{
      at: Date;
      user_id: string;
      channel_id: string | null;
      command: string;
      arguments: string;
      source: string;
      outcome: string;
      detail: string | null;
      duration_ms: number | null;
      job_id: string | null;
    }>(
      `SELECT at, user_id, channel_id, command, arguments, source, outcome, detail, duration_ms, job_id
         FROM command_audit
        WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR command = $2)
        ORDER BY at DESC, id DESC LIMIT $3`,
      [opts.userId ?? null, opts.command ?? null, Math.min(opts.limit ?? 20, 200)],
    );
    return rows;
  }
}
