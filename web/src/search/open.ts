// The search view's state wired to the page (the one Api, texts, sessionStorage), and a
// result opened: a message or a file in its room's timeline at that message, with the
// history around it (state/around.ts); a note in the room's notes. Where the results stay
// beside the timeline (PC, 1100 px and wider) they stay open; elsewhere the result takes
// their place and back brings them again.
import { ApiError } from '../api/client';
import { fileSeq, search } from '../api/search';
import type { SearchResult } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { loadAround } from '../state/around';
import { resultKey } from './query';
import { SearchState } from './state';

/** The width from which the details pane (the search view's place) sits beside the timeline. */
export const WIDE = '(min-width: 1100px)';

function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 503 && /search is off/i.test(e.message)) return t('searchOff');
    if (e.status === 429) return t('searchRateLimited');
    if (e.code === 'invalid_argument') return t('searchInvalid', { msg: e.message });
  }
  return t('searchFailed', { msg: store.hub.texts.error(e) });
}

function safeSession(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

let state: SearchState | null = null;

/**
 * The page's search state (made on first use). A logout, or another user logging in on the
 * same page, empties it: one user's searches are never shown to the next.
 */
export function searchState(): SearchState {
  if (state) return state;
  const s = new SearchState({
    fetch: (r, after, limit, signal) => search(store.api, r, after, limit, signal),
    error: errorText,
    passing: (e) => e instanceof ApiError && (e.status === 0 || e.status === 429 || e.status >= 500),
    storage: safeSession(),
    user: () => store.state.me?.id ?? 0,
  });
  let user = store.state.me?.id;
  store.subscribe(() => {
    if (store.state.me?.id === user) return;
    user = store.state.me?.id;
    s.reset();
  });
  return (state = s);
}

/** Opens result `r` (see above). */
export async function openResult(r: SearchResult): Promise<void> {
  const s = searchState();
  s.opened = resultKey(r);
  const room = r.room.id;
  if (r.kind === 'note') {
    store.navigate({ room, panel: { note: r.note! } });
    return;
  }
  const panel = window.matchMedia(WIDE).matches ? 'search' : null;
  let seq = r.seq ?? 0;
  if (!seq && r.file) {
    try {
      seq = await fileSeq(store.api, r.file.id);
    } catch (e) {
      store.hub.fail(e);
      return;
    }
  }
  // The target first: opening the room then neither loads its latest page nor reads it.
  const loading = loadAround(store, room, seq);
  store.navigate({ room, panel });
  await loading;
}
