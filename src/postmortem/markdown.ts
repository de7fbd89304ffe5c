/**
 * Escaping for the postmortem's Markdown (CommonMark/GFM): text from outside (alert annotations,
 * labels, what users typed) must not turn into emphasis, links, tables, HTML or (at the start of a
 * line) headings, lists and quotes in the document. Linear-time: character classes, no nesting.
 */
const INLINE_SPECIAL = /[\\`*_{}[\]<>|~&]/g;
/** Characters that make structure only at the start of a line: heading, list, quote, rule. */
const LINE_START = /^(\s*)([#+\-=]|\d+[.)])/;

/** Text on one line (table cells, list items): Markdown characters escaped, newlines folded. */
export function mdInline(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(INLINE_SPECIAL, (c) => `\\${c}`)
    .trim();
}

/**
 * A user's paragraphs (root cause, lessons): line breaks kept, each line escaped so nothing the user
 * typed becomes structure.
 */
export function mdBlock(text: string): string {
  return text
    .split(/\r?\n|\r/)
    .map((l) =>
      mdInline(l).replace(LINE_START, (_m, space: string, mark: string) =>
        // `1.` becomes `1\.` (a backslash escapes punctuation only); `#`, `-`, `+`, `=` get one before.
        /^\d/.test(mark) ? `${space}${mark.slice(0, -1)}\\${mark.slice(-1)}` : `${space}\\${mark}`,
      ),
    )
    .join('  \n')
    .trim();
}

/** `<@U123>` mentions (from the timeline's text) as plain `@U123` in a file. */
export function plainMentions(text: string): string {
  return text.replace(/<@([UW][A-Z0-9]+)>/g, '@$1').replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1');
}
