import i18next, { type TFunction } from 'i18next';
import { backupMessages } from '../backup/messages.ts';
import { diagnosticsMessages } from '../diagnostics/messages.ts';
import { digestMessages } from '../digest/i18n.ts';
import { incidentMessages } from '../incidents/i18n.ts';
import { oncallMessages } from '../oncall/i18n.ts';
import { postmortemMessages } from '../postmortem/i18n.ts';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

/**
 * Messages of a feature, kept beside the core catalogue: `{ 'zh-CN': {...}, en: {...} }` under one
 * top-level key (the feature's namespace, e.g. `incidents`). Add a feature's catalogue to FEATURES.
 */
export interface FeatureMessages {
  namespace: string;
  'zh-CN': Record<string, unknown>;
  en: Record<string, unknown>;
}

export const FEATURES: FeatureMessages[] = [
  incidentMessages,
  digestMessages,
  backupMessages,
  diagnosticsMessages,
  postmortemMessages,
  oncallMessages,
];

function resources(): Record<string, { translation: Record<string, unknown> }> {
  const zh: Record<string, unknown> = { ...zhCN };
  const english: Record<string, unknown> = { ...en };
  for (const f of FEATURES) {
    if (f.namespace in zh) throw new Error(`duplicate message namespace ${f.namespace}`);
    zh[f.namespace] = f['zh-CN'];
    english[f.namespace] = f.en;
  }
  return { 'zh-CN': { translation: zh }, en: { translation: english } };
}

export type Locale = 'zh-CN' | 'en';
export type Translate = TFunction;

/** User-facing text: Simplified Chinese by default, English with `LOCALE=en`. */
export function createTranslator(locale: Locale): Translate {
  const instance = i18next.createInstance();
  void instance.init({
    lng: locale,
    fallbackLng: 'zh-CN',
    initAsync: false,
    resources: resources(),
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance.t.bind(instance);
}

/** Text given in both languages inside a definition (commands, checklists). */
export interface Localized {
  'zh-CN': string;
  en: string;
}

export function pick(text: Localized | string, locale: Locale): string {
  return typeof text === 'string' ? text : text[locale];
}
