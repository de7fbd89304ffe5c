/**
 * Block Kit as terminal text, for console mode when a message carries blocks but no `plain` rendering
 * (incident root messages, checklists): headers, sections and their fields, context, checkboxes, buttons.
 * Slack's mrkdwn links, mentions and dates become readable text.
 */

type Obj = Record<string, unknown>;

const asObj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const asArray = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(asObj) : []);

/** `<url|label>` → `label (url)`, `<@U1>` → `@U1`, `<!date^…|fallback>` → fallback, entities decoded. */
export function mrkdwnToText(s: string): string {
  return s
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => label ?? `@${id}`)
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name ?? id}`)
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/```/g, '')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?，。：])/gm, '$1$2')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function textOf(v: unknown): string {
  const o = asObj(v);
  return typeof o.text === 'string' ? mrkdwnToText(o.text) : '';
}

function element(e: Obj): string {
  switch (e.type) {
    case 'button':
      return `[${textOf(e.text)}]`;
    case 'checkboxes': {
      const checked = new Set(asArray(e.initial_options).map((o) => String(o.value)));
      return asArray(e.options)
        .map((o) => `${checked.has(String(o.value)) ? '☑' : '☐'} ${textOf(o.text)}`)
        .join('\n');
    }
    case 'static_select':
    case 'users_select':
    case 'conversations_select':
    case 'overflow':
      return `[${textOf(e.placeholder) || 'select'} ▾]`;
    case 'image':
      return typeof e.alt_text === 'string' ? `[image: ${e.alt_text}]` : '';
    default:
      return textOf(e);
  }
}

/** Plain text for a list of blocks ('' when there are none). */
export function blocksToText(blocks: readonly unknown[]): string {
  const out: string[] = [];
  for (const b of blocks.map(asObj)) {
    switch (b.type) {
      case 'header':
        out.push(`━━ ${textOf(b.text)} ━━`);
        break;
      case 'section': {
        // A field is usually `*label*\nvalue`: one line `label: value` reads better in a terminal.
        const fields = asArray(b.fields).map((f) =>
          /^\*[^*\n]+\*\n/.test(String(f.text ?? '')) ? textOf(f).replace(/^([^\n]+)\n/, '$1: ') : textOf(f),
        );
        const parts = [textOf(b.text), ...fields].filter(Boolean);
        const accessory = b.accessory ? element(asObj(b.accessory)) : '';
        out.push([...parts, accessory].filter(Boolean).join('\n'));
        break;
      }
      case 'context':
        out.push(asArray(b.elements).map(element).filter(Boolean).join(' · '));
        break;
      case 'actions':
        out.push(asArray(b.elements).map(element).filter(Boolean).join(' '));
        break;
      case 'divider':
        out.push('────────');
        break;
      case 'image':
        out.push(element(b));
        break;
      default:
        break;
    }
  }
  return out.filter(Boolean).join('\n');
}
