import type { ServiceConfig } from '../config.ts';
import { serviceOf } from '../incidents/evidence-config.ts';
import { incidentsForExport, type Queryable } from '../incidents/store.ts';
import type { Redactor } from '../redact.ts';
import { messageLink } from '../slack/permalink.ts';

/** One exported incident: the columns of the CSV, the keys of the JSON (same order, same names). */
export interface ExportedIncident {
  id: number;
  alertname: string;
  service: string;
  severity: string;
  status: string;
  started_at: string;
  acked_at: string | null;
  acked_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  time_to_ack_s: number | null;
  time_to_resolve_s: number | null;
  flap_count: number;
  alerts: number;
  commander: string | null;
  thread: string | null;
  root_cause: string;
  lessons: string;
  followups_open: number;
  followups_total: number;
}

export const EXPORT_COLUMNS: ReadonlyArray<keyof ExportedIncident> = [
  'id',
  'alertname',
  'service',
  'severity',
  'status',
  'started_at',
  'acked_at',
  'acked_by',
  'resolved_at',
  'resolved_by',
  'time_to_ack_s',
  'time_to_resolve_s',
  'flap_count',
  'alerts',
  'commander',
  'thread',
  'root_cause',
  'lessons',
  'followups_open',
  'followups_total',
];

/** Columns holding numbers (empty cell = null); the rest are text (empty cell = null where nullable). */
export const NUMERIC_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'time_to_ack_s',
  'time_to_resolve_s',
  'flap_count',
  'alerts',
  'followups_open',
  'followups_total',
]);
/** Text columns that are never null (an empty cell is ''). */
export const TEXT_NOT_NULL: ReadonlySet<string> = new Set([
  'alertname',
  'service',
  'severity',
  'status',
  'started_at',
  'root_cause',
  'lessons',
]);

const iso = (d: unknown) => (d ? (d as Date).toISOString() : null);
const secs = (ms: unknown) => (ms === null || ms === undefined ? null : Math.round(Number(ms)) / 1000);

/** Incidents that started since `since`, oldest first, with their postmortem and follow-up counts. */
export async function exportIncidents(
  db: Queryable,
  services: readonly ServiceConfig[],
  redact: Redactor,
  since: Date,
  limit = 100_000,
): Promise<ExportedIncident[]> {
  return (await incidentsForExport(db, since, limit)).map((x) => {
    const labels = {
      ...(x.common_labels as Record<string, string>),
      ...(x.group_labels as Record<string, string>),
    };
    return {
      id: Number(x.id),
      alertname: redact(String(x.alertname ?? '')),
      service: serviceOf(labels, services) ?? labels.service ?? labels.job ?? '',
      severity: String(x.severity ?? ''),
      status: String(x.status),
      started_at: (x.started_at as Date).toISOString(),
      acked_at: iso(x.acked_at),
      acked_by: (x.acked_by as string | null) ?? null,
      resolved_at: iso(x.resolved_at),
      resolved_by: (x.resolved_by as string | null) ?? null,
      time_to_ack_s: secs(x.time_to_ack_ms),
      time_to_resolve_s: secs(x.time_to_resolve_ms),
      flap_count: Number(x.flap_count ?? 0),
      alerts: Number(x.alert_count ?? 0),
      commander: (x.commander as string | null) ?? null,
      thread: x.root_ts ? messageLink(String(x.channel), String(x.root_ts)) : null,
      root_cause: redact(String(x.pm_root_cause ?? '')),
      lessons: redact(String(x.pm_lessons ?? '')),
      followups_open: Number(x.f_open ?? 0),
      followups_total: Number(x.f_total ?? 0),
    };
  });
}

/**
 * A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is written with a leading
 * `'` (OWASP's advice); so is one that starts with `'` itself, so reading strips exactly one.
 */
const FORMULA_START = /^[=+\-@\t\r']/;

function csvCell(v: unknown, column: string): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (!NUMERIC_COLUMNS.has(column) && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV: a header row, CRLF line ends, quotes where needed. */
export function toCsv(rows: readonly ExportedIncident[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const r of rows) lines.push(EXPORT_COLUMNS.map((c) => csvCell(r[c], c)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function toJson(rows: readonly ExportedIncident[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** `30d` / `12h` → milliseconds (at most 365 days); undefined when malformed. */
export function parseSince(text: string): number | undefined {
  const m = /^(\d{1,4})([dh])$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000);
  return ms > 0 && ms <= 365 * 86_400_000 ? ms : undefined;
}
