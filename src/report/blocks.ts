import type { KnownBlock } from '@slack/types';
import { LIMITS, truncate } from '../slack/limits.ts';
import { type Report, type ReportBlock, type ReportControl, TONE_EMOJI } from './report.ts';
import { formatTable, renderText } from './text.ts';

export interface SlackFile {
  filename: string;
  title: string;
  content: string;
}

/** A message Slack accepts: blocks within every limit, a plain-text fallback, long output as a file. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
  file?: SlackFile;
}

export interface RenderOptions {
  /** Note shown when the full output moves to a file; receives the file name. */
  attachedNote?: (filename: string) => string;
  filename?: string;
  /** Total block text budget (tests lower it). */
  budget?: number;
}

/** Escapes text for Slack mrkdwn. */
export function mrkdwnEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function codeFence(s: string): string {
  return `\`\`\`${s.replace(/```/g, 'ʼʼʼ')}\`\`\``;
}

/** Splits text at line boundaries into chunks of at most `max` characters. */
export function chunkLines(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const piece = line.length > max ? truncate(line, max) : line;
    if (current.length + piece.length + 1 > max && current) {
      chunks.push(current);
      current = piece;
    } else {
      current = current ? `${current}\n${piece}` : piece;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
});

/** Block Kit: a placeholder and an option's value hold 150 characters, a select 100 options, a checkbox group 10. */
const PLACEHOLDER_MAX = 150;
const OPTION_VALUE_MAX = 150;
const SELECT_OPTIONS_MAX = 100;
const CHECKBOX_OPTIONS_MAX = 10;

const plain = (text: string, max: number) => ({
  type: 'plain_text' as const,
  text: truncate(text.trim() || '—', max),
});

/** The Block Kit element of a control, within every limit. */
function element(c: ReportControl) {
  const action_id = truncate(c.id, LIMITS.actionId);
  switch (c.kind) {
    case 'button':
      return {
        type: 'button' as const,
        action_id,
        ...(c.style ? { style: c.style } : {}),
        ...(c.value === undefined ? {} : { value: truncate(c.value, LIMITS.buttonValue) }),
        text: plain(c.label, LIMITS.buttonText),
      };
    case 'select': {
      const options = c.options.slice(0, SELECT_OPTIONS_MAX).map((o) => ({
        text: plain(o.label, LIMITS.buttonText),
        value: truncate(o.value, OPTION_VALUE_MAX),
      }));
      const initial = options.find((o) => o.value === c.initial);
      return {
        type: 'static_select' as const,
        action_id,
        placeholder: plain(c.placeholder, PLACEHOLDER_MAX),
        options,
        ...(initial ? { initial_option: initial } : {}),
      };
    }
    case 'user-select':
      return {
        type: 'users_select' as const,
        action_id,
        placeholder: plain(c.placeholder, PLACEHOLDER_MAX),
        ...(c.initialUser ? { initial_user: c.initialUser } : {}),
      };
    case 'checkboxes': {
      const options = c.options.slice(0, CHECKBOX_OPTIONS_MAX).map((o) => ({
        text: {
          type: 'mrkdwn' as const,
          text: truncate(mrkdwnEscape(o.label.trim() || '—'), LIMITS.buttonText),
        },
        value: truncate(o.value, OPTION_VALUE_MAX),
        ...(o.description
          ? { description: { type: 'mrkdwn' as const, text: truncate(o.description, LIMITS.buttonText) } }
          : {}),
      }));
      const checked = new Set(c.checked ?? []);
      const initial = options.filter((o) => checked.has(o.value));
      return {
        type: 'checkboxes' as const,
        action_id,
        options,
        ...(initial.length ? { initial_options: initial } : {}),
      };
    }
  }
}

/** Blocks for one report block; `overflow` is set when something could not fit a block. */
function toBlocks(block: ReportBlock): { blocks: KnownBlock[]; overflow: boolean } {
  switch (block.kind) {
    case 'text':
      // Markup, a named block or one with a control is one section: markup is never split.
      if (block.markup || block.id || block.control) {
        const text = block.markup ? block.text : mrkdwnEscape(block.text);
        const max = Math.min(block.max ?? LIMITS.sectionText, LIMITS.sectionText);
        return {
          blocks: [
            {
              type: 'section',
              ...(block.id ? { block_id: truncate(block.id, LIMITS.blockId) } : {}),
              text: { type: 'mrkdwn', text: truncate(text.trim() ? text : '—', max) },
              ...(block.control ? { accessory: element(block.control) } : {}),
            } as KnownBlock,
          ],
          overflow: false,
        };
      }
      return {
        blocks: chunkLines(mrkdwnEscape(block.text), LIMITS.sectionText).map(section),
        overflow: false,
      };
    case 'fields': {
      const blocks: KnownBlock[] = [];
      for (let i = 0; i < block.fields.length; i += LIMITS.sectionFields) {
        blocks.push({
          type: 'section',
          fields: block.fields.slice(i, i + LIMITS.sectionFields).map((f) => ({
            type: 'mrkdwn' as const,
            text: truncate(
              block.markup
                ? `*${f.label}*\n${f.tone ? `${TONE_EMOJI[f.tone]} ` : ''}${f.value}`
                : `*${mrkdwnEscape(f.label.trim() || '—')}*\n${f.tone ? `${TONE_EMOJI[f.tone]} ` : ''}${mrkdwnEscape(f.value.trim() || '—')}`,
              LIMITS.fieldText,
            ),
          })),
        });
      }
      return { blocks, overflow: false };
    }
    case 'table':
    case 'code': {
      const title = block.kind === 'table' ? block.table.title : block.title;
      const body = block.kind === 'table' ? formatTable(block.table) : block.text;
      const fenced = codeFence(mrkdwnEscape(body));
      const head = title ? `*${mrkdwnEscape(title)}*\n` : '';
      if (head.length + fenced.length <= LIMITS.sectionText) {
        return { blocks: [section(head + fenced)], overflow: false };
      }
      // Show the beginning; the whole goes to the file.
      const room = LIMITS.sectionText - head.length - 8;
      return { blocks: [section(head + codeFence(truncate(mrkdwnEscape(body), room)))], overflow: true };
    }
    case 'context': {
      const items = block.items.filter((i) => i.trim());
      if (!items.length) return { blocks: [], overflow: false };
      return {
        blocks: [
          {
            type: 'context',
            elements: items.slice(0, LIMITS.contextElements).map((i) => ({
              type: 'mrkdwn' as const,
              text: truncate(block.markup ? i : mrkdwnEscape(i), LIMITS.sectionText),
            })),
          },
        ],
        overflow: false,
      };
    }
    case 'actions':
      if (!block.controls.length) return { blocks: [], overflow: false };
      return {
        blocks: [
          {
            type: 'actions',
            ...(block.id ? { block_id: truncate(block.id, LIMITS.blockId) } : {}),
            elements: block.controls.slice(0, LIMITS.actionsElements).map(element),
          } as KnownBlock,
        ],
        overflow: false,
      };
    case 'divider':
      return { blocks: [{ type: 'divider' }], overflow: false };
  }
}

/** Characters of text a block carries (what Slack's total-length check counts). */
export function blockTextLength(block: KnownBlock): number {
  let n = 0;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') n += x.length;
        else visit(x);
      }
    }
  };
  visit(block);
  return n;
}

/** Turns a Report into a message that never breaks a Block Kit limit. */
export function renderBlocks(report: Report, opts: RenderOptions = {}): SlackMessage {
  const budget = opts.budget ?? LIMITS.totalBlockText;
  const tone = report.tone ? `${TONE_EMOJI[report.tone]} ` : '';
  const header: KnownBlock = {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(`${tone}${report.title.trim() || '—'}`, LIMITS.headerText),
      emoji: true,
    },
  };
  // A message without a title (a thread reply) has no header.
  const fixed: KnownBlock[] = report.title ? [header] : [];
  if (report.summary)
    fixed.push(...chunkLines(mrkdwnEscape(report.summary), LIMITS.sectionText).slice(0, 1).map(section));

  const body: KnownBlock[] = [];
  let overflow = false;
  for (const b of report.blocks ?? []) {
    const r = toBlocks(b);
    body.push(...r.blocks);
    overflow ||= r.overflow;
  }

  const tail: KnownBlock[] = [];
  const links = (report.links ?? []).filter(
    (l) => l.url.length <= LIMITS.buttonUrl && /^https?:\/\//.test(l.url),
  );
  if (links.length) {
    tail.push({
      type: 'actions',
      elements: links.slice(0, LIMITS.actionsElements).map((l, i) => ({
        type: 'button' as const,
        action_id: `link_${i}`,
        text: {
          type: 'plain_text' as const,
          text: truncate(l.label || l.url, LIMITS.buttonText),
          emoji: true,
        },
        url: l.url,
      })),
    });
    overflow ||= links.length > LIMITS.actionsElements || links.length !== (report.links ?? []).length;
  }
  const context = (report.context ?? []).filter((c) => c.trim());
  if (context.length) {
    tail.push({
      type: 'context',
      elements: context.slice(0, LIMITS.contextElements).map((c) => ({
        type: 'mrkdwn' as const,
        text: truncate(mrkdwnEscape(c), LIMITS.sectionText),
      })),
    });
  }

  const total = (bs: KnownBlock[]) => bs.reduce((n, b) => n + blockTextLength(b), 0);
  let blocks = [...fixed, ...body, ...tail];
  const fits = (bs: KnownBlock[]) => bs.length <= LIMITS.blocksPerMessage && total(bs) <= budget;

  let file: SlackFile | undefined;
  if (overflow || !fits(blocks)) {
    const filename = opts.filename ?? 'report.txt';
    file = { filename, title: truncate(report.title, 200), content: renderText(report) };
    const note = section(
      mrkdwnEscape(opts.attachedNote?.(filename) ?? `Full output attached as ${filename}.`),
    );
    // Keep as much of the body as fits beside the header, note and tail.
    const kept: KnownBlock[] = [];
    for (const b of body) {
      if (!fits([...fixed, ...kept, b, note, ...tail])) break;
      kept.push(b);
    }
    blocks = [...fixed, ...kept, note, ...tail];
    if (!fits(blocks)) blocks = report.title ? [header, note] : [note];
  }

  // The top-level text is mrkdwn as well (notifications): escaped like every field, unless the
  // report brings its own notification in markup.
  const fallback = truncate(
    report.notification ??
      mrkdwnEscape(
        [`${tone}${report.title.trim() || '—'}`, report.summary?.trim()].filter(Boolean).join(' — '),
      ),
    LIMITS.sectionText,
  );
  return { text: fallback, blocks, ...(file ? { file } : {}) };
}
