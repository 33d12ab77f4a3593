// A room's timeline opened at one message with its context (a search result): the page
// around it (GET …/messages?around=), older history on scroll as usual, and newer history
// page by page towards the newest as it is scrolled down. Until the newest is reached the
// timeline has `hasNewer` (timeline.ts): live messages beyond it are not put in, and its
// bottom does not count as read (MessageList); a message sent from it goes to the newest.
// Loaded with the search view: the first page does not carry what only it needs.
import { messagesAround } from '../api/search';
import type { Message } from '../api/types';
import type { Store } from './store';
import { emptyTimeline, findBySeq, mergeAll } from './timeline';

const PAGE = 50;

/** True if newer messages than `list`'s last may exist: the server said so, or the room's newest is later. */
function newerThan(store: Store, room: number, list: Message[], more: boolean): boolean {
  const last = list[list.length - 1]?.seq ?? 0;
  return more || last < (store.state.rooms[room]?.summary.msg_seq ?? 0);
}

/**
 * Makes message `seq` of `room` the timeline's target (scrolled to and highlighted when
 * drawn): at once if it is loaded, else after loading the page around it in place of what
 * was loaded. The target is set before anything arrives, so opening the room (navigation.ts)
 * neither loads the latest page nor counts the room as read.
 */
export async function loadAround(store: Store, room: number, seq: number, limit = PAGE): Promise<void> {
  watch(store);
  const tls = store.timelines;
  const cur = tls.get(room);
  // The open timeline stays where it is until the target is shown.
  if (store.state.route.room === room) store.atBottom = false;
  if (cur?.loaded && !cur.loading && findBySeq(cur.messages, seq)) {
    tls.put(room, { ...cur, target: seq });
    return show(store, room, seq);
  }
  tls.put(room, cur?.loaded ? { ...cur, loading: true, target: seq } : { ...emptyTimeline(), loading: true, target: seq });
  try {
    const page = await messagesAround(store.api, room, seq, limit);
    if (tls.get(room)?.target !== seq) return; // left the room, or another target meanwhile
    const messages = mergeAll([], page.messages);
    tls.put(room, {
      ...emptyTimeline(),
      messages,
      hasMore: page.has_more_before,
      hasNewer: newerThan(store, room, messages, page.has_more_after),
      loaded: true,
      target: seq,
    });
    await show(store, room, seq);
  } catch (e) {
    const tl = tls.get(room);
    if (!tl) return;
    // Not loaded: the timeline says why, with a retry (of the latest page).
    tls.put(room, { ...tl, loading: false, target: undefined, error: tl.loaded ? undefined : store.hub.texts.error(e) });
    if (tl.loaded) store.hub.fail(e);
  }
}

const frame = () => new Promise((r) => requestAnimationFrame(r));

/**
 * Once the timeline has drawn the target: scrolled to the middle at once (MessageList left
 * it where it was), highlighted, and focused where the focus was lost (a phone's results
 * gave way to the room; beside the results it stays on them). Then the target is cleared.
 * Given up after about two seconds (the room was closed, or the message is not there).
 */
async function show(store: Store, room: number, seq: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    await frame();
    const tl = store.timelines.get(room);
    if (tl?.target !== seq) return;
    const el = tl.loading ? null : document.getElementById('m-' + seq);
    if (!el) continue;
    el.scrollIntoView({ block: 'center' });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 2500);
    if (document.activeElement === document.body) {
      el.tabIndex = -1;
      el.focus({ preventScroll: true });
    }
    break;
  }
  const tl = store.timelines.get(room);
  if (tl?.target !== seq) return;
  store.timelines.put(room, { ...tl, target: undefined });
  // A short page may not scroll at all: its end may already be on screen.
  const list = document.getElementById('m-' + seq)?.closest('.timeline');
  if (list) nearEnd(store, list);
}

/**
 * Loads newer messages of the open room if the timeline `el` is scrolled near its end; not
 * while a target waits to be shown (the page around it has just replaced what was drawn, and
 * where that left the scrolling says nothing).
 */
function nearEnd(store: Store, el: Element): void {
  const room = store.state.route.room;
  if (room === null || store.timelines.get(room)?.target !== undefined) return;
  if (el.scrollHeight - el.scrollTop - el.clientHeight < 240) void loadNewer(store, room);
}

const watched = new WeakSet<Store>();

/**
 * Once: newer pages as a timeline is scrolled down (every timeline's scrolling, caught on
 * its way down the document; loadNewer does nothing for one without `hasNewer`), and a send
 * from a timeline opened at an older message takes it to the newest page (where the sent
 * message shows).
 */
function watch(store: Store): void {
  if (watched.has(store)) return;
  watched.add(store);
  document.addEventListener(
    'scroll',
    (e) => {
      const el = e.target as Element;
      if (el.classList?.contains('timeline')) nearEnd(store, el);
    },
    true,
  );
  let pending = store.state.pending;
  store.subscribe(() => {
    const before = pending;
    pending = store.state.pending;
    const room = store.state.route.room;
    if (pending.length > before.length && room !== null && store.timelines.get(room)?.hasNewer) store.timelines.reload(room);
  });
}

/** The next `limit` messages after the last loaded of a timeline opened at a message. */
export async function loadNewer(store: Store, room: number, limit = PAGE): Promise<void> {
  const tls = store.timelines;
  const tl = tls.get(room);
  if (!tl?.loaded || !tl.hasNewer || tl.loadingNewer || !tl.messages.length) return;
  tls.put(room, { ...tl, loadingNewer: true });
  try {
    const page = await store.api.messages(room, { after: tl.messages[tl.messages.length - 1].seq, limit });
    const cur = tls.get(room);
    if (!cur?.loadingNewer) return; // reloaded or left meanwhile
    const messages = mergeAll(cur.messages, page.messages);
    // An empty page: nothing newer after all (the room's newest may count a message not yet readable).
    const hasNewer = !!page.messages.length && newerThan(store, room, messages, page.has_more);
    tls.put(room, { ...cur, messages, hasNewer, loadingNewer: false });
  } catch (e) {
    const cur = tls.get(room);
    if (cur) tls.put(room, { ...cur, loadingNewer: false });
    store.hub.fail(e);
  }
}
