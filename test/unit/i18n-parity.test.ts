import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.ts';
import { createTranslator, FEATURES } from '../../src/i18n/index.ts';
import { zhCN } from '../../src/i18n/zh-CN.ts';

/**
 * Every message catalogue (the core one and each feature's, FEATURES in src/i18n/index.ts) has the
 * same keys in Chinese and English, and each message names the same placeholders in both: a missing
 * key shows a user the key itself, a missing placeholder drops a value from the message.
 */

// i18next plural forms: Chinese has only `_other`, English `_one` and `_other`.
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) out.set(`${key}.${i}`, String(item));
    } else if (v !== null && typeof v === 'object') {
      for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv);
    } else throw new Error(`${key}: a message must be text, not ${typeof v}`);
  }
  return out;
}

/** Keys with plural suffixes folded together; the placeholders of all forms of a key. */
function shape(tree: Record<string, unknown>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [key, text] of flatten(tree)) {
    const base = key.replace(PLURAL, '');
    const names = out.get(base) ?? new Set<string>();
    // `{{count}}` may be left out of a singular form ("one alert"), so it is not compared.
    for (const m of text.matchAll(/\{\{-?\s*([\w.]+)(?:\s*,[^}]*)?\s*\}\}/g)) {
      if (m[1] !== 'count') names.add(m[1] as string);
    }
    out.set(base, names);
  }
  return out;
}

function compare(name: string, zh: Record<string, unknown>, english: Record<string, unknown>): void {
  const a = shape(zh);
  const b = shape(english);
  expect([...b.keys()].sort(), `${name}: keys in English vs Chinese`).toEqual([...a.keys()].sort());
  for (const [key, names] of a) {
    expect([...(b.get(key) ?? [])].sort(), `${name}.${key}: placeholders`).toEqual([...names].sort());
  }
}

const catalogues: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['core', zhCN, en],
  ...FEATURES.map((f): [string, Record<string, unknown>, Record<string, unknown>] => [
    f.namespace,
    f['zh-CN'],
    f.en,
  ]),
];

describe('message catalogues', () => {
  it('include every feature catalogue, each under its own namespace', () => {
    const namespaces = FEATURES.map((f) => f.namespace);
    expect(new Set(namespaces).size).toBe(namespaces.length);
    for (const ns of namespaces) expect(Object.keys(zhCN)).not.toContain(ns);
    expect(namespaces).toEqual(expect.arrayContaining(['incidents', 'digest', 'backup', 'diagnostics']));
  });

  it.each(catalogues)('%s: the same keys and placeholders in Chinese and English', (name, zh, english) => {
    expect(flatten(zh).size).toBeGreaterThan(0);
    compare(name, zh, english);
  });

  it('detects a key missing from one language (the check itself can fail)', () => {
    expect(() => compare('probe', { a: 'x', b: 'y' }, { a: 'x' })).toThrow(/keys/);
    expect(() => compare('probe', { a: '{{who}} 已确认' }, { a: 'acknowledged' })).toThrow(/placeholders/);
    expect(() =>
      compare('probe', { n_other: '{{count}} 条' }, { n_one: 'one', n_other: '{{count}} alerts' }),
    ).not.toThrow();
  });

  it('resolve every key in both locales to text, not to the key', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const t = createTranslator(locale);
      for (const [name, zh] of catalogues) {
        const prefix = name === 'core' ? '' : `${name}.`;
        for (const key of flatten(zh).keys()) {
          if (/\.\d+$/.test(key) || PLURAL.test(key)) continue;
          const full = `${prefix}${key}`;
          const text = t(full, { count: 2 });
          expect(text, `${locale}: ${full}`).not.toBe(full);
        }
      }
    }
  });
});
