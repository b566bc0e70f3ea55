import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { ar } from './ar';
import { en } from './en';

/** UI languages: code, own name, and direction. Adding one is a file of messages and a line here. */
export const uiLanguages = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const;
export type UiLanguage = (typeof uiLanguages)[number]['code'];

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
function applyToDocument(code: string): void {
  const language = uiLanguages.find((l) => l.code === code) ?? uiLanguages[0];
  document.documentElement.lang = language.code;
  document.documentElement.dir = language.dir;
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, ar: { translation: ar } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  initAsync: false, // resources are bundled: ready before the first render
  interpolation: { escapeValue: false }, // React escapes
  react: { useSuspense: false },
});
applyToDocument(i18next.language);
i18next.on('languageChanged', applyToDocument);

export function setUiLanguage(code: UiLanguage): void {
  safeStorage()?.setItem(STORAGE_KEY, code);
  void i18next.changeLanguage(code);
}

export { i18next };
