import i18next, { type TFunction } from 'i18next';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type Locale = 'zh-CN' | 'en';
export type Translate = TFunction;

/** User-facing text: Simplified Chinese by default, English with `LOCALE=en`. */
export function createTranslator(locale: Locale): Translate {
  const instance = i18next.createInstance();
  void instance.init({
    lng: locale,
    fallbackLng: 'zh-CN',
    initAsync: false,
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
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
