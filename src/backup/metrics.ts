import { Counter, Gauge, type Registry } from 'prom-client';

/** Backup metrics; `laojun_backup_last_success_timestamp_seconds` is what the too-old alert watches. */
export function createBackupMetrics(registry: Registry) {
  return {
    lastSuccess: new Gauge({
      name: 'laojun_backup_last_success_timestamp_seconds',
      help: 'Unix time the last successful, verified backup of a target finished',
      labelNames: ['target'] as const,
      registers: [registry],
    }),
    duration: new Gauge({
      name: 'laojun_backup_duration_seconds',
      help: 'Duration of the last backup run of a target (successful or not)',
      labelNames: ['target'] as const,
      registers: [registry],
    }),
    bytes: new Gauge({
      name: 'laojun_backup_bytes',
      help: 'Size of the last successful backup of a target',
      labelNames: ['target'] as const,
      registers: [registry],
    }),
    runs: new Counter({
      name: 'laojun_backup_runs_total',
      help: 'Backup runs by target, trigger (slack, schedule) and outcome (ok, failed, busy)',
      labelNames: ['target', 'trigger', 'outcome'] as const,
      registers: [registry],
    }),
    drillLastSuccess: new Gauge({
      name: 'laojun_backup_restore_drill_last_success_timestamp_seconds',
      help: 'Unix time of the last restore drill whose row counts matched',
      registers: [registry],
    }),
    drills: new Counter({
      name: 'laojun_backup_restore_drills_total',
      help: 'Restore drills by outcome (ok, mismatch, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type BackupMetrics = ReturnType<typeof createBackupMetrics>;
