// Tiny i18n: Japanese by default, English selectable. t('readN', {n: 3}) → "既読 3".
// English is loaded on demand (most users never need it; it is not in the initial load), and
// so are the Japanese texts only file screens use (ja-files.ts: loadFileTexts).
import ja, { type Dict } from './ja';
import type { FileTexts } from './ja-files';

export type Lang = 'ja' | 'en';
export type Key = keyof Dict | keyof FileTexts;

type Texts = Partial<Record<Key, string>>;

const dicts: Partial<Record<Lang, Texts>> = { ja };
let jaFiles: Texts | null = null;
let loadingFiles: Promise<void> | null = null;
let current: Lang = 'ja';

export function hasLang(l: Lang): boolean {
  return !!dicts[l];
}

export async function loadLang(l: Lang): Promise<void> {
  if (!dicts[l]) dicts[l] = (await import('./en')).default;
}

/** True once the file texts are here (English has them in en.ts). */
export function hasFileTexts(): boolean {
  return !!jaFiles;
}

/** Loads the Japanese file texts (upload states and errors, the viewer, reasons). */
export function loadFileTexts(): Promise<void> {
  if (jaFiles) return Promise.resolve();
  loadingFiles ??= import('./ja-files').then(
    (m) => {
      jaFiles = m.default;
    },
    (e) => {
      loadingFiles = null;
      throw e;
    },
  );
  return loadingFiles;
}

export function setLang(l: Lang): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

export function lang(): Lang {
  return current;
}

export function t(key: Key, vars?: Record<string, string | number>): string {
  let s = dicts[current]?.[key] ?? jaFiles?.[key] ?? ja[key as keyof Dict] ?? key;
  if (vars) for (const k in vars) s = s.split('{' + k + '}').join(String(vars[k]));
  return s;
}
