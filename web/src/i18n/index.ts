// Tiny i18n: Japanese by default, English selectable. t('readN', {n: 3}) → "既読 3".
// English is loaded on demand (most users never need it; it is not in the initial load).
import ja, { type Dict } from './ja';

export type Lang = 'ja' | 'en';
export type Key = keyof Dict;

const dicts: Partial<Record<Lang, Dict>> = { ja };
let current: Lang = 'ja';

export function hasLang(l: Lang): boolean {
  return !!dicts[l];
}

export async function loadLang(l: Lang): Promise<void> {
  if (!dicts[l]) dicts[l] = (await import('./en')).default;
}

export function setLang(l: Lang): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

export function lang(): Lang {
  return current;
}

export function t(key: Key, vars?: Record<string, string | number>): string {
  let s = dicts[current]?.[key] ?? ja[key] ?? key;
  if (vars) for (const k in vars) s = s.split('{' + k + '}').join(String(vars[k]));
  return s;
}
