// Opening the search view from anywhere (the room list's box, a room's header, `/` and
// Ctrl+K): its route, /search or /rooms/{id}/search, the details pane's place (a phone shows
// it full screen). The view and its state load on demand (search/).
import { store } from './app';

/** Opens the search view; with `q` a search for it, with `room` one in that room only. */
export function openSearch(q = '', room = 0): void {
  void import('../search/SearchView').then((m) => m.searchState().begin(q, room));
  store.navigate({ room: store.state.route.room, panel: 'search' });
}

/**
 * `/` (where it would type nothing) and Ctrl+K / ⌘K (anywhere): the search box on screen
 * (the view's, else the room list's), or the view. Not from inside a modal dialog.
 */
export function onShortcut(e: KeyboardEvent): void {
  const el = e.target as Element;
  if (el.closest('[aria-modal]') || !(e.ctrlKey || e.metaKey ? e.key == 'k' : e.key == '/' && !el.matches('input,textarea,select'))) return;
  e.preventDefault();
  const box = (document.getElementById('search-q') || document.getElementById('room-search')) as HTMLInputElement | null;
  if (box?.offsetParent) {
    box.focus();
    box.select();
  } else openSearch();
}
