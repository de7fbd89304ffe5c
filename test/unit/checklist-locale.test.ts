import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { checklistOf, DEFAULT_CHECKLIST, itemKey } from '../../src/incidents/checklist.ts';

const env = { DATABASE_URL: 'postgres://x@127.0.0.1/db' };

describe('the response checklist in the bot’s locale', () => {
  it('is the manual’s Chinese by default and English with LOCALE=en, item for item', () => {
    const zh = checklistOf(loadConfig(env));
    const en = checklistOf(loadConfig({ ...env, LOCALE: 'en' }));
    expect(zh).toEqual(DEFAULT_CHECKLIST);
    expect(zh[0]?.items[0]).toBe('确认故障范围和影响');
    expect(en[0]?.items[0]).toBe('Confirm the scope and impact of the failure');
    expect(en[3]?.items[3]).toBe('Update the operations documentation');
    // Every item has its English rendering: no Chinese left, and the same keys (ticks carry over).
    const allEn = en.flatMap((p) => p.items).join('\n');
    expect(allEn).not.toMatch(/[\u4e00-\u9fff]/);
    expect(en.flatMap((p) => p.items.map((_, i) => itemKey(p.id, i)))).toEqual(
      zh.flatMap((p) => p.items.map((_, i) => itemKey(p.id, i))),
    );
  });
});
