import type { Translate } from '../i18n/index.ts';
import type { Report, ReportField, Tone } from '../report/report.ts';
import type { Target } from './config.ts';
import type { BackupRow } from './history.ts';
import type { TargetResult } from './run.ts';
import { formatBytes } from './streams.ts';

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m - h * 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

function when(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

function resultField(r: TargetResult, t: Translate): ReportField {
  switch (r.status) {
    case 'ok': {
      const throughput = formatBytes(r.durationMs > 0 ? (r.bytes / r.durationMs) * 1000 : r.bytes);
      const lines = [
        t('backup.ok', { verification: r.verification }),
        t('backup.size', { size: formatBytes(r.bytes), duration: formatDuration(r.durationMs), throughput }),
        t('backup.location', { location: r.location }),
        t('backup.checksum', { sha256: r.sha256 }),
      ];
      if (r.expired.length) lines.push(t('backup.expired', { count: r.expired.length }));
      return { label: r.target, value: lines.join('\n'), tone: 'ok' };
    }
    case 'failed':
      return {
        label: r.target,
        value: `${t('backup.failed', { error: r.error })}\n${t('backup.failedKept')}`,
        tone: 'error',
      };
    case 'busy':
      return {
        label: r.target,
        value: r.running
          ? t('backup.busy', {
              target: r.target,
              job: r.running.job_id ?? r.running.id,
              by: r.running.requested_by ?? r.running.trigger,
              since: when(r.running.started_at),
            })
          : t('backup.busyUnknown', { target: r.target }),
        tone: 'warn',
      };
    case 'unconfigured':
      // The one unconfigured case (no destination) has its own message in the reader's language.
      return { label: r.target, value: t('backup.notConfigured'), tone: 'warn' };
  }
}

/** The answer to `/backup` and the nightly report. */
export function runReport(results: TargetResult[], t: Translate, opts: { nightly?: boolean } = {}): Report {
  const ok = results.filter((r) => r.status === 'ok').length;
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'unconfigured').length;
  const busy = results.filter((r) => r.status === 'busy').length;
  const tone: Tone = failed > 0 ? 'error' : busy > 0 ? 'warn' : 'ok';
  const title = opts.nightly
    ? failed > 0
      ? t('backup.titleNightlyFailed')
      : t('backup.titleNightly')
    : t('backup.titleRun');
  return {
    title,
    tone,
    summary: t('backup.summaryRun', { ok, failed, busy }),
    blocks: [{ kind: 'fields', fields: results.map((r) => resultField(r, t)) }],
    data: results.map((r) => (r.status === 'busy' ? { ...r, running: r.running?.id } : r)),
  };
}

/** `/backup list [target]`. */
export function listReport(rows: BackupRow[], t: Translate, target?: Target): Report {
  const status = (r: BackupRow) =>
    r.expired_at ? t('backup.status.expired') : t(`backup.status.${r.status}`);
  return {
    title: target ? t('backup.titleListTarget', { target }) : t('backup.titleList'),
    tone: 'info',
    ...(rows.length === 0 ? { summary: t('backup.empty') } : {}),
    blocks: rows.length
      ? [
          {
            kind: 'table',
            table: {
              columns: ['target', 'started', 'status', 'size', 'duration', 'location'].map((c) =>
                t(`backup.columns.${c}`),
              ),
              rows: rows.map((r) => [
                r.target,
                when(r.started_at),
                r.status === 'failed' || r.status === 'interrupted'
                  ? `${status(r)}: ${(r.error ?? '').slice(0, 80)}`
                  : status(r),
                r.bytes ? formatBytes(Number(r.bytes)) : '—',
                r.finished_at ? formatDuration(r.finished_at.getTime() - r.started_at.getTime()) : '—',
                r.location ?? '—',
              ]),
            },
          },
        ]
      : [],
    data: rows.map((r) => ({ ...r, details: undefined })),
  };
}

/** `/backup status`: the last good backup per target and its age. */
export function statusReport(
  entries: Array<{ target: Target; lastGood?: BackupRow; running?: BackupRow }>,
  t: Translate,
  now: Date,
  staleHours = 26,
): Report {
  let tone: Tone = 'ok';
  const fields: ReportField[] = entries.map(({ target, lastGood, running }) => {
    const lines: string[] = [];
    let fieldTone: Tone = 'ok';
    if (!lastGood?.finished_at) {
      lines.push(t('backup.statusNever'));
      fieldTone = 'error';
    } else {
      const age = now.getTime() - lastGood.finished_at.getTime();
      lines.push(
        t('backup.statusLine', {
          time: when(lastGood.finished_at),
          age: formatDuration(Math.max(0, age)),
          size: formatBytes(Number(lastGood.bytes ?? 0)),
          location: lastGood.location ?? '—',
        }),
      );
      if (age > staleHours * 3_600_000) {
        lines.push(t('backup.statusOld', { hours: staleHours }));
        fieldTone = 'warn';
      }
    }
    if (running) lines.push(t('backup.statusRunning', { since: when(running.started_at) }));
    if (fieldTone === 'error' || (fieldTone === 'warn' && tone === 'ok')) tone = fieldTone;
    return { label: target, value: lines.join('\n'), tone: fieldTone };
  });
  return {
    title: t('backup.titleStatus'),
    tone,
    blocks: [{ kind: 'fields', fields }],
    data: entries.map((e) => ({
      target: e.target,
      lastGood: e.lastGood?.finished_at?.toISOString(),
      running: e.running !== undefined,
    })),
  };
}
