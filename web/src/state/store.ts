// The application state and everything that changes it: REST calls, WebSocket frames,
// navigation. Components read it through useStore() and call the actions.
import { Api, ApiError } from '../api/client';
import type {
  EventFrame,
  FileInfo,
  Member,
  Message,
  RoomSummary,
  ServerFrame,
  Session,
  Tenant,
  User,
  Zone,
} from '../api/types';
import { isEventFrame } from '../api/types';
import { Connection, realTimers, type ConnState, type SocketLike, type Timers } from '../realtime/connection';
import { Cursors, decideEvent } from '../realtime/cursors';
import { Attachments } from './attachments';
import { Drafts } from './drafts';
import { confirm, newClientId, toSend, update as updatePending, type Pending } from './outbox';
import {
  applyEventToEntry,
  entryFromSummary,
  markRead as markEntryRead,
  mentionsMe,
  mergeSummary,
  sortRoomIds,
  unreadOf,
  type RoomEntry,
} from './rooms';
import { formatRoute, HOME, parseRoute, sameRoute, type Route } from './router';
import { loadSettings, saveSettings, type Settings } from './settings';
import {
  applyFileUpdate,
  applyReadCounts,
  clearQuotesOf,
  emptyTimeline,
  findBySeq,
  isContiguous,
  mergeAll,
  upsert,
  type Timeline,
} from './timeline';

export type Phase = 'boot' | 'login' | 'app';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

export interface AppState {
  phase: Phase;
  me: User | null;
  tenant: Tenant | null;
  /** The zone this page talks to the server through (what files it may get depends on it). */
  zone: Zone;
  conn: ConnState;
  /** The connection was live at least once since login (so a drop is a "reconnect"). */
  everLive: boolean;
  rooms: Record<number, RoomEntry>;
  roomsLoaded: boolean;
  order: number[];
  timelines: Record<number, Timeline>;
  pending: Pending[];
  members: Record<number, Member[]>;
  /** Per room: where the next page of members starts (null: all loaded). */
  membersNext: Record<number, string | null>;
  users: Record<number, User>;
  route: Route;
  /** First unread seq when the room was opened ("ここから未読"). */
  dividers: Record<number, number>;
  settings: Settings;
  toast: Toast | null;
  loginMessage: string | null;
}

export interface Env {
  /** The page is visible and focused enough to count messages as read. */
  visible(): boolean;
  notify?(title: string, body: string, tag: string, onClick: () => void): void;
  storage: Storage | null;
  /** Replace/push the URL; null in tests. */
  history: { push(path: string): void; replace(path: string): void; back(): void; depth(): number } | null;
  wsUrl(): string;
}

export type Texts = {
  sessionEnded: string;
  removedFromRoom: string;
  sendFailed: string;
  error: (e: unknown) => string;
  notifyTitle: (room: string, sender: string, direct: boolean) => string;
};

export interface StoreDeps {
  api?: Api;
  env: Env;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  texts: Texts;
}

const PAGE = 50;

/** The `files` field of a send (absent when it carries none). */
function fileIds(p: Pending): { files?: number[] } {
  return p.files?.length ? { files: p.files.map((f) => f.id) } : {};
}

export class Store {
  state: AppState;
  readonly api: Api;
  readonly cursors = new Cursors();
  readonly drafts: Drafts;
  /** Files being uploaded for each room's composer. */
  readonly attachments: Attachments;
  conn: Connection | null = null;
  /** The user's timeline is scrolled to the newest message. */
  atBottom = true;
  private readonly listeners = new Set<() => void>();
  private toastSeq = 0;
  private toastTimer: ReturnType<typeof setTimeout> | null = null;
  private outboxTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: unknown = null;
  private loadingMembers = new Set<number>();
  private retryAt = 0;
  private restSending = false;
  private pendingRoomFetch = new Set<number>();
  private liveCount = 0;
  private readonly env: Env;
  private readonly deps: StoreDeps;

  constructor(deps: StoreDeps) {
    this.deps = deps;
    this.env = deps.env;
    this.api = deps.api ?? new Api();
    this.api.onUnauthenticated = () => this.sessionEnded();
    this.drafts = new Drafts(deps.env.storage);
    this.attachments = new Attachments(this.api, deps.timers);
    this.state = {
      phase: 'boot',
      me: null,
      tenant: null,
      zone: 'lgwan',
      conn: 'idle',
      everLive: false,
      rooms: {},
      roomsLoaded: false,
      order: [],
      timelines: {},
      pending: [],
      members: {},
      membersNext: {},
      users: {},
      route: HOME,
      dividers: {},
      settings: loadSettings(deps.env.storage),
      toast: null,
      loginMessage: null,
    };
  }

  // ---- subscription -------------------------------------------------------------------

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  set(patch: Partial<AppState>): void {
    const next = { ...this.state, ...patch };
    if (patch.rooms && patch.rooms !== this.state.rooms) next.order = sortRoomIds(patch.rooms);
    this.state = next;
    this.listeners.forEach((l) => l());
  }

  toast(text: string, kind: Toast['kind'] = 'info'): void {
    const id = ++this.toastSeq;
    this.set({ toast: { id, text, kind } });
    if (this.toastTimer) clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => {
      if (this.state.toast?.id === id) this.set({ toast: null });
    }, 5000);
  }

  // Runs a user action; a failure is reported (fail) instead of thrown. True if it worked.
  private async attempt(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  private fail(e: unknown): void {
    this.toast(this.deps.texts.error(e), 'error');
  }

  // ---- session --------------------------------------------------------------------------

  async boot(path: string): Promise<void> {
    this.set({ route: parseRoute(path) });
    try {
      const s = await this.api.me();
      await this.startApp(s);
    } catch {
      this.set({ phase: 'login' });
    }
  }

  async login(tenant: string, login: string, password: string): Promise<void> {
    const s = await this.api.login(tenant, login, password);
    await this.startApp(s);
  }

  async logout(): Promise<void> {
    try {
      await this.api.logout();
    } catch {
      /* the session may already be gone */
    }
    this.drafts.clearAll();
    this.teardown();
    this.set({ phase: 'login', loginMessage: null });
    this.env.history?.replace('/');
  }

  /** The server ended the session (4001, or a 401): back to the login screen. */
  sessionEnded(): void {
    if (this.state.phase !== 'app') return;
    this.teardown();
    this.set({ phase: 'login', loginMessage: this.deps.texts.sessionEnded });
  }

  private teardown(): void {
    this.attachments.clearAll();
    this.conn?.stop();
    this.conn = null;
    this.cursors.clear();
    this.liveCount = 0;
    if (this.outboxTimer) clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
    if (this.retryTimer !== null) (this.deps.timers ?? realTimers).clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.api.csrf = '';
    this.set({
      me: null,
      tenant: null,
      conn: 'idle',
      everLive: false,
      rooms: {},
      roomsLoaded: false,
      timelines: {},
      pending: [],
      members: {},
      membersNext: {},
      users: {},
      dividers: {},
    });
  }

  private async startApp(s: Session): Promise<void> {
    this.set({
      phase: 'app',
      me: s.user,
      tenant: s.tenant,
      zone: s.zone ?? 'lgwan',
      loginMessage: null,
      users: { [s.user.id]: s.user },
    });
    try {
      await this.loadRooms();
    } catch (e) {
      // Not fatal: welcome lists the rooms, and each unknown one is then fetched.
      this.fail(e);
    }
    if (this.state.phase !== 'app') return;
    this.connect();
    const r = this.state.route;
    if (r.room !== null) {
      if (this.state.rooms[r.room]) this.openRoom(r.room, r.panel, true);
      else this.navigate(HOME, true);
    }
  }

  private async loadRooms(): Promise<void> {
    const list = await this.api.rooms();
    const rooms: Record<number, RoomEntry> = {};
    for (const s of list) {
      rooms[s.id] = entryFromSummary(s);
      if (!this.cursors.has(s.id)) this.cursors.set(s.id, s.ev);
    }
    this.set({ rooms, roomsLoaded: true });
  }

  private connect(): void {
    this.conn?.stop();
    this.conn = new Connection({
      url: () => this.env.wsUrl(),
      createSocket: this.deps.createSocket,
      timers: this.deps.timers,
      cursors: () => this.cursors.toHello(),
      onFrame: (f) => this.handleFrame(f),
      onState: (st) => {
        if (st !== this.state.conn) this.set({ conn: st });
      },
      onSessionEnded: () => this.sessionEnded(),
      checkSession: async () => {
        try {
          await this.api.me();
          return true;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) return false;
          throw e;
        }
      },
    });
    this.conn.start();
  }

  /** The network came back or the tab became visible: don't wait for the back-off. */
  wake(): void {
    this.conn?.reconnectNow();
    this.attachments.wake();
    if (this.state.route.room !== null) this.maybeMarkRead(this.state.route.room);
  }

  // ---- WebSocket frames -----------------------------------------------------------------

  handleFrame(f: ServerFrame): void {
    if (isEventFrame(f)) {
      this.handleEvent(f);
      return;
    }
    switch (f.type) {
      case 'welcome': {
        const users = { ...this.state.users, [f.user.id]: f.user };
        this.set({ me: f.user, users });
        for (const r of f.rooms) {
          if (!this.cursors.has(r.id)) {
            // A room we did not know (added while we were away): start live from its ev.
            this.cursors.set(r.id, r.ev);
            this.fetchRoom(r.id);
          }
        }
        return;
      }
      case 'resync': {
        this.cursors.set(f.room, f.ev);
        this.fetchRoom(f.room);
        const tl = this.state.timelines[f.room];
        if (tl) {
          this.set({ timelines: { ...this.state.timelines, [f.room]: emptyTimeline() } });
          this.loadLatest(f.room);
        }
        return;
      }
      case 'synced':
        this.onSynced();
        return;
      case 'ack': {
        let pending = updatePending(this.state.pending, f.client_id, { ackSeq: f.seq });
        const tl = this.state.timelines[f.room];
        const m = tl && findBySeq(tl.messages, f.seq);
        if (m && this.state.me) pending = confirm(pending, m, this.state.me.id);
        if (pending !== this.state.pending) this.set({ pending });
        return;
      }
      case 'error':
        if (f.client_id) {
          if (f.error?.code === 'rate_limited') {
            // Nothing was stored (over the sender's message rate, or too many sends awaiting
            // their ack, which gives no hint): send again, same client_id, once the hint says.
            this.set({ pending: updatePending(this.state.pending, f.client_id, { sentOn: 0 }) });
            this.retrySendsIn(f.error.retry_after_ms ?? 1000);
            return;
          }
          this.set({
            pending: updatePending(this.state.pending, f.client_id, { status: 'failed', error: f.error?.message }),
          });
        }
        return;
      case 'reads': {
        const tl = this.state.timelines[f.room];
        if (!tl) return;
        const messages = applyReadCounts(tl.messages, f.counts);
        if (messages !== tl.messages) this.setTimeline(f.room, { ...tl, messages });
        return;
      }
      case 'read.self': {
        const e = this.state.rooms[f.room];
        if (!e) return;
        const n = markEntryRead(e, f.read_seq);
        if (n !== e) this.set({ rooms: { ...this.state.rooms, [f.room]: n } });
        return;
      }
      case 'room.added':
        this.addRoomSummary(f.room);
        return;
      case 'room.removed':
        this.removeRoom(f.room, true);
        return;
      case 'pong':
        return;
    }
  }

  private onSynced(): void {
    this.liveCount++;
    const reconnect = this.liveCount > 1;
    this.set({ everLive: true });
    this.flushOutbox();
    if (reconnect) {
      // What is not carried by events (read positions from other devices, read counts)
      // may have changed while we were away.
      this.api.rooms().then(
        (list) => {
          let rooms = this.state.rooms;
          for (const s of list) {
            if (!rooms[s.id]) continue;
            const n = mergeSummary(rooms[s.id], s);
            if (n !== rooms[s.id]) rooms = { ...rooms, [s.id]: n };
          }
          if (rooms !== this.state.rooms) this.set({ rooms });
        },
        () => {},
      );
      const open = this.state.route.room;
      if (open !== null && this.state.timelines[open]) {
        this.loadLatest(open);
        this.loadMembers(open);
      }
    }
    const open = this.state.route.room;
    if (open !== null) this.maybeMarkRead(open);
  }

  private handleEvent(f: EventFrame): void {
    const d = decideEvent(this.cursors.get(f.room), f.ev);
    if (d === 'duplicate') return;
    if (d === 'gap') {
      // Should not happen (the server delivers every event once, in order); resume from
      // the cursors, which makes the server replay what is missing.
      this.conn?.forceReconnect();
      return;
    }
    if (d === 'unknown-room') {
      this.fetchRoom(f.room);
      return;
    }
    this.cursors.set(f.room, f.ev);
    const me = this.state.me?.id ?? 0;
    const e = this.state.rooms[f.room];
    let rooms = this.state.rooms;
    if (e) {
      const n = applyEventToEntry(e, f.ev, f, me);
      if (n !== e) rooms = { ...rooms, [f.room]: n };
    }
    const patch: Partial<AppState> = {};
    if (rooms !== this.state.rooms) patch.rooms = rooms;

    switch (f.type) {
      case 'message.created':
      case 'message.edited':
      case 'message.deleted': {
        const tl = this.state.timelines[f.room];
        if (tl) {
          let messages = upsert(tl.messages, f.message);
          if (f.type === 'message.deleted') messages = clearQuotesOf(messages, f.message.seq);
          if (messages !== tl.messages) patch.timelines = { ...this.state.timelines, [f.room]: { ...tl, messages } };
        }
        if (f.type === 'message.created') {
          const pending = confirm(this.state.pending, f.message, me);
          if (pending !== this.state.pending) patch.pending = pending;
        }
        break;
      }
      case 'member.joined': {
        const users = { ...this.state.users };
        for (const u of f.users) users[u.id] = u;
        patch.users = users;
        if (this.state.members[f.room]) this.loadMembers(f.room);
        break;
      }
      case 'member.left':
        if (f.user === me) {
          this.set(patch);
          this.removeRoom(f.room, f.by !== me);
          return;
        }
        if (this.state.members[f.room]) this.loadMembers(f.room);
        break;
      case 'member.role_changed':
        if (this.state.members[f.room]) this.loadMembers(f.room);
        break;
      case 'room.updated':
        break;
      case 'file.updated': {
        const tl = this.state.timelines[f.room];
        if (tl) {
          const messages = applyFileUpdate(tl.messages, f.file);
          if (messages !== tl.messages) patch.timelines = { ...this.state.timelines, [f.room]: { ...tl, messages } };
        }
        break;
      }
    }
    this.set(patch);
    if (f.type === 'message.created') {
      if (f.message.sender !== me) {
        this.maybeNotify(f.message);
        this.maybeMarkRead(f.room);
      }
    }
  }

  private maybeNotify(m: Message): void {
    if (this.state.conn !== 'live' || !this.state.settings.notify || !this.env.notify) return;
    if (this.env.visible()) return;
    const e = this.state.rooms[m.room];
    if (!e || !this.state.me) return;
    const direct = e.summary.kind === 'direct';
    if (!direct && !mentionsMe(m, this.state.me.id)) return;
    const title = this.deps.texts.notifyTitle(e.summary.name, m.sender_name, direct);
    const body = m.body || (m.files ?? []).map((f) => f.name).join('、');
    this.env.notify(title, body.slice(0, 120), `room-${m.room}`, () => this.navigate({ room: m.room, panel: null }));
  }

  private addRoomSummary(s: RoomSummary): void {
    if (!this.cursors.has(s.id)) this.cursors.set(s.id, s.ev);
    const rooms = { ...this.state.rooms, [s.id]: mergeSummary(this.state.rooms[s.id], s) };
    this.set({ rooms });
  }

  private fetchRoom(id: number): void {
    if (this.pendingRoomFetch.has(id)) return;
    this.pendingRoomFetch.add(id);
    this.api.room(id).then(
      (r) => {
        this.pendingRoomFetch.delete(id);
        if (this.state.phase !== 'app') return;
        this.addRoomSummary(r.room);
        this.cursors.advance(id, r.room.ev);
        this.set({
          members: { ...this.state.members, [id]: r.members },
          membersNext: { ...this.state.membersNext, [id]: r.members_next ?? null },
        });
      },
      (e) => {
        this.pendingRoomFetch.delete(id);
        if (e instanceof ApiError && e.status === 404) this.removeRoom(id, false);
      },
    );
  }

  private removeRoom(id: number, tell: boolean): void {
    const had = !!this.state.rooms[id];
    this.cursors.delete(id);
    const rooms = { ...this.state.rooms };
    delete rooms[id];
    const timelines = { ...this.state.timelines };
    delete timelines[id];
    const members = { ...this.state.members };
    delete members[id];
    this.set({ rooms, timelines, members, pending: this.state.pending.filter((p) => p.room !== id) });
    if (this.state.route.room === id) {
      this.navigate(HOME, true);
      if (had && tell) this.toast(this.deps.texts.removedFromRoom);
    }
  }

  // ---- navigation -------------------------------------------------------------------------

  navigate(route: Route, replace = false): void {
    const prev = this.state.route;
    if (sameRoute(prev, route)) return;
    if (route.room !== null && route.room !== prev.room) {
      this.openRoom(route.room, route.panel, replace);
      return;
    }
    this.set({ route });
    if (replace) this.env.history?.replace(formatRoute(route));
    else this.env.history?.push(formatRoute(route));
  }

  /** Browser back/forward: the URL already changed. */
  fromLocation(path: string): void {
    const route = parseRoute(path);
    if (sameRoute(route, this.state.route)) return;
    if (route.room !== null && route.room !== this.state.route.room) this.enterRoom(route.room, route.panel);
    else this.set({ route });
  }

  /** Back button of the phone layout. */
  back(): void {
    const r = this.state.route;
    const parent: Route = r.panel !== null ? { room: r.room, panel: null } : HOME;
    if (this.env.history && this.env.history.depth() > 0) this.env.history.back();
    else this.navigate(parent, true);
  }

  openRoom(id: number, panel: Route['panel'] = null, replace = false): void {
    const route: Route = { room: id, panel };
    if (replace) this.env.history?.replace(formatRoute(route));
    else this.env.history?.push(formatRoute(route));
    this.enterRoom(id, panel);
  }

  private enterRoom(id: number, panel: Route['panel']): void {
    const e = this.state.rooms[id];
    const dividers = { ...this.state.dividers };
    if (e && unreadOf(e) > 0) dividers[id] = e.summary.read_seq + 1;
    else delete dividers[id];
    this.atBottom = true;
    this.set({ route: { room: id, panel }, dividers });
    const tl = this.state.timelines[id];
    if (!tl || (!tl.loaded && !tl.loading)) this.loadLatest(id);
    if (!this.state.members[id]) this.loadMembers(id);
    this.maybeMarkRead(id);
  }

  // ---- timelines --------------------------------------------------------------------------

  private setTimeline(room: number, tl: Timeline): void {
    this.set({ timelines: { ...this.state.timelines, [room]: tl } });
  }

  async loadLatest(room: number): Promise<void> {
    const cur = this.state.timelines[room] ?? emptyTimeline();
    this.setTimeline(room, { ...cur, loading: true });
    const e = this.state.rooms[room];
    const limit = Math.min(200, Math.max(PAGE, (e ? unreadOf(e) : 0) + 10));
    try {
      const page = await this.api.messages(room, { limit });
      const tl = this.state.timelines[room];
      if (!tl) return; // left the room meanwhile
      let messages = mergeAll(tl.messages, page.messages);
      let hasMore = tl.loaded ? tl.hasMore : page.has_more;
      if (!isContiguous(messages)) {
        const last = page.messages.length ? page.messages[page.messages.length - 1].seq : 0;
        messages = mergeAll(page.messages, tl.messages.filter((m) => m.seq > last));
        hasMore = page.has_more;
      }
      if (page.messages.length && messages[0].seq === page.messages[0].seq) hasMore = page.has_more;
      let pending = this.state.pending;
      const me = this.state.me?.id ?? 0;
      for (const m of page.messages) pending = confirm(pending, m, me);
      this.set({
        timelines: { ...this.state.timelines, [room]: { ...tl, messages, hasMore, loaded: true, loading: false } },
        pending,
      });
    } catch (err) {
      const tl = this.state.timelines[room];
      if (tl) this.setTimeline(room, { ...tl, loading: false });
      if (!(err instanceof ApiError && err.status === 0)) this.fail(err);
    }
  }

  async loadOlder(room: number): Promise<boolean> {
    const tl = this.state.timelines[room];
    if (!tl || !tl.loaded || !tl.hasMore || tl.loadingOlder || !tl.messages.length) return false;
    this.setTimeline(room, { ...tl, loadingOlder: true });
    try {
      const page = await this.api.messages(room, { before: tl.messages[0].seq, limit: PAGE });
      const cur = this.state.timelines[room];
      if (!cur) return false;
      this.setTimeline(room, {
        ...cur,
        messages: mergeAll(cur.messages, page.messages),
        hasMore: page.has_more,
        loadingOlder: false,
      });
      return page.messages.length > 0;
    } catch (err) {
      const cur = this.state.timelines[room];
      if (cur) this.setTimeline(room, { ...cur, loadingOlder: false });
      this.fail(err);
      return false;
    }
  }

  async loadMembers(room: number): Promise<void> {
    try {
      const r = await this.api.room(room);
      const users = { ...this.state.users };
      for (const m of r.members) users[m.user.id] = m.user;
      const rooms = this.state.rooms[room]
        ? { ...this.state.rooms, [room]: mergeSummary(this.state.rooms[room], r.room) }
        : this.state.rooms;
      this.set({
        members: { ...this.state.members, [room]: r.members },
        membersNext: { ...this.state.membersNext, [room]: r.members_next ?? null },
        users,
        rooms,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.removeRoom(room, true);
    }
  }

  /** The next page of a room's members (a large room's list is loaded page by page). */
  async loadMoreMembers(room: number): Promise<void> {
    const cursor = this.state.membersNext[room];
    if (!cursor || this.loadingMembers.has(room)) return;
    this.loadingMembers.add(room);
    try {
      const page = await this.api.members(room, cursor);
      if (this.state.membersNext[room] !== cursor) return; // reloaded meanwhile
      const users = { ...this.state.users };
      for (const m of page.members) users[m.user.id] = m.user;
      this.set({
        members: { ...this.state.members, [room]: [...(this.state.members[room] ?? []), ...page.members] },
        membersNext: { ...this.state.membersNext, [room]: page.next },
        users,
      });
    } catch (err) {
      this.fail(err);
    } finally {
      this.loadingMembers.delete(room);
    }
  }

  setAtBottom(v: boolean): void {
    this.atBottom = v;
    if (v && this.state.route.room !== null) this.maybeMarkRead(this.state.route.room);
  }

  /** Marks the open room read up to its newest message if the user can see it. */
  maybeMarkRead(room: number): void {
    if (this.state.phase !== 'app' || this.state.route.room !== room) return;
    if (!this.env.visible() || !this.atBottom) return;
    const e = this.state.rooms[room];
    if (!e) return;
    const seq = e.summary.msg_seq;
    if (seq <= e.summary.read_seq) return;
    this.set({ rooms: { ...this.state.rooms, [room]: markEntryRead(e, seq) } });
    if (!this.conn?.send({ type: 'read', room, seq })) {
      this.api.read(room, seq).catch(() => {});
    }
  }

  /** The tab became visible again with new messages in the open room: show where they start. */
  onVisible(): void {
    const room = this.state.route.room;
    if (room === null) return;
    const e = this.state.rooms[room];
    if (e && unreadOf(e) > 0) {
      this.set({ dividers: { ...this.state.dividers, [room]: e.summary.read_seq + 1 } });
    }
    this.maybeMarkRead(room);
  }

  // ---- sending ------------------------------------------------------------------------------

  send(
    room: number,
    body: string,
    reply: Message | null,
    mentions: number[],
    mention_all: boolean,
    files: FileInfo[] = [],
  ): void {
    const p: Pending = {
      client_id: newClientId(),
      room,
      body,
      reply_to: reply ? reply.seq : null,
      reply: reply ? { seq: reply.seq, sender: reply.sender, sender_name: reply.sender_name, body: reply.body.slice(0, 100) } : null,
      mentions,
      mention_all,
      files: files.length ? files : undefined,
      created_at: Date.now(),
      status: 'sending',
      sentOn: 0,
    };
    this.set({ pending: [...this.state.pending, p] });
    this.atBottom = true;
    // While refused sends wait for their retry, a new one waits behind them: order is kept.
    if (this.retryTimer === null) this.trySend(p);
    this.armOutbox();
  }

  /**
   * Sends refused with rate_limited go again in order once `ms` has passed (at least that:
   * a later hint pushes the retry back, an earlier one does not bring it forward).
   */
  private retrySendsIn(ms: number): void {
    const timers = this.deps.timers ?? realTimers;
    const wait = Math.min(60000, Math.max(100, ms));
    const at = timers.now() + wait;
    if (this.retryTimer !== null) {
      if (at <= this.retryAt) return;
      timers.clearTimeout(this.retryTimer);
    }
    this.retryAt = at;
    this.retryTimer = timers.setTimeout(() => {
      this.retryTimer = null;
      this.flushOutbox();
    }, wait);
  }

  private trySend(p: Pending): boolean {
    const ok = !!this.conn?.send({
      type: 'send',
      room: p.room,
      client_id: p.client_id,
      body: p.body,
      reply_to: p.reply_to,
      mentions: p.mentions,
      mention_all: p.mention_all,
      ...fileIds(p),
    });
    if (ok) this.set({ pending: updatePending(this.state.pending, p.client_id, { sentOn: this.conn!.generation }) });
    return ok;
  }

  private flushOutbox(): void {
    if (!this.conn) return;
    for (const p of toSend(this.state.pending, this.conn.generation)) {
      if (!this.trySend(p)) break;
    }
  }

  /**
   * While the WebSocket is down, unacknowledged messages also go over REST (same client_id,
   * so the server stores each once even if the WebSocket resend arrives as well).
   */
  private armOutbox(): void {
    if (this.outboxTimer) return;
    this.outboxTimer = setTimeout(() => {
      this.outboxTimer = null;
      void this.restFlush();
    }, 4000);
  }

  private async restFlush(): Promise<void> {
    if (this.state.phase !== 'app' || this.restSending) return;
    const waiting = this.state.pending.filter((p) => p.status === 'sending' && p.ackSeq === undefined);
    if (!waiting.length) return;
    if (this.state.conn === 'live') {
      // Live: acks will come. Check again later in case one was lost with a dropped socket.
      this.armOutbox();
      return;
    }
    this.restSending = true;
    try {
      for (const p of waiting) {
        if (!this.state.pending.some((q) => q.client_id === p.client_id && q.ackSeq === undefined)) continue;
        try {
          const m = await this.api.post(p.room, {
            client_id: p.client_id,
            body: p.body,
            reply_to: p.reply_to,
            mentions: p.mentions,
            mention_all: p.mention_all,
            ...fileIds(p),
          });
          this.applyOwnMessage(m);
        } catch (err) {
          if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
            this.set({ pending: updatePending(this.state.pending, p.client_id, { status: 'failed', error: err.message }) });
            continue;
          }
          break; // network: try again later
        }
      }
    } finally {
      this.restSending = false;
    }
    if (this.state.pending.some((p) => p.status === 'sending' && p.ackSeq === undefined)) this.armOutbox();
  }

  /** A message of ours that came back from REST (not as an event): idempotent updates only. */
  private applyOwnMessage(m: Message): void {
    const patch: Partial<AppState> = {};
    const tl = this.state.timelines[m.room];
    if (tl) patch.timelines = { ...this.state.timelines, [m.room]: { ...tl, messages: upsert(tl.messages, m) } };
    const e = this.state.rooms[m.room];
    if (e) {
      const s = e.summary;
      const last = !s.last_message || m.seq >= s.last_message.seq ? m : s.last_message;
      const msg_seq = Math.max(s.msg_seq, m.seq);
      const read_seq = Math.max(s.read_seq, m.sender === this.state.me?.id ? m.seq : 0);
      patch.rooms = {
        ...this.state.rooms,
        [m.room]: {
          ...e,
          summary: {
            ...s,
            last_message: last,
            msg_seq,
            read_seq,
            unread: Math.max(0, msg_seq - read_seq),
            last_activity: Math.max(s.last_activity, m.created_at),
          },
        },
      };
    }
    patch.pending = confirm(this.state.pending, m, this.state.me?.id ?? 0);
    this.set(patch);
  }

  retry(clientId: string): void {
    const p = this.state.pending.find((q) => q.client_id === clientId);
    if (!p) return;
    this.set({ pending: updatePending(this.state.pending, clientId, { status: 'sending', error: undefined, sentOn: 0 }) });
    const q = this.state.pending.find((x) => x.client_id === clientId)!;
    this.trySend(q);
    this.armOutbox();
  }

  discard(clientId: string): void {
    this.set({ pending: this.state.pending.filter((p) => p.client_id !== clientId) });
  }

  async edit(room: number, seq: number, body: string): Promise<boolean> {
    return this.attempt(async () => {
      this.applyMessage(await this.api.edit(room, seq, body));
    });
  }

  async remove(room: number, seq: number): Promise<void> {
    await this.attempt(async () => {
      this.applyMessage(await this.api.remove(room, seq));
    });
  }

  private applyMessage(m: Message): void {
    const tl = this.state.timelines[m.room];
    if (tl) this.setTimeline(m.room, { ...tl, messages: upsert(tl.messages, m) });
  }

  // ---- rooms and people -----------------------------------------------------------------------

  async startDirect(user: number): Promise<void> {
    await this.attempt(async () => {
      const s = await this.api.direct(user);
      this.addRoomSummary(s);
      this.openRoom(s.id);
    });
  }

  async createGroup(name: string, members: number[]): Promise<boolean> {
    return this.attempt(async () => {
      const s = await this.api.createRoom(name, members);
      this.addRoomSummary(s);
      this.openRoom(s.id);
    });
  }

  async addMembers(room: number, users: number[]): Promise<boolean> {
    return this.attempt(async () => {
      await this.api.addMembers(room, users);
      await this.loadMembers(room);
    });
  }

  async removeMember(room: number, user: number): Promise<boolean> {
    return this.attempt(async () => {
      await this.api.removeMember(room, user);
      if (user === this.state.me?.id) this.removeRoom(room, false);
      else await this.loadMembers(room);
    });
  }

  async rename(room: number, name: string): Promise<boolean> {
    return this.attempt(async () => {
      this.addRoomSummary(await this.api.renameRoom(room, name));
    });
  }

  async loadUser(id: number): Promise<User | null> {
    try {
      const u = await this.api.user(id);
      this.set({ users: { ...this.state.users, [id]: u } });
      return u;
    } catch (e) {
      this.fail(e);
      return null;
    }
  }

  async setStatus(status: string): Promise<boolean> {
    return this.attempt(async () => {
      const u = await this.api.setStatus(status);
      this.set({ me: u, users: { ...this.state.users, [u.id]: u } });
    });
  }

  updateSettings(patch: Partial<Settings>): void {
    const settings = { ...this.state.settings, ...patch };
    saveSettings(this.env.storage, settings);
    this.set({ settings });
  }
}
