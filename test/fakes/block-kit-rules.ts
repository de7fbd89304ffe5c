/**
 * Block Kit validation used by the fake Slack server (test/fakes/slack-api.ts).
 *
 * Enforces every limit of the table in shared/reference/slack-platform.md (taken from Slack's block
 * reference pages) so that a payload Slack would answer with `invalid_blocks` or `msg_blocks_too_long`
 * fails the test that sent it. Error strings imitate the ones Slack returns in `errors` /
 * `response_metadata.messages`: a human-readable reason followed by `[json-pointer:/blocks/N/...]`.
 */

export const BLOCK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  buttonUrl: 3000,
  blockId: 255,
  markdownText: 12_000,
  imageUrl: 3000,
  altText: 2000,
  inputLabel: 2000,
  /** Option objects (selects, overflow, checkboxes, radio buttons). */
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  selectPlaceholder: 150,
  /** static_select / multi_static_select: options or option_groups. */
  selectOptions: 100,
  overflowOptions: 5,
  checkboxOptions: 10,
  /** Undocumented cumulative limit of all text in a message's blocks (bolt-js#2509). */
  totalBlockText: 13_200,
  /** Message `text` beyond this is truncated by Slack, not rejected. */
  messageText: 40_000,
} as const;

/** Block types a message may carry; anything else is `invalid_blocks`. */
export const KNOWN_BLOCK_TYPES: ReadonlySet<string> = new Set([
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'image',
  'input',
  'rich_text',
  'markdown',
  'file',
  'video',
]);

export type BlocksVerdict =
  | { ok: true; totalText: number }
  | {
      ok: false;
      error: 'invalid_blocks_format' | 'invalid_blocks' | 'msg_blocks_too_long';
      errors: string[];
    };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  readonly errors: string[] = [];

  fail(reason: string, pointer: string): void {
    this.errors.push(`${reason} [json-pointer:${pointer}]`);
  }

  maxLen(value: unknown, max: number, pointer: string): void {
    if (typeof value === 'string' && value.length > max) {
      this.fail(`must be less than ${max + 1} characters (got ${value.length})`, pointer);
    }
  }

  optionalString(obj: Json, key: string, max: number, pointer: string): void {
    const v = obj[key];
    if (v === undefined) return;
    if (typeof v !== 'string') this.fail('must be a string', `${pointer}/${key}`);
    else this.maxLen(v, max, `${pointer}/${key}`);
  }

  /** A composition text object: `{type: 'plain_text'|'mrkdwn', text: '...'}`. */
  textObject(
    v: unknown,
    pointer: string,
    max: number,
    types: readonly string[] = ['plain_text', 'mrkdwn'],
  ): void {
    if (!isObject(v)) {
      this.fail('must be a text object', pointer);
      return;
    }
    if (typeof v.type !== 'string' || !types.includes(v.type)) {
      this.fail(
        `text object type must be ${types.join(' or ')} (got ${JSON.stringify(v.type)})`,
        `${pointer}/type`,
      );
    }
    if (typeof v.text !== 'string') {
      this.fail('text is required and must be a string', `${pointer}/text`);
    } else if (v.text.length === 0) {
      this.fail('must be more than 0 characters', `${pointer}/text`);
    } else {
      this.maxLen(v.text, max, `${pointer}/text`);
    }
  }

  blockId(block: Json, pointer: string, seen: Set<string>): void {
    const id = block.block_id;
    if (id === undefined) return;
    if (typeof id !== 'string' || id.length === 0) {
      this.fail('block_id must be a non-empty string', `${pointer}/block_id`);
      return;
    }
    this.maxLen(id, BLOCK_LIMITS.blockId, `${pointer}/block_id`);
    if (seen.has(id)) this.fail(`duplicate block_id "${id}"`, `${pointer}/block_id`);
    seen.add(id);
  }

  /** Interactive element (button, select, overflow, datepicker...). */
  element(el: unknown, pointer: string, actionIds?: Set<string>): void {
    if (!isObject(el) || typeof el.type !== 'string') {
      this.fail('element must be an object with a type', pointer);
      return;
    }
    if (el.action_id !== undefined) {
      if (typeof el.action_id !== 'string' || el.action_id.length === 0) {
        this.fail('action_id must be a non-empty string', `${pointer}/action_id`);
      } else {
        this.maxLen(el.action_id, BLOCK_LIMITS.actionId, `${pointer}/action_id`);
        if (actionIds?.has(el.action_id)) {
          this.fail(`duplicate action_id "${el.action_id}" in block`, `${pointer}/action_id`);
        }
        actionIds?.add(el.action_id);
      }
    }
    if (el.type === 'button') {
      this.textObject(el.text, `${pointer}/text`, BLOCK_LIMITS.buttonText, ['plain_text']);
      this.optionalString(el, 'value', BLOCK_LIMITS.buttonValue, pointer);
      this.optionalString(el, 'url', BLOCK_LIMITS.buttonUrl, pointer);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
        this.fail('style must be "primary" or "danger"', `${pointer}/style`);
      }
    } else if (el.type === 'image') {
      this.imageFields(el, pointer);
    } else if (el.type === 'static_select' || el.type === 'multi_static_select') {
      this.selectPlaceholder(el, pointer);
      if (el.options !== undefined && el.option_groups !== undefined) {
        this.fail('options and option_groups cannot both be set', pointer);
      } else if (Array.isArray(el.option_groups)) {
        this.maxItems(el.option_groups, 1, BLOCK_LIMITS.selectOptions, `${pointer}/option_groups`);
        el.option_groups.forEach((g, i) => {
          const p = `${pointer}/option_groups/${i}`;
          if (!isObject(g)) {
            this.fail('option group must be an object', p);
            return;
          }
          this.textObject(g.label, `${p}/label`, BLOCK_LIMITS.optionText, ['plain_text']);
          this.options(g.options, `${p}/options`, BLOCK_LIMITS.selectOptions, ['plain_text']);
        });
      } else {
        this.options(el.options, `${pointer}/options`, BLOCK_LIMITS.selectOptions, ['plain_text']);
      }
    } else if (el.type === 'overflow') {
      this.options(el.options, `${pointer}/options`, BLOCK_LIMITS.overflowOptions, ['plain_text']);
    } else if (el.type === 'checkboxes' || el.type === 'radio_buttons') {
      this.options(el.options, `${pointer}/options`, BLOCK_LIMITS.checkboxOptions);
    } else if (el.type.endsWith('_select')) {
      this.selectPlaceholder(el, pointer);
    }
  }

  selectPlaceholder(el: Json, pointer: string): void {
    if (el.placeholder !== undefined) {
      this.textObject(el.placeholder, `${pointer}/placeholder`, BLOCK_LIMITS.selectPlaceholder, [
        'plain_text',
      ]);
    }
  }

  maxItems(list: unknown[], min: number, max: number, pointer: string): void {
    if (list.length < min) this.fail(`must have at least ${min} items`, pointer);
    if (list.length > max) this.fail(`no more than ${max} items allowed (got ${list.length})`, pointer);
  }

  /** An array of option objects: `{text, value, description?}`. */
  options(
    list: unknown,
    pointer: string,
    max: number,
    textTypes: readonly string[] = ['plain_text', 'mrkdwn'],
  ): void {
    if (!Array.isArray(list)) {
      this.fail('options must be an array', pointer);
      return;
    }
    this.maxItems(list, 1, max, pointer);
    list.forEach((o, i) => {
      const p = `${pointer}/${i}`;
      if (!isObject(o)) {
        this.fail('option must be an object', p);
        return;
      }
      this.textObject(o.text, `${p}/text`, BLOCK_LIMITS.optionText, textTypes);
      if (typeof o.value !== 'string' || o.value.length === 0) {
        this.fail('option value is required', `${p}/value`);
      } else {
        this.maxLen(o.value, BLOCK_LIMITS.optionValue, `${p}/value`);
      }
      if (o.description !== undefined) {
        this.textObject(o.description, `${p}/description`, BLOCK_LIMITS.optionDescription, textTypes);
      }
    });
  }

  imageFields(img: Json, pointer: string): void {
    if (typeof img.image_url === 'string') {
      this.maxLen(img.image_url, BLOCK_LIMITS.imageUrl, `${pointer}/image_url`);
    } else if (!isObject(img.slack_file)) {
      this.fail('must provide image_url or slack_file', pointer);
    }
    if (typeof img.alt_text !== 'string' || img.alt_text.length === 0) {
      this.fail('alt_text is required', `${pointer}/alt_text`);
    } else {
      this.maxLen(img.alt_text, BLOCK_LIMITS.altText, `${pointer}/alt_text`);
    }
  }

  block(block: unknown, pointer: string, seenIds: Set<string>): void {
    if (!isObject(block)) {
      this.fail('block must be an object', pointer);
      return;
    }
    const type = block.type;
    if (typeof type !== 'string' || !KNOWN_BLOCK_TYPES.has(type)) {
      this.fail(`unsupported block type ${JSON.stringify(type)}`, `${pointer}/type`);
      return;
    }
    this.blockId(block, pointer, seenIds);
    switch (type) {
      case 'section':
        this.section(block, pointer);
        return;
      case 'header':
        this.textObject(block.text, `${pointer}/text`, BLOCK_LIMITS.headerText, ['plain_text']);
        return;
      case 'context':
        this.context(block, pointer);
        return;
      case 'actions':
        this.actions(block, pointer);
        return;
      case 'markdown':
        if (typeof block.text !== 'string' || block.text.length === 0) {
          this.fail('markdown block text is required', `${pointer}/text`);
        } else {
          this.maxLen(block.text, BLOCK_LIMITS.markdownText, `${pointer}/text`);
        }
        return;
      case 'image':
        this.imageFields(block, pointer);
        if (block.title !== undefined) {
          this.textObject(block.title, `${pointer}/title`, BLOCK_LIMITS.altText, ['plain_text']);
        }
        return;
      case 'input':
        this.textObject(block.label, `${pointer}/label`, BLOCK_LIMITS.inputLabel, ['plain_text']);
        if (!isObject(block.element)) this.fail('input block needs an element', `${pointer}/element`);
        return;
      case 'rich_text':
        if (!Array.isArray(block.elements))
          this.fail('rich_text needs an elements array', `${pointer}/elements`);
        return;
      default:
        // divider, file, video: the type is all we check.
        return;
    }
  }

  section(block: Json, pointer: string): void {
    const hasText = block.text !== undefined;
    const hasFields = block.fields !== undefined;
    if (!hasText && !hasFields) {
      this.fail('must define either `text` or `fields`', pointer);
    }
    if (hasText) this.textObject(block.text, `${pointer}/text`, BLOCK_LIMITS.sectionText);
    if (hasFields) {
      const fields = block.fields;
      if (!Array.isArray(fields) || fields.length === 0) {
        this.fail('fields must be a non-empty array', `${pointer}/fields`);
      } else {
        if (fields.length > BLOCK_LIMITS.sectionFields) {
          this.fail(
            `no more than ${BLOCK_LIMITS.sectionFields} items allowed (got ${fields.length})`,
            `${pointer}/fields`,
          );
        }
        fields.forEach((f, i) => {
          this.textObject(f, `${pointer}/fields/${i}`, BLOCK_LIMITS.sectionFieldText);
        });
      }
    }
    if (block.accessory !== undefined) this.element(block.accessory, `${pointer}/accessory`);
  }

  context(block: Json, pointer: string): void {
    const els = block.elements;
    if (!Array.isArray(els) || els.length === 0) {
      this.fail('context needs a non-empty elements array', `${pointer}/elements`);
      return;
    }
    if (els.length > BLOCK_LIMITS.contextElements) {
      this.fail(
        `no more than ${BLOCK_LIMITS.contextElements} items allowed (got ${els.length})`,
        `${pointer}/elements`,
      );
    }
    els.forEach((el, i) => {
      const p = `${pointer}/elements/${i}`;
      if (isObject(el) && el.type === 'image') this.imageFields(el, p);
      // Context text elements have no documented per-element cap beyond the section one.
      else this.textObject(el, p, BLOCK_LIMITS.sectionText);
    });
  }

  actions(block: Json, pointer: string): void {
    const els = block.elements;
    if (!Array.isArray(els) || els.length === 0) {
      this.fail('actions needs a non-empty elements array', `${pointer}/elements`);
      return;
    }
    if (els.length > BLOCK_LIMITS.actionsElements) {
      this.fail(
        `no more than ${BLOCK_LIMITS.actionsElements} items allowed (got ${els.length})`,
        `${pointer}/elements`,
      );
    }
    const ids = new Set<string>();
    els.forEach((el, i) => {
      this.element(el, `${pointer}/elements/${i}`, ids);
    });
  }
}

/** Sum of the lengths of every string `text` property anywhere in the block tree. */
export function totalBlockText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + totalBlockText(v), 0);
  if (!isObject(value)) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'text' && typeof v === 'string') n += v.length;
    else n += totalBlockText(v);
  }
  return n;
}

/**
 * Validates a message's `blocks` (already JSON-parsed) the way Slack does for chat.postMessage,
 * chat.update, chat.postEphemeral and response_url posts.
 */
export function validateBlocks(blocks: unknown): BlocksVerdict {
  if (!Array.isArray(blocks)) {
    return {
      ok: false,
      error: 'invalid_blocks_format',
      errors: ['blocks must be a JSON array [json-pointer:/blocks]'],
    };
  }
  const c = new Checker();
  if (blocks.length > BLOCK_LIMITS.blocksPerMessage) {
    c.fail(`no more than ${BLOCK_LIMITS.blocksPerMessage} items allowed (got ${blocks.length})`, '/blocks');
  }
  const seen = new Set<string>();
  blocks.forEach((b, i) => {
    c.block(b, `/blocks/${i}`, seen);
  });
  if (c.errors.length > 0) return { ok: false, error: 'invalid_blocks', errors: c.errors };
  const total = totalBlockText(blocks);
  if (total > BLOCK_LIMITS.totalBlockText) {
    return {
      ok: false,
      error: 'msg_blocks_too_long',
      errors: [
        `all text in blocks together is ${total} characters, more than about ${BLOCK_LIMITS.totalBlockText} [json-pointer:/blocks]`,
      ],
    };
  }
  return { ok: true, totalText: total };
}
