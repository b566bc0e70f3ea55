import { useSyncExternalStore } from 'react';
import rosetta from 'rosetta';
import { ar } from './ar';
import { en } from './en';

/**
 * The UI's messages, looked up by key through rosetta (a message library of well under 1 kB): it finds a dotted key
 * in a language's table and fills in its `{{name}}` placeholders. This module adds what rosetta leaves to its user:
 * keys type-checked against `en.ts`, CLDR plural forms chosen by `count` (`key_one`, `key_few`, … before `key`),
 * English for a key missing in the current language, `<html lang dir>`, the saved language, and re-rendering on
 * change.
 */

/** UI languages: code, own name, and direction. Adding one is a file of messages and a line here. */
export const uiLanguages = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const;
export type UiLanguage = (typeof uiLanguages)[number]['code'];

const messages = rosetta<object>({ en, ar } satisfies Record<UiLanguage, object>);

/** Every dotted path to a message of `en.ts`, the complete set. */
type MessagePath<T> = {
  [K in keyof T & string]: T[K] extends string ? K : `${K}.${MessagePath<T[K]>}`;
}[keyof T & string];
type WithoutPluralSuffix<P> = P extends `${infer Base}_${Intl.LDMLPluralRule}` ? Base : P;
/** A message's key; plural messages (`judged_one`, `judged_other`) are named without the suffix and given a count. */
export type MessageKey = WithoutPluralSuffix<MessagePath<typeof en>>;
/** Values for a message's `{{name}}` placeholders; a numeric `count` also picks the plural form. */
export type MessageValues = Readonly<Record<string, string | number>>;
export type Translate = (key: MessageKey, values?: MessageValues) => string;

/**
 * Whether the language has this message. Rosetta answers '' both for a missing key and for an empty message, so the
 * table is asked; own properties only, so no key reaches `Object.prototype` (whose functions rosetta would call).
 */
function hasMessage(language: UiLanguage, key: string): boolean {
  let node: unknown = messages.table(language);
  for (const part of key.split('.')) {
    node =
      typeof node === 'object' && node !== null && Object.hasOwn(node, part)
        ? (node as Record<string, unknown>)[part]
        : undefined;
  }
  return typeof node === 'string';
}

const pluralRules = new Map<UiLanguage, Intl.PluralRules>();
function pluralForm(language: UiLanguage, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(language);
  if (!rules) pluralRules.set(language, (rules = new Intl.PluralRules(language)));
  return rules.select(count);
}

/**
 * In the language, else in English: with a count, the plural form (`key_one`, `key_few`, …) before the bare key; a key
 * found nowhere is shown as itself. Rosetta fills the placeholders; one without a value comes out empty (the values
 * are checked by the callers, and by the browser tests).
 */
function translate(language: UiLanguage, key: MessageKey, values: MessageValues = {}): string {
  const { count } = values;
  for (const code of language === 'en' ? (['en'] as const) : [language, 'en' as const]) {
    const plural = typeof count === 'number' ? `${key}_${pluralForm(code, count)}` : undefined;
    const found = plural !== undefined && hasMessage(code, plural) ? plural : hasMessage(code, key) ? key : undefined;
    if (found !== undefined) return messages.t(found, values, code);
  }
  return key;
}

// One stable function per language, so components re-render (and effects re-run) only when the language changes.
const translators = Object.fromEntries(
  uiLanguages.map(({ code }) => [code, (key: MessageKey, values?: MessageValues) => translate(code, key, values)]),
) as Record<UiLanguage, Translate>;

const STORAGE_KEY = 'anchor.uiLanguage';

function initialLanguage(): UiLanguage {
  const stored = safeStorage()?.getItem(STORAGE_KEY);
  const wanted = stored ?? navigator.language.split('-')[0] ?? 'en';
  return uiLanguages.some((l) => l.code === wanted) ? (wanted as UiLanguage) : 'en';
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked (private mode, policy): the default language it is
  }
}

/** `<html lang dir>` follow the UI language, so the whole layout mirrors for right-to-left languages. */
function applyToDocument(code: UiLanguage): void {
  const language = uiLanguages.find((l) => l.code === code) ?? uiLanguages[0];
  document.documentElement.lang = language.code;
  document.documentElement.dir = language.dir;
}

let currentLanguage = initialLanguage();
applyToDocument(currentLanguage);
const languageListeners = new Set<() => void>();

function onLanguageChange(listener: () => void): () => void {
  languageListeners.add(listener);
  return () => languageListeners.delete(listener);
}

export function setUiLanguage(code: UiLanguage): void {
  safeStorage()?.setItem(STORAGE_KEY, code);
  if (code === currentLanguage) return;
  currentLanguage = code;
  applyToDocument(code);
  for (const listener of languageListeners) listener();
}

/** The current UI language and its `t`; the component re-renders when the language changes. */
export function useTranslation(): { t: Translate; language: UiLanguage } {
  const language = useSyncExternalStore(onLanguageChange, () => currentLanguage);
  return { t: translators[language], language };
}
