// The store against a fake REST API and a scripted WebSocket: resume after a drop without
// losing or duplicating messages, resends with the same client_id, resync, session end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../api/client';
import type { Message, RoomSummary, Session } from '../api/types';
import { FakeSocket, ManualTimers } from '../realtime/fakes';
import { loadPins, toggleReaction } from './collabActions';
import { fileInfo, msg, summary, user } from './fixtures';
import { Store } from './store';

const ME = user(7, '田中 太郎', 'たなか たろう');

function server() {
  const messages: Message[] = [];
  for (let s = 1; s <= 10; s++) messages.push(msg(s));
  const room: RoomSummary = summary({ id: 5, msg_seq: 10, ev: 12, read_seq: 10, unread: 0 });
  const posted: { room: number; client_id: string }[] = [];
  const api = {
    csrf: '',
    onUnauthenticated: undefined as undefined | (() => void),
    me: vi.fn(async (): Promise<Session> => ({ user: ME, csrf_token: 't', tenant: { code: '999001', name: 'さくら市' } })),
    rooms: vi.fn(async () => [structuredClone(room)]),
    room: vi.fn(async (id: number) => ({ room: structuredClone({ ...room, id }), members: [] })),
    messages: vi.fn(async (_room: number, page: { before?: number; limit?: number }) => {
      const upto = page.before ?? Infinity;
      const list = messages.filter((m) => m.seq < upto);
      const limit = page.limit ?? 50;
      return { messages: structuredClone(list.slice(-limit)), has_more: list.length > limit };
    }),
    read: vi.fn(async () => 0),
    post: vi.fn(async (roomId: number, input: { client_id: string; body: string }) => {
      posted.push({ room: roomId, client_id: input.client_id });
      return msg(99, { client_id: input.client_id, sender: ME.id, body: input.body });
    }),
  };
  return { api, messages, room, posted };
}

function makeStore(api: unknown, timers: ManualTimers) {
  return new Store({
    api: api as Api,
    env: { visible: () => true, storage: null, history: null, wsUrl: () => 'ws://t/api/ws' },
    createSocket: (u) => new FakeSocket(u),
    timers,
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
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function created(ev: number, m: Message) {
  return { type: 'message.created', room: m.room, ev, message: m };
}

async function bootLive() {
  const srv = server();
  const timers = new ManualTimers();
  const store = makeStore(srv.api, timers);
  await store.boot('/rooms/5');
  await flush();
  const sock = FakeSocket.last();
  sock.open();
  sock.receive({ type: 'welcome', user: ME, rooms: [{ id: 5, ev: 12 }], server_time: 0 });
  sock.receive({ type: 'synced' });
  return { srv, timers, store, sock };
}

const seqs = (store: Store) => store.state.timelines[5].messages.map((m) => m.seq);

beforeEach(() => {
  FakeSocket.all = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Store', () => {
  it('starts from the REST snapshot and says hello with its cursors', async () => {
    const { store, sock } = await bootLive();
    expect(sock.sent[0]).toEqual({ type: 'hello', cursors: { '5': 12 }, batch: true });
    expect(store.state.phase).toBe('app');
    expect(store.state.conn).toBe('live');
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('applies live events once, in order, and ignores duplicates', async () => {
    const { store, sock } = await bootLive();
    sock.receive(created(13, msg(11)));
    sock.receive(created(13, msg(11))); // duplicate ev
    sock.receive(created(12, msg(10))); // old ev
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(store.state.rooms[5].summary.msg_seq).toBe(11);
    // The room is open and visible: it is marked read over the WebSocket.
    expect(sock.sentOfType('read').pop()).toEqual({ type: 'read', room: 5, seq: 11 });
  });

  it('resumes after a drop without losing or duplicating, and resends unacked sends with the same client_id', async () => {
    const { store, sock, timers } = await bootLive();
    store.send(5, '了解しました', null, [], false);
    const sent = sock.sentOfType('send');
    expect(sent).toHaveLength(1);
    const clientId = sent[0].client_id as string;
    expect(store.state.pending).toHaveLength(1);

    sock.receive(created(13, msg(11)));
    sock.drop(1006); // the ack for our send never came
    expect(store.state.conn).toBe('waiting');

    timers.advance(1000);
    const s2 = FakeSocket.last();
    expect(s2).not.toBe(sock);
    s2.open();
    expect(s2.sent[0]).toEqual({ type: 'hello', cursors: { '5': 13 }, batch: true });
    s2.receive({ type: 'welcome', user: ME, rooms: [{ id: 5, ev: 15 }], server_time: 0 });
    // Replay: ev 14 is someone else's message, ev 15 another one. Ours was not stored.
    s2.receive(created(14, msg(12)));
    s2.receive(created(15, msg(13)));
    s2.receive({ type: 'synced' });
    // The unacked message goes again, with the same client_id.
    const resent = s2.sentOfType('send');
    expect(resent).toHaveLength(1);
    expect(resent[0].client_id).toBe(clientId);
    // The server stores it once and tells us.
    s2.receive(created(16, msg(14, { client_id: clientId, sender: ME.id, body: '了解しました' })));
    s2.receive({ type: 'ack', client_id: clientId, room: 5, seq: 14, id: 1014 });
    await flush();
    expect(store.state.pending).toHaveLength(0);
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(new Set(seqs(store)).size).toBe(seqs(store).length);
  });

  it('does not resend a message whose creation was replayed', async () => {
    const { store, sock, timers } = await bootLive();
    store.send(5, 'テスト', null, [], false);
    const clientId = sock.sentOfType('send')[0].client_id as string;
    sock.drop(1006);
    timers.advance(1000);
    const s2 = FakeSocket.last();
    s2.open();
    s2.receive({ type: 'welcome', user: ME, rooms: [{ id: 5, ev: 13 }], server_time: 0 });
    s2.receive(created(13, msg(11, { client_id: clientId, sender: ME.id, body: 'テスト' })));
    s2.receive({ type: 'synced' });
    expect(s2.sentOfType('send')).toHaveLength(0);
    expect(store.state.pending).toHaveLength(0);
    expect(seqs(store).filter((s) => s === 11)).toHaveLength(1);
  });

  it('reconnects to fill a gap in the event numbers', async () => {
    const { sock } = await bootLive();
    sock.receive(created(14, msg(12))); // ev 13 is missing
    expect(sock.closed).not.toBeNull();
    const s2 = FakeSocket.last();
    expect(s2).not.toBe(sock);
    s2.open();
    expect(s2.sent[0]).toEqual({ type: 'hello', cursors: { '5': 12 }, batch: true });
  });

  it('reloads a room on resync and takes its ev as the cursor', async () => {
    const { store, sock, srv } = await bootLive();
    for (let s = 11; s <= 20; s++) srv.messages.push(msg(s));
    sock.receive({ type: 'resync', room: 5, ev: 600 });
    await flush();
    expect(seqs(store).slice(-1)[0]).toBe(20);
    sock.receive(created(601, msg(21)));
    expect(seqs(store).slice(-1)[0]).toBe(21);
  });

  it('forgets a room on room.removed', async () => {
    const { store, sock } = await bootLive();
    sock.receive({ type: 'room.removed', room: 5 });
    expect(store.state.rooms[5]).toBeUndefined();
    expect(store.state.route.room).toBeNull();
  });

  it('goes back to the login screen when the session ends (4001)', async () => {
    const { store, sock } = await bootLive();
    sock.drop(4001, 'session ended');
    expect(store.state.phase).toBe('login');
    expect(store.state.loginMessage).toBe('ended');
    expect(store.state.rooms).toEqual({});
  });

  it('falls back to REST for sends while the WebSocket stays down', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store, sock, srv } = await bootLive();
    sock.drop(1006);
    store.send(5, 'オフライン中の送信', null, [], false);
    expect(store.state.pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4500);
    await flush();
    expect(srv.posted).toHaveLength(1);
    expect(srv.posted[0].client_id).toBe(srv.api.post.mock.calls[0][1].client_id);
    expect(store.state.pending).toHaveLength(0);
  });
  it('sends refused as rate_limited go again after the hint, in order, nothing lost', async () => {
    const { store, sock, timers } = await bootLive();
    store.send(5, '一', null, [], false);
    store.send(5, '二', null, [], false);
    store.send(5, '三', null, [], false);
    const ids = sock.sentOfType('send').map((f) => f.client_id as string);
    expect(ids).toHaveLength(3);
    sock.receive({ type: 'ack', client_id: ids[0], room: 5, seq: 11, id: 1 });
    for (const id of ids.slice(1)) {
      sock.receive({
        type: 'error',
        client_id: id,
        error: { code: 'rate_limited', message: 'too many messages', retry_after_ms: 2000 },
      });
    }
    // A message written meanwhile waits behind the refused ones.
    store.send(5, '四', null, [], false);
    expect(sock.sentOfType('send')).toHaveLength(3);
    expect(store.state.pending.filter((p) => p.status === 'failed')).toHaveLength(0);
    timers.advance(1999);
    expect(sock.sentOfType('send')).toHaveLength(3);
    timers.advance(1);
    const again = sock.sentOfType('send').slice(3);
    expect(again.map((f) => f.body)).toEqual(['二', '三', '四']);
    expect(again.slice(0, 2).map((f) => f.client_id)).toEqual(ids.slice(1));
    expect(store.state.pending.filter((p) => p.status === 'sending')).toHaveLength(4);
  });
  it("loads a large room's members page by page", async () => {
    const { store, srv } = await bootLive();
    const a = { user: user(1, '青木 一', 'あおき はじめ'), role: 'member' as const, read_seq: 0 };
    const b = { user: user(2, '伊藤 二', 'いとう じ'), role: 'member' as const, read_seq: 0 };
    const api = srv.api as unknown as Record<string, unknown>;
    api.room = vi.fn(async () => ({ room: structuredClone(srv.room), members: [a], members_next: 'c-1' }));
    api.members = vi.fn(async () => ({ members: [b], next: null }));
    await store.loadMembers(5);
    expect(store.state.members[5].map((m) => m.user.id)).toEqual([1]);
    expect(store.state.membersNext[5]).toBe('c-1');
    await store.loadMoreMembers(5);
    expect(api.members).toHaveBeenCalledWith(5, 'c-1');
    expect(store.state.members[5].map((m) => m.user.id)).toEqual([1, 2]);
    expect(store.state.membersNext[5]).toBeNull();
    await store.loadMoreMembers(5); // nothing more to load
    expect(api.members).toHaveBeenCalledTimes(1);
  });

  it('knows its zone from the session and updates files in place on file.updated', async () => {
    const { store, sock, srv } = await bootLive();
    expect(store.state.zone).toBe('lgwan');
    const f = fileInfo({ id: 31, seq: 11, state: 'processing', thumbnail: false });
    sock.receive(created(13, msg(11, { body: '', files: [f] })));
    sock.receive({ type: 'file.updated', room: 5, ev: 14, file: { ...f, state: 'withheld', reason: 'encrypted' } });
    const m = () => store.state.timelines[5].messages.find((x) => x.seq === 11)!;
    expect(m().files![0].state).toBe('withheld');
    expect(m().files![0].reason).toBe('encrypted');
    // A replay after a reconnect repeats it: applied once, nothing else moves.
    sock.receive({ type: 'file.updated', room: 5, ev: 14, file: { ...f, state: 'withheld', reason: 'encrypted' } });
    expect(store.cursors.get(5)).toBe(14);
    expect(store.state.rooms[5].summary.ev).toBe(14);
    expect(store.state.rooms[5].summary.msg_seq).toBe(11);
    // The Internet zone comes from GET /api/me.
    srv.api.me.mockResolvedValueOnce({ user: ME, csrf_token: 't', tenant: { code: '999001', name: 'さくら市' }, zone: 'internet' } as Session);
    const other = makeStore(srv.api, new ManualTimers());
    await other.boot('/');
    expect(other.state.zone).toBe('internet');
  });

  it('sends a message with files as their ids, over the WebSocket and over REST', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store, sock, srv } = await bootLive();
    const files = [fileInfo({ id: 31, seq: 0, state: 'processing' }), fileInfo({ id: 32, seq: 0, state: 'processing' })];
    store.send(5, '', null, [], false, files);
    const [frame] = sock.sentOfType('send');
    expect(frame.files).toEqual([31, 32]);
    expect(frame.body).toBe('');
    expect(store.state.pending[0].files).toEqual(files);
    // A text-only message carries no files field.
    store.send(5, '文字だけ', null, [], false);
    expect('files' in sock.sentOfType('send')[1]).toBe(false);
    sock.drop(1006);
    await vi.advanceTimersByTimeAsync(4500);
    await flush();
    expect(srv.api.post.mock.calls[0][1]).toMatchObject({ body: '', files: [31, 32] });
  });

  it('updates the quotes of loaded replies on message.edited, live and after its own REST edit', async () => {
    const { store, sock, srv } = await bootLive();
    await flush();
    const quote = { seq: 9, sender: 3, sender_name: '佐藤 花子', body: 'message 9' };
    sock.receive(created(13, msg(11, { reply_to: quote })));
    sock.receive({ type: 'message.edited', room: 5, ev: 14, message: msg(9, { body: '訂正しました', edited_at: 2 }) });
    const reply = () => store.state.timelines[5].messages.find((m) => m.seq === 11)!.reply_to;
    expect(reply()).toEqual({ ...quote, body: '訂正しました', edited: true });
    (srv.api as unknown as { edit: unknown }).edit = vi.fn(async () => msg(9, { body: '再訂正', edited_at: 3 }));
    await store.edit(5, 9, '再訂正');
    expect(reply()?.body).toBe('再訂正');
  });

  it('takes room.updated live and asks the server what it may do when the rules change', async () => {
    const { store, sock, srv } = await bootLive();
    await flush();
    const rules = { ...srv.room.rules, announcement: true };
    const can = { ...srv.room.can, post: false };
    srv.api.room.mockResolvedValueOnce({ room: { ...srv.room, ev: 13, rules, can }, members: [] });
    srv.api.room.mockClear();
    sock.receive({ type: 'room.updated', room: 5, ev: 13, name: '全職員', description: 'お知らせ', rules, by: 3 });
    expect(store.state.rooms[5].summary).toMatchObject({ name: '全職員', description: 'お知らせ', rules });
    await flush();
    expect(srv.api.room).toHaveBeenCalledWith(5);
    expect(store.state.rooms[5].summary.can.post).toBe(false);
    // A rename alone does not change what one may do.
    srv.api.room.mockClear();
    sock.receive({ type: 'room.updated', room: 5, ev: 14, name: '全職員（本庁）', description: 'お知らせ', rules, by: 3 });
    await flush();
    expect(srv.api.room).not.toHaveBeenCalled();
  });

  it('is offline at once when the browser says so or a request gets no answer', async () => {
    const { store, sock } = await bootLive();
    store.setOnline(false);
    expect(store.state.net).toBe('offline');
    expect(sock.sentOfType('ping')).toHaveLength(1); // the socket is checked now
    store.setOnline(true);
    expect(store.state.net).toBe('online');
    store.sync.reached(false);
    expect(store.state.net).toBe('unreachable');
    sock.receive({ type: 'pong' }); // the server answers again
    expect(store.state.net).toBe('online');
  });

  it('shows a failed room load as an error, and loads on retry', async () => {
    const { store, srv } = await bootLive();
    srv.api.messages.mockRejectedValueOnce(new Error('down'));
    await store.loadLatest(7);
    expect(store.state.timelines[7].error).toBe('Error: down');
    expect(store.state.timelines[7].loaded).toBe(false);
    await store.loadLatest(7);
    expect(store.state.timelines[7].error).toBeUndefined();
    expect(store.state.timelines[7].loaded).toBe(true);
  });

  it('keeps a failed room list as an error until a retry loads it', async () => {
    const srv = server();
    srv.api.rooms.mockRejectedValueOnce(new Error('down'));
    const store = makeStore(srv.api, new ManualTimers());
    await store.boot('/');
    expect(store.state.roomsError).toBe('Error: down');
    await store.reloadRooms();
    expect(store.state.roomsError).toBeNull();
    expect(store.state.order).toEqual([5]);
  });
});


describe('failed actions', () => {
  it('offer 再試行 when trying again may work, not for a refusal', async () => {
    const { api } = server();
    const { ApiError } = await import('../api/client');
    let calls = 0;
    const full = api as typeof api & { setStatus: (s: string) => Promise<unknown>; removeMember: () => Promise<void> };
    full.setStatus = vi.fn(async (s: string) => {
      calls++;
      if (calls === 1) throw new ApiError(0, 'network', 'no answer');
      return { ...ME, status: s };
    });
    full.removeMember = vi.fn(async () => {
      throw new ApiError(403, 'permission_denied', 'only the owners');
    });
    const s = makeStore(full, new ManualTimers());
    expect(await s.setStatus('出張中')).toBe(false);
    const toast = s.state.toast;
    expect(toast?.kind).toBe('error');
    expect(toast?.retry).toBeTypeOf('function');
    toast!.retry!();
    await flush();
    expect(calls).toBe(2);
    expect(s.state.toast).toBeNull();
    expect(s.state.me?.status).toBe('出張中');

    expect(await s.removeMember(5, 8)).toBe(false);
    expect(s.state.toast?.kind).toBe('error');
    expect(s.state.toast?.retry).toBeUndefined();
  });
});

describe('working together', () => {
  const pinOf = (seq: number) => ({ kind: 'message' as const, seq, by: 3, by_name: '佐藤 花子', at: 1, message: msg(seq) });

  /** A fake of the REST routes of api/collab.ts; `calls`: "METHOD path" of each. */
  function collabRoutes(srv: ReturnType<typeof server>, answer: (method: string, path: string) => unknown) {
    const calls: string[] = [];
    const request = vi.fn(async (method: string, path: string) => {
      calls.push(method + ' ' + path);
      return answer(method, path);
    });
    (srv.api as unknown as { request: unknown }).request = request;
    return Object.assign(calls, { request });
  }

  it('sends a stamp and an action stamp through the outbox, over the WebSocket and over REST', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store, sock, srv } = await bootLive();
    store.sendSpecial(5, { stamp: 'ryokai' });
    store.sendSpecial(5, { action: { kind: 'attendance', title: '防災訓練' } }, '出欠をお願いします');
    const [stamp, ask] = sock.sentOfType('send');
    expect(stamp).toMatchObject({ room: 5, body: '', stamp: 'ryokai' });
    expect('action' in stamp).toBe(false);
    expect(ask).toMatchObject({ body: '出欠をお願いします', action: { kind: 'attendance', title: '防災訓練' } });
    expect(store.state.pending.map((p) => p.stamp ?? p.action?.title)).toEqual(['ryokai', '防災訓練']);
    sock.drop(1006);
    await vi.advanceTimersByTimeAsync(4500);
    await flush();
    expect(srv.api.post.mock.calls[0][1]).toMatchObject({ body: '', stamp: 'ryokai' });
  });

  it('applies reaction.updated and action.updated live and again on a replay, once', async () => {
    const { store, sock } = await bootLive();
    await flush();
    const act = { kind: 'yesno', title: '参加しますか', options: [], multiple: false, deadline: 0, public: true, changeable: true };
    const state = { ...act, anonymous: false, assignees: [], closed: false, closed_at: 0, closed_by: 0, pending: 4 };
    sock.receive(created(13, msg(11, { body: '', action: { ...state, answered: 1, counts: [1, 0], mine: [{ option: 0, value: 0 }] } } as Partial<Message>)));
    sock.receive({ type: 'reaction.updated', room: 5, ev: 14, seq: 10, key: '👍', count: 1, user: ME.id, on: true });
    sock.receive({ type: 'reaction.updated', room: 5, ev: 15, seq: 10, key: '👍', count: 2, user: 3, on: true });
    sock.receive({ type: 'reaction.updated', room: 5, ev: 15, seq: 10, key: '👍', count: 2, user: 3, on: true }); // replayed
    sock.receive({ type: 'action.updated', room: 5, ev: 16, seq: 11, action: { ...state, answered: 2, counts: [1, 1] } });
    const m = (seq: number) => store.state.timelines[5].messages.find((x) => x.seq === seq)!;
    expect(m(10).reactions).toEqual([{ key: '👍', count: 2, me: true }]);
    expect(m(11).action).toMatchObject({ answered: 2, counts: [1, 1], mine: [{ option: 0, value: 0 }] });
    expect(store.state.rooms[5].summary.ev).toBe(16);
  });

  it('shows my reaction at once and undoes it if the server refuses', async () => {
    const { store, srv } = await bootLive();
    await flush();
    const { ApiError } = await import('../api/client');
    let refuse = false;
    const calls = collabRoutes(srv, () => {
      if (refuse) throw new ApiError(409, 'conflict', 'too many reactions');
      return { reaction: { key: 's:ryokai', count: 1, me: true } };
    });
    const r = () => store.state.timelines[5].messages[9].reactions;
    const put = toggleReaction(store.collab, 5, 10, 's:ryokai');
    expect(r()).toEqual([{ key: 's:ryokai', count: 1, me: true }]);
    await put;
    expect([...calls]).toEqual(['PUT /api/rooms/5/messages/10/reactions/s%3Aryokai']);
    refuse = true;
    await toggleReaction(store.collab, 5, 10, 's:ryokai');
    expect(calls[1]).toBe('DELETE /api/rooms/5/messages/10/reactions/s%3Aryokai');
    expect(r()).toEqual([{ key: 's:ryokai', count: 1, me: true }]);
    expect(store.state.toast?.kind).toBe('error');
  });

  it('loads the pins once and keeps them by events; a pinned message deleted goes away', async () => {
    const { store, sock, srv } = await bootLive();
    await flush();
    const { request } = collabRoutes(srv, () => ({ pins: [pinOf(3)] }));
    const load = loadPins(store.collab, 5);
    // An event while the list is on its way: loaded again after.
    sock.receive({ type: 'pin.added', room: 5, ev: 13, pin: pinOf(8) });
    await load;
    await flush();
    expect(request).toHaveBeenCalledTimes(2);
    sock.receive({ type: 'pin.added', room: 5, ev: 14, pin: pinOf(9) });
    sock.receive({ type: 'pin.removed', room: 5, ev: 15, kind: 'message', seq: 3 });
    expect(store.state.pins[5].map((p) => p.seq)).toEqual([9]);
    sock.receive({ type: 'message.deleted', room: 5, ev: 16, message: msg(9, { deleted: true, body: '' }) });
    expect(store.state.pins[5]).toEqual([]);
    sock.receive({ type: 'room.removed', room: 5 });
    expect(store.state.pins[5]).toBeUndefined();
  });

  it('leaves a list that cannot load unloaded, quietly', async () => {
    const { store, srv } = await bootLive();
    await flush();
    const { ApiError } = await import('../api/client');
    collabRoutes(srv, () => {
      throw new ApiError(0, 'network', 'no answer');
    });
    expect(await loadPins(store.collab, 5)).toBe(false);
    expect(store.state.pins[5]).toBeUndefined();
    expect(store.state.toast).toBeNull();
  });
});

describe('Store and 安否確認', () => {
  it('a room list refused with zone_forbidden: the answer-only screen, no WebSocket; a 401 ends it', async () => {
    const srv = server();
    const { ApiError } = await import('../api/client');
    srv.api.rooms.mockRejectedValue(new ApiError(403, 'zone_forbidden', 'restricted'));
    const store = makeStore(srv.api, new ManualTimers());
    await store.boot('/');
    await flush();
    expect(store.state.phase).toBe('answer');
    expect(store.state.me?.id).toBe(ME.id);
    expect(FakeSocket.all).toEqual([]);
    srv.api.onUnauthenticated?.();
    expect(store.state.phase).toBe('login');
    expect(store.state.me).toBeNull();
  });

  it('a session refused in the Internet zone (its checks closed): the login form, saying why', async () => {
    const srv = server();
    const { ApiError } = await import('../api/client');
    srv.api.me.mockRejectedValue(new ApiError(403, 'zone_forbidden', 'restricted'));
    const store = makeStore(srv.api, new ManualTimers());
    await store.boot('/');
    expect(store.state.phase).toBe('login');
    expect(store.state.loginMessage).toBe('zone');
    expect(FakeSocket.all).toEqual([]);
  });

  it("a check's notification is per check, and its click asks for the check", async () => {
    const { store, sock } = await bootLive();
    const notify = vi.fn();
    store.hub.env.notify = notify;
    (store.hub.texts as { safety?: (by?: string) => string }).safety = (by) => (by ? by + 'から' : '安否確認');
    store.updateSettings({ notify: true });
    const check = { id: 3, title: '地震', training: false, questions: [], open: true };
    sock.receive({ type: 'safety.started', safety: check });
    expect(notify).toHaveBeenCalledTimes(1);
    const [title, body, tag, onClick] = notify.mock.calls[0];
    expect([title, body, tag]).toEqual(['安否確認', '地震', 'safety-3']);
    expect(store.state.safetyAsk).toBe(0);
    onClick();
    expect(store.state.safetyAsk).toBe(3);
  });
});
