// A timeline opened at a message (a search result): the page around it, no latest page and
// no read mark on opening, live messages beyond it held back, paging on to the newest, and
// a send going to the newest page.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../api/client';
import type { Message, Session } from '../api/types';
import { FakeSocket, ManualTimers } from '../realtime/fakes';
import { loadAround, loadNewer } from './around';
import { msg, summary, user } from './fixtures';
import { Store } from './store';

const ME = user(7, '田中 太郎', 'たなか たろう');
const N = 300;

function server() {
  const messages: Message[] = [];
  for (let s = 1; s <= N; s++) messages.push(msg(s));
  const room = summary({ id: 5, msg_seq: N, ev: N + 2, read_seq: N - 40, unread: 40 });
  // Set by a test: the next history page waits for this promise.
  let gate: Promise<void> | null = null;
  const api = {
    csrf: '',
    me: vi.fn(async (): Promise<Session> => ({ user: ME, csrf_token: 't', tenant: { code: '999001', name: 'さくら市' } })),
    rooms: vi.fn(async () => [structuredClone(room)]),
    room: vi.fn(async (id: number) => ({ room: structuredClone({ ...room, id }), members: [] })),
    messages: vi.fn(async (_room: number, page: { before?: number; after?: number; limit?: number }) => {
      if (gate) await gate;
      const limit = page.limit ?? 50;
      if (page.after != null) {
        const list = messages.filter((m) => m.seq > page.after!);
        return { messages: structuredClone(list.slice(0, limit)), has_more: list.length > limit };
      }
      const list = messages.filter((m) => m.seq < (page.before ?? Infinity));
      return { messages: structuredClone(list.slice(-limit)), has_more: list.length > limit };
    }),
    // GET /api/rooms/5/messages?around=S&limit=L (api/search.ts messagesAround)
    request: vi.fn(async (_method: string, path: string) => {
      const q = new URLSearchParams(path.split('?')[1]);
      const seq = Number(q.get('around'));
      const limit = Number(q.get('limit'));
      const before = messages.filter((m) => m.seq < seq);
      const after = messages.filter((m) => m.seq >= seq);
      const half = Math.floor(limit / 2);
      return {
        messages: structuredClone([...before.slice(-half), ...after.slice(0, limit - half)]),
        has_more_before: before.length > half,
        has_more_after: after.length > limit - half,
      };
    }),
    read: vi.fn(async () => 0),
    post: vi.fn(),
  };
  return { api, messages, open: (g: Promise<void> | null) => (gate = g) };
}

/** The page around the store: the drawn messages, the focus, frames. */
function fakeDocument() {
  const drawn = new Map<string, { scrollIntoView: ReturnType<typeof vi.fn>; focus: ReturnType<typeof vi.fn>; classList: Set<string> }>();
  const body = {};
  const doc = {
    body,
    activeElement: body as unknown,
    addEventListener: vi.fn(),
    getElementById: (id: string) => {
      if (!drawn.has(id)) return null;
      const d = drawn.get(id)!;
      return {
        scrollIntoView: d.scrollIntoView,
        focus: d.focus,
        tabIndex: 0,
        closest: () => null,
        classList: { add: (c: string) => d.classList.add(c), remove: (c: string) => d.classList.delete(c) },
      };
    },
    draw(seq: number) {
      const d = { scrollIntoView: vi.fn(), focus: vi.fn(), classList: new Set<string>() };
      drawn.set('m-' + seq, d);
      return d;
    },
  };
  vi.stubGlobal('document', doc);
  vi.stubGlobal('requestAnimationFrame', (cb: () => void) => setTimeout(cb, 0));
  return doc;
}

let current: Store | null = null;

async function boot(path = '/') {
  const srv = server();
  const store = new Store({
    api: srv.api as unknown as Api,
    env: { visible: () => true, storage: null, history: null, wsUrl: () => 'ws://t/api/ws' },
    createSocket: (u) => new FakeSocket(u),
    timers: new ManualTimers(),
    texts: {
      sessionEnded: 'ended',
      offline: 'offline',
      zoneForbidden: 'zone',
      removedFromRoom: 'removed',
      sendFailed: 'failed',
      stamp: 'stamp',
      error: (e) => String(e),
      notifyTitle: (r, s) => `${r} ${s}`,
    },
  });
  current = store;
  await store.boot(path);
  await flush();
  const sock = FakeSocket.last();
  sock.open();
  sock.receive({ type: 'welcome', user: ME, rooms: [{ id: 5, ev: N + 2 }], server_time: 0 });
  sock.receive({ type: 'synced' });
  return { srv, store, sock };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const seqs = (store: Store) => store.state.timelines[5].messages.map((m) => m.seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

beforeEach(() => {
  FakeSocket.all = [];
});
afterEach(async () => {
  // A target never drawn: its wait ends with the timeline, before the fakes go.
  current?.timelines.forget(5);
  current = null;
  await new Promise((r) => setTimeout(r, 5));
  vi.unstubAllGlobals();
});

describe('a timeline opened at a message', () => {
  it('loads the page around it in place of the latest, and does not read the room', async () => {
    const doc = fakeDocument();
    const { srv, store, sock } = await boot();
    const shown = loadAround(store, 5, 100);
    expect(store.state.timelines[5]).toMatchObject({ loading: true, target: 100 });
    store.openRoom(5);
    expect(store.atBottom).toBe(false);
    await flush();
    const el = doc.draw(100);
    await shown;
    expect(srv.api.messages).not.toHaveBeenCalled();
    expect(seqs(store)).toEqual(range(75, 124));
    expect(store.state.timelines[5]).toMatchObject({ loaded: true, hasMore: true, hasNewer: true, target: undefined });
    expect(el.scrollIntoView).toHaveBeenCalledWith({ block: 'center' });
    expect(el.classList.has('flash')).toBe(true);
    expect(el.focus).toHaveBeenCalled(); // the focus was nowhere (a phone's results gave way)
    expect(sock.sentOfType('read')).toEqual([]);
    expect(srv.api.read).not.toHaveBeenCalled();
    expect(store.state.rooms[5].summary.read_seq).toBe(N - 40);
  });

  it('holds back live messages beyond it, applies edits within it, and pages on to the newest', async () => {
    fakeDocument();
    const { srv, store, sock } = await boot();
    store.openRoom(5);
    await flush();
    void loadAround(store, 5, 200);
    await flush();
    expect(seqs(store)).toEqual(range(175, 224));
    const m301 = msg(N + 1);
    srv.messages.push(m301);
    sock.receive({ type: 'message.created', room: 5, ev: N + 3, message: m301 });
    sock.receive({ type: 'message.edited', room: 5, ev: N + 4, message: msg(210, { body: '訂正', edited_at: 1 }) });
    sock.receive({ type: 'message.edited', room: 5, ev: N + 5, message: msg(10, { body: '古い訂正', edited_at: 1 }) });
    expect(seqs(store)).toEqual(range(175, 224));
    expect(store.state.timelines[5].messages.find((m) => m.seq === 210)?.body).toBe('訂正');

    await loadNewer(store, 5);
    expect(seqs(store)).toEqual(range(175, 274));
    expect(store.state.timelines[5].hasNewer).toBe(true);
    await loadNewer(store, 5);
    expect(seqs(store)).toEqual(range(175, 301));
    expect(store.state.timelines[5].hasNewer).toBe(false);
    // At the newest: live messages come in again.
    const m302 = msg(N + 2);
    sock.receive({ type: 'message.created', room: 5, ev: N + 6, message: m302 });
    expect(seqs(store)).toEqual(range(175, 302));
  });

  it('knows there is more from the room when the page says there is none', async () => {
    fakeDocument();
    const { srv, store } = await boot();
    srv.api.request.mockResolvedValueOnce({ messages: [msg(290), msg(291)], has_more_before: true, has_more_after: false });
    void loadAround(store, 5, 291, 2);
    await flush();
    expect(store.state.timelines[5].hasNewer).toBe(true);
  });

  it('goes to the newest page when a message is sent from it', async () => {
    fakeDocument();
    const { srv, store } = await boot();
    void loadAround(store, 5, 100);
    store.openRoom(5);
    await flush();
    expect(store.state.timelines[5].hasNewer).toBe(true);
    store.send(5, '了解しました', null, [], false);
    await flush();
    expect(srv.api.messages).toHaveBeenCalledTimes(1);
    expect(seqs(store).slice(-1)[0]).toBe(N);
    expect(store.state.timelines[5].hasNewer).toBe(false);
  });

  it('only scrolls to a message that is loaded already', async () => {
    const doc = fakeDocument();
    const { srv, store } = await boot();
    store.openRoom(5);
    await flush();
    expect(seqs(store).slice(-1)[0]).toBe(N);
    const el = doc.draw(290);
    doc.activeElement = {}; // a result beside the timeline keeps the focus
    await loadAround(store, 5, 290);
    expect(srv.api.request).not.toHaveBeenCalled();
    expect(el.scrollIntoView).toHaveBeenCalled();
    expect(el.focus).not.toHaveBeenCalled();
    expect(store.state.timelines[5].target).toBeUndefined();
  });

  it('does not merge an older page asked for before it came', async () => {
    fakeDocument();
    const { srv, store } = await boot();
    store.openRoom(5);
    await flush();
    let release!: () => void;
    srv.open(new Promise<void>((r) => (release = r)));
    const older = store.loadOlder(5);
    void loadAround(store, 5, 100);
    await flush();
    release();
    srv.open(null);
    expect(await older).toBe(false);
    expect(seqs(store)).toEqual(range(75, 124));
  });
});
