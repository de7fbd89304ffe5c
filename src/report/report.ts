/**
 * A neutral result of a command or job. Commands build one; renderers (Block Kit, terminal text)
 * own how it looks. Text here is plain: renderers escape it for their medium.
 */
export type Tone = 'ok' | 'warn' | 'error' | 'unknown' | 'info';

export interface ReportField {
  label: string;
  value: string;
  tone?: Tone;
}

export interface ReportTable {
  title?: string;
  columns: string[];
  rows: string[][];
}

export type ReportBlock =
  | { kind: 'text'; text: string }
  | { kind: 'fields'; fields: ReportField[] }
  | { kind: 'table'; table: ReportTable }
  | { kind: 'code'; title?: string; text: string }
  | { kind: 'divider' };

export interface ReportLink {
  label: string;
  url: string;
}

export interface Report {
  title: string;
  tone?: Tone;
  summary?: string;
  blocks?: ReportBlock[];
  links?: ReportLink[];
  /** Small print: when, where from, references. */
  context?: string[];
  /** Raw data for machine consumers (CLI `--json`, tests); never rendered. */
  data?: unknown;
  /**
   * A file that is the result itself (a postmortem, an export): attached to the Slack answer and
   * printed as it is by the CLI (so `laojun … > file` gets the document). Its text is already safe.
   */
  document?: { filename: string; content: string };
}

export const TONE_EMOJI: Record<Tone, string> = {
  ok: '🟢',
  warn: '🟠',
  error: '🔴',
  unknown: '⚪',
  info: 'ℹ️',
};

/** Maps every string of a report through `fn` (used for redaction). */
export function mapReportText(report: Report, fn: (s: string) => string): Report {
  const mapBlock = (b: ReportBlock): ReportBlock => {
    switch (b.kind) {
      case 'text':
        return { kind: 'text', text: fn(b.text) };
      case 'fields':
        return {
          kind: 'fields',
          fields: b.fields.map((f) => ({ ...f, label: fn(f.label), value: fn(f.value) })),
        };
      case 'table':
        return {
          kind: 'table',
          table: {
            title: b.table.title === undefined ? undefined : fn(b.table.title),
            columns: b.table.columns.map(fn),
            rows: b.table.rows.map((r) => r.map(fn)),
          },
        };
      case 'code':
        return { kind: 'code', title: b.title === undefined ? undefined : fn(b.title), text: fn(b.text) };
      default:
        return b;
    }
  };
  return {
    ...report,
    title: fn(report.title),
    summary: report.summary === undefined ? undefined : fn(report.summary),
    blocks: report.blocks?.map(mapBlock),
    links: report.links?.map((l) => ({ label: fn(l.label), url: fn(l.url) })),
    context: report.context?.map(fn),
  };
}
