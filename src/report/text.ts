import { markupToText } from './markup.ts';
import { type Report, type ReportControl, type ReportTable, TONE_EMOJI } from './report.ts';

/** Display width: CJK and emoji take two terminal columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0xfe0f || (cp >= 0x300 && cp < 0x370)) continue;
    w +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)
        ? 2
        : 1;
  }
  return w;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** A table as aligned monospace text, also used inside Slack code blocks. */
export function formatTable(table: ReportTable): string {
  const widths = table.columns.map((c, i) =>
    Math.max(displayWidth(c), ...table.rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(table.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of table.rows) out.push(line(table.columns.map((_, i) => row[i] ?? '')));
  return out.join('\n');
}

/** A control as text: `[确认]`, `[事件级别: SEV2 ▾]`, a checkbox group as `☑ …` / `☐ …` lines. */
function controlText(c: ReportControl): string {
  switch (c.kind) {
    case 'button':
      return `[${c.label}]`;
    case 'select': {
      const chosen = c.options.find((o) => o.value === c.initial);
      return chosen ? `[${c.placeholder}: ${chosen.label} ▾]` : `[${c.placeholder} ▾]`;
    }
    case 'user-select':
      return c.initialUser ? `[${c.placeholder}: @${c.initialUser} ▾]` : `[${c.placeholder} ▾]`;
    case 'checkboxes': {
      const checked = new Set(c.checked ?? []);
      return c.options
        .map(
          (o) =>
            `${checked.has(o.value) ? '☑' : '☐'} ${o.label}${o.description ? `  ${markupToText(o.description)}` : ''}`,
        )
        .join('\n');
    }
  }
}

/** Terminal text: what the CLI and console mode print. */
export function renderText(report: Report): string {
  const out: string[] = [];
  const tone = report.tone ? `${TONE_EMOJI[report.tone]} ` : '';
  // A message without a title (a thread reply) starts with its first block.
  if (report.title) {
    out.push(`${tone}${report.title}`);
    out.push('='.repeat(Math.min(72, displayWidth(out[0] ?? ''))));
  }
  if (report.summary) out.push(report.summary);
  for (const block of report.blocks ?? []) {
    if (out.length) out.push('');
    switch (block.kind) {
      case 'text':
        out.push(block.markup ? markupToText(block.text) : block.text);
        if (block.control) out.push(controlText(block.control));
        break;
      case 'fields': {
        const shown = block.markup
          ? block.fields.map((f) => ({ ...f, label: markupToText(f.label), value: markupToText(f.value) }))
          : block.fields;
        const width = Math.max(...shown.map((f) => displayWidth(f.label)));
        for (const f of shown) {
          const t = f.tone ? `${TONE_EMOJI[f.tone]} ` : '';
          out.push(`${pad(f.label, width)}  ${t}${f.value.replace(/\n/g, `\n${' '.repeat(width + 2)}`)}`);
        }
        break;
      }
      case 'context':
        out.push(block.items.map((i) => (block.markup ? markupToText(i) : i)).join(' · '));
        break;
      case 'actions':
        out.push(block.controls.map(controlText).join(' '));
        break;
      case 'table':
        if (block.table.title) out.push(block.table.title);
        out.push(formatTable(block.table));
        break;
      case 'code':
        if (block.title) out.push(block.title);
        out.push(block.text);
        break;
      case 'divider':
        out.push('-'.repeat(40));
        break;
    }
  }
  if (report.links?.length) {
    if (out.length) out.push('');
    for (const l of report.links) out.push(`${l.label}: ${l.url}`);
  }
  if (report.context?.length) out.push(...(out.length ? [''] : []), report.context.join(' · '));
  return `${out.join('\n')}\n`;
}
