// Unsaved note edits, kept in localStorage while they are written: a reload, the browser's back
// button or a closed tab never loses them. Keys start like the composer's drafts
// (state/drafts.ts), so logging out clears them too.
export interface NoteDraft {
  title: string;
  body: string;
  /** The version the edit started from (0: a new note). */
  base: number;
}

const key = (user: number, room: number, note: number | null) => `tonari.draft.${user}.${room}.n${note ?? 'new'}`;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function loadDraft(user: number, room: number, note: number | null): NoteDraft | null {
  try {
    const d = JSON.parse(storage()?.getItem(key(user, room, note)) ?? 'null') as NoteDraft | null;
    return d && typeof d.title === 'string' && typeof d.body === 'string' && typeof d.base === 'number' ? d : null;
  } catch {
    return null;
  }
}

/** Keeps the draft; null forgets it. */
export function saveDraft(user: number, room: number, note: number | null, d: NoteDraft | null): void {
  try {
    if (d) storage()?.setItem(key(user, room, note), JSON.stringify(d));
    else storage()?.removeItem(key(user, room, note));
  } catch {
    /* quota or no storage: the editor still holds the text */
  }
}
