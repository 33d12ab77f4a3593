// Tiny i18n: Japanese by default, English selectable. t('readN', {n: 3}) → "既読 3".
// English is loaded on demand (most users never need it; it is not in the initial load), and
// so are the Japanese texts only some screens use: file screens (ja-files.ts,
// loadFileTexts), rooms and people (ja-rooms.ts, loadRoomTexts), stamps, reactions and
// pins (ja-collab.ts, loadCollabTexts), action stamps (ja-actions.ts, loadActionTexts),
// notes (ja-notes.ts, loadNoteTexts), search (ja-search.ts, loadSearchTexts) and 安否確認
// (ja-safety.ts, loadSafetyTexts); the login page's too (ja-login.ts, loadLoginTexts).
import ja, { type Dict } from './ja';
import type { ActionTexts } from './ja-actions';
import type { CollabTexts } from './ja-collab';
import type { FileTexts } from './ja-files';
import type { LoginTexts } from './ja-login';
import type { NoteTexts } from './ja-notes';
import type { RoomTexts } from './ja-rooms';
import type { SafetyTexts } from './ja-safety';
import type { SearchTexts } from './ja-search';

export type Lang = 'ja' | 'en';
export type Key =
  | keyof Dict
  | keyof FileTexts
  | keyof RoomTexts
  | keyof CollabTexts
  | keyof ActionTexts
  | keyof NoteTexts
  | keyof SearchTexts
  | keyof SafetyTexts
  | keyof LoginTexts;

type Texts = Partial<Record<Key, string>>;

const dicts: Partial<Record<Lang, Texts>> = { ja };
/** Japanese texts loaded on demand, looked up after the current language's. */
let jaMore: Texts = {};
let current: Lang = 'ja';

export function hasLang(l: Lang): boolean {
  return !!dicts[l];
}

export async function loadLang(l: Lang): Promise<void> {
  if (!dicts[l]) dicts[l] = (await import('./en')).default;
}

/** Loads a part of the Japanese texts once; a failed load is tried again next time. */
function part(load: () => Promise<{ default: Texts }>) {
  let loaded = false;
  let loading: Promise<void> | null = null;
  const get = () =>
    loaded
      ? Promise.resolve()
      : (loading ??= load().then(
          (m) => {
            jaMore = { ...jaMore, ...m.default };
            loaded = true;
          },
          (e) => {
            loading = null;
            throw e;
          },
        ));
  return { has: () => loaded, get };
}

const files = part(() => import('./ja-files'));
const rooms = part(() => import('./ja-rooms'));
const collab = part(() => import('./ja-collab'));
const actions = part(() => import('./ja-actions'));
const notes = part(() => import('./ja-notes'));
const search = part(() => import('./ja-search'));
const safety = part(() => import('./ja-safety'));
const login = part(() => import('./ja-login'));

/** True once the file texts are here (English has them in en.ts). */
export const hasFileTexts = files.has;
/** Loads the Japanese file texts (upload states and errors, the viewer, reasons). */
export const loadFileTexts = files.get;
export const hasRoomTexts = rooms.has;
/** Loads the Japanese texts of rooms and people (rules, system messages, details, pickers). */
export const loadRoomTexts = rooms.get;
/** Loads the Japanese texts of stamps, reactions and pins. */
export const loadCollabTexts = collab.get;
/** Loads the Japanese texts of action stamps (creating, answering, results). */
export const loadActionTexts = actions.get;
/** Loads the Japanese texts of notes (the list, the editor, versions, conflicts). */
export const loadNoteTexts = notes.get;
/** Loads the Japanese texts of search (the view, its filters, a timeline opened at a result). */
export const loadSearchTexts = search.get;
/** Loads the Japanese texts of 安否確認 (the banner, the answer sheet, the dashboard). */
export const loadSafetyTexts = safety.get;
/** Loads the Japanese texts of the login page. */
export const loadLoginTexts = login.get;

export function setLang(l: Lang): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

export function lang(): Lang {
  return current;
}

export function t(key: Key, vars?: Record<string, string | number>): string {
  let s = dicts[current]?.[key] ?? jaMore[key] ?? ja[key as keyof Dict] ?? key;
  // One pass: a value (a name, a room name) containing "{name}" is never expanded again.
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
  return s;
}
