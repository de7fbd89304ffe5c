/**
 * A neutral result of a command or job, and every message the bot posts (incident roots, thread
 * events, storm messages). Commands and renderers build one; renderers (Block Kit, terminal text) own
 * how it looks. Text here is plain, and renderers escape it for their medium, except where a block
 * says `markup: true`: then it is already inline markup (see `Markup`).
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

/**
 * Inline markup, for messages that link, mention and date things (incident messages): `*bold*`,
 * `` `code` ``, `> quote`, `<url|label>`, `<@U123>`, `<!here>`, `<!date^unix^format|fallback>`, and
 * `&amp;` `&lt;` `&gt;` for the three characters that would start markup. Slack shows it as it is;
 * the text renderer turns it into readable text. Text from outside must be escaped before it goes in.
 */
export type Markup = string;

/** An option of a select or a checkbox group: `value` is what the interaction handler receives. */
export interface ReportOption {
  label: string;
  value: string;
  /** Small print under the option (checkboxes), in markup. */
  description?: Markup;
}

/**
 * A control the reader can use: `id` names the handler (Block Kit's `action_id`), `value` is passed
 * to it. Labels and placeholders are plain text.
 */
export type ReportControl =
  | { kind: 'button'; id: string; label: string; value?: string; style?: 'primary' | 'danger' }
  | { kind: 'select'; id: string; placeholder: string; options: ReportOption[]; initial?: string }
  | { kind: 'user-select'; id: string; placeholder: string; initialUser?: string }
  /** Labels are escaped like plain text but shown as markup (Slack's checkbox options are mrkdwn). */
  | { kind: 'checkboxes'; id: string; options: ReportOption[]; checked?: string[] };

export type ReportBlock =
  /**
   * A paragraph; `max` cuts markup text (which is never split) below the renderer's limit; `id`
   * names the block for interaction handlers; `control` sits beside the text (a checkbox group).
   */
  | { kind: 'text'; text: string; markup?: boolean; max?: number; id?: string; control?: ReportControl }
  /** With `markup`, labels and values are markup (shown as `*label*` over the value). */
  | { kind: 'fields'; fields: ReportField[]; markup?: boolean }
  | { kind: 'table'; table: ReportTable }
  | { kind: 'code'; title?: string; text: string }
  /** Small print inside the body (links, notes), one item each. */
  | { kind: 'context'; items: string[]; markup?: boolean }
  /** A row of controls; `id` names the row (Block Kit's `block_id`). */
  | { kind: 'actions'; id?: string; controls: ReportControl[] }
  | { kind: 'divider' };

export interface ReportLink {
  label: string;
  url: string;
}

export interface Report {
  /** The heading; '' for a message without one (a thread reply). */
  title: string;
  tone?: Tone;
  summary?: string;
  blocks?: ReportBlock[];
  links?: ReportLink[];
  /** Small print: when, where from, references. */
  context?: string[];
  /** The notification (and fallback) text, in markup; default: the title and the summary. */
  notification?: Markup;
  /** The message notifies the whole channel (an escalation step paging `@here`). */
  broadcast?: boolean;
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

/** Maps every label of a control through `fn`; ids and values are the handlers' contract and stay. */
function mapControl(c: ReportControl, fn: (s: string) => string): ReportControl {
  const option = (o: ReportOption): ReportOption => ({
    ...o,
    label: fn(o.label),
    ...(o.description === undefined ? {} : { description: fn(o.description) }),
  });
  switch (c.kind) {
    case 'button':
      return { ...c, label: fn(c.label) };
    case 'select':
      return { ...c, placeholder: fn(c.placeholder), options: c.options.map(option) };
    case 'user-select':
      return { ...c, placeholder: fn(c.placeholder) };
    case 'checkboxes':
      return { ...c, options: c.options.map(option) };
  }
}

/** Maps every string of a report through `fn` (used for redaction). */
export function mapReportText(report: Report, fn: (s: string) => string): Report {
  const mapBlock = (b: ReportBlock): ReportBlock => {
    switch (b.kind) {
      case 'text':
        return { ...b, text: fn(b.text), ...(b.control ? { control: mapControl(b.control, fn) } : {}) };
      case 'fields':
        return {
          ...b,
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
      case 'context':
        return { ...b, items: b.items.map(fn) };
      case 'actions':
        return { ...b, controls: b.controls.map((c) => mapControl(c, fn)) };
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
    notification: report.notification === undefined ? undefined : fn(report.notification),
  };
}
