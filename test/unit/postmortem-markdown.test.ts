import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mdBlock, mdInline, plainMentions } from '../../src/postmortem/markdown.ts';

/** A Markdown character not preceded by an odd number of backslashes. */
function unescaped(text: string, ch: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ch) continue;
    let slashes = 0;
    for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) slashes++;
    if (slashes % 2 === 0) return true;
  }
  return false;
}

describe('Markdown escaping of what users and alerts wrote (postmortem)', () => {
  it('keeps inline text from becoming HTML, links, emphasis, code or table cells', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), (s) => {
        const out = mdInline(s);
        expect(out).not.toMatch(/[\r\n]/);
        for (const ch of ['<', '>', '[', ']', '*', '_', '`', '|', '~'])
          expect(unescaped(out, ch)).toBe(false);
      }),
    );
  });

  it('keeps every line of a paragraph from starting a heading, list, quote or rule', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), { maxLength: 8 }),
        (lines) => {
          for (const line of mdBlock(lines.join('\n')).split('\n')) {
            expect(line.trimStart()).not.toMatch(/^(#|[-+=>]|\d+[.)])/);
          }
        },
      ),
    );
    expect(mdBlock('# title\n- item\n1. first\n> quote')).toBe(
      '\\# title  \n\\- item  \n1\\. first  \n\\> quote',
    );
  });

  it('turns Slack mentions and date tokens into plain text for the file', () => {
    expect(
      plainMentions('<@U0ALICE> at <!date^1764098907^{date_short_pretty}|2026-11-25 19:28:27 UTC>'),
    ).toBe('@U0ALICE at 2026-11-25 19:28:27 UTC');
  });
});
