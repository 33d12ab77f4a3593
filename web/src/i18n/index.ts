// Tiny i18n: Japanese by default, English selectable. t('readN', {n: 3}) → "既読 3".
// English is loaded on demand (most users never need it; it is not in the initial load), and
// so are the Japanese texts only some screens use: file screens (ja-files.ts,
// loadFileTexts) and rooms and people (ja-rooms.ts, loadRoomTexts). Notes have both their
// languages apart (ja-notes.ts, en-notes.ts, loadNoteTexts): the English only where it is used.
import ja, { type Dict } from './ja';
import type { FileTexts } from './ja-files';
import type { NoteTexts } from './ja-notes';
import type { RoomTexts } from './ja-rooms';

export type Lang = 'ja' | 'en';
export type Key = keyof Dict | keyof FileTexts | keyof RoomTexts | keyof NoteTexts;

type Texts = Partial<Record<Key, string>>;

const dicts: Partial<Record<Lang, Texts>> = { ja };
/** Texts of the parts loaded on demand, looked up after the current language's own. */
const more: Record<Lang, Texts> = { ja: {}, en: {} };
/** Loads the English of each part loaded so far (run when English is chosen). */
const english: (() => Promise<void>)[] = [];
let current: Lang = 'ja';

export function hasLang(l: Lang): boolean {
  return !!dicts[l];
}

export async function loadLang(l: Lang): Promise<void> {
  if (!dicts[l]) dicts[l] = (await Promise.all([import('./en'), ...english.map((f) => f())]))[0].default;
}

type Load = () => Promise<{ default: Texts }>;

/** Once: loads `load` into more[lang]; a failed load is tried again next time. */
function once(lang: Lang, load: Load): () => Promise<void> {
  let loading: Promise<void> | null = null;
  return () =>
    (loading ??= load().then(
      (m) => void (more[lang] = { ...more[lang], ...m.default }),
      (e) => {
        loading = null;
        throw e;
      },
    ));
}

/**
 * A part of the texts: its Japanese, and its English when that is apart (`en`; else en.ts has
 * it), loaded only while English is in use or once it is chosen.
 */
function part(ja: Load, en?: Load) {
  let loaded = false;
  const getJa = once('ja', ja);
  const getEn = en && once('en', en);
  const get = () => {
    if (getEn && !english.includes(getEn)) english.push(getEn);
    return Promise.all([getJa(), getEn && (current === 'en' || dicts.en) ? getEn() : null]).then(() => void (loaded = true));
  };
  return { has: () => loaded, get };
}

const files = part(() => import('./ja-files'));
const rooms = part(() => import('./ja-rooms'));
const notes = part(
  () => import('./ja-notes'),
  () => import('./en-notes'),
);

/** True once the file texts are here (English has them in en.ts). */
export const hasFileTexts = files.has;
/** Loads the Japanese file texts (upload states and errors, the viewer, reasons). */
export const loadFileTexts = files.get;
export const hasRoomTexts = rooms.has;
/** Loads the Japanese texts of rooms and people (rules, system messages, details, pickers). */
export const loadRoomTexts = rooms.get;
/** Loads the texts of notes (the list, the editor, versions, conflicts). */
export const loadNoteTexts = notes.get;

export function setLang(l: Lang): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

export function lang(): Lang {
  return current;
}

export function t(key: Key, vars?: Record<string, string | number>): string {
  let s = dicts[current]?.[key] ?? more[current][key] ?? more.ja[key] ?? ja[key as keyof Dict] ?? key;
  // One pass: a value (a name, a room name) containing "{name}" is never expanded again.
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
  return s;
}
