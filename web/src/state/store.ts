// The application state and everything that changes it, as one object for the components
// (useStore() reads it, the methods are the actions). The work is done by the parts, each
// owning one concern and slice of AppState (hub.ts); this class wires them together and
// runs the session: boot, login, logout, the end of a session.
import { Api, ApiError } from '../api/client';
import type { FileInfo, Message, RoomPatch, RoomRole, ServerFrame, Session, User } from '../api/types';
import type { Connection } from '../realtime/connection';
import { Attachments } from './attachments';
import { Collab } from './collab';
import { Directory } from './directory';
import { Drafts } from './drafts';
import { Hub, sessionSlices, type AppState, type StoreDeps as HubDeps, type Toast } from './hub';
import { Navigation } from './navigation';
import { RoomList } from './roomList';
import { SafetyPart } from './safety';
import { HOME, parseRoute, type Route } from './router';
import { Outbox, type SendExtra } from './sending';
import { saveSettings, type Settings } from './settings';
import { Sync } from './sync';
import { Timelines } from './timelines';

export type { AppState, Env, Phase, Texts, Toast } from './hub';
export type StoreDeps = Omit<HubDeps, 'api'> & { api?: Api };

export class Store {
  readonly hub: Hub;
  private bootFailed = false;
  private bootPath = '/';
  readonly api: Api;
  readonly drafts: Drafts;
  /** Files being uploaded for each room's composer. */
  readonly attachments: Attachments;
  readonly sync: Sync;
  readonly rooms: RoomList;
  readonly nav: Navigation;
  readonly timelines: Timelines;
  readonly directory: Directory;
  readonly outbox: Outbox;
  readonly collab: Collab;
  readonly safety: SafetyPart;

  constructor(deps: StoreDeps) {
    this.api = deps.api ?? new Api();
    this.api.onUnauthenticated = () => this.sessionEnded();
    this.api.onReach = (answered) => this.sync.reached(answered);
    this.hub = new Hub({ ...deps, api: this.api });
    this.drafts = new Drafts(deps.env.storage);
    this.attachments = new Attachments(this.api, deps.timers);
    // The parts reach each other through narrow interfaces; `this` provides them lazily.
    this.sync = new Sync(this.hub, this, () => this.sessionEnded());
    this.rooms = new RoomList(this.hub, this.sync.cursors, this);
    this.nav = new Navigation(this.hub, { link: this.sync, timelines: this, directory: this });
    this.timelines = new Timelines(this.hub, this);
    this.collab = new Collab(this.hub, this.timelines);
    this.safety = new SafetyPart(this.hub);
    this.directory = new Directory(this.hub, this);
    this.outbox = new Outbox(this.hub, {
      link: this.sync,
      timelines: this.timelines,
      rooms: this.rooms,
      onQueued: () => (this.nav.atBottom = true),
    });
  }

  get state(): AppState {
    return this.hub.state;
  }
  get cursors() {
    return this.sync.cursors;
  }
  get conn(): Connection | null {
    return this.sync.conn;
  }
  get atBottom(): boolean {
    return this.nav.atBottom;
  }
  set atBottom(v: boolean) {
    this.nav.atBottom = v;
  }

  subscribe(fn: () => void): () => void {
    return this.hub.subscribe(fn);
  }
  set(patch: Partial<AppState>): void {
    this.hub.set(patch);
  }
  toast(text: string, kind: Toast['kind'] = 'info'): void {
    this.hub.toast(text, kind);
  }

  // ---- session --------------------------------------------------------------------------

  async boot(path: string): Promise<void> {
    this.bootPath = path;
    this.set({ route: parseRoute(path) });
    let s: Session;
    try {
      s = await this.api.me();
    } catch (e) {
      // Unreachable (offline, the app shell came from the service worker): the login form
      // says so, and the session is asked for again when the network is back.
      // zone_forbidden: a 利用制限 session in the Internet zone (its Internet use revoked, or
      // the answer-only screen's checks closed): the login form says why, as a login would.
      this.bootFailed = e instanceof ApiError && e.status === 0;
      const refused = e instanceof ApiError && e.code === 'zone_forbidden';
      this.set({
        phase: 'login',
        loginMessage: this.bootFailed ? this.hub.texts.offline : refused ? this.hub.texts.zoneForbidden : null,
      });
      return;
    }
    this.bootFailed = false;
    await this.startApp(s);
  }

  /** The browser's online/offline events. */
  setOnline(online: boolean): void {
    this.sync.setBrowserOnline(online);
    if (online && this.bootFailed && this.state.phase === 'login') void this.boot(this.bootPath);
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
    this.hub.env.history?.replace('/');
  }

  /** The server ended the session (4001, or a 401): back to the login screen. */
  sessionEnded(): void {
    if (!this.state.me) return;
    this.teardown();
    this.set({ phase: 'login', loginMessage: this.hub.texts.sessionEnded });
  }

  private teardown(): void {
    this.attachments.clearAll();
    this.sync.stop();
    this.outbox.stop();
    this.api.csrf = '';
    this.set(sessionSlices());
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
    // A failure is not fatal: welcome lists the rooms, and each unknown one is then fetched.
    // zone_forbidden: 利用制限 in the Internet zone, let in only to answer 安否確認
    // (safety/AnswerOnly.tsx): no connection.
    const e = await this.rooms.load();
    if (this.state.phase !== 'app') return;
    if ((e as ApiError)?.code === 'zone_forbidden') return this.set({ phase: 'answer' });
    this.sync.start();
    const r = this.state.route;
    if (r.room !== null) {
      if (this.state.rooms[r.room]) this.nav.openRoom(r.room, r.panel, true);
      else this.nav.navigate(HOME, true);
    }
  }

  /** The network came back or the tab became visible: don't wait for the back-off. */
  wake(): void {
    this.sync.wake();
    this.attachments.wake();
    if (this.state.route.room !== null) this.nav.maybeMarkRead(this.state.route.room);
  }

  updateSettings(patch: Partial<Settings>): void {
    const settings = { ...this.state.settings, ...patch };
    saveSettings(this.hub.env.storage, settings);
    this.set({ settings });
  }

  // ---- the parts' actions, as the components call them ------------------------------------

  navigate = (route: Route, replace = false) => this.nav.navigate(route, replace);
  fromLocation = (path: string) => this.nav.fromLocation(path);
  back = () => this.nav.back();
  openRoom = (id: number, panel: Route['panel'] = null, replace = false) => this.nav.openRoom(id, panel, replace);
  setAtBottom = (v: boolean) => this.nav.setAtBottom(v);
  maybeMarkRead = (room: number) => this.nav.maybeMarkRead(room);
  onVisible = () => this.nav.onVisible();

  reloadRooms = () => this.rooms.reload();
  loadLatest = (room: number) => this.timelines.loadLatest(room);
  loadOlder = (room: number) => this.timelines.loadOlder(room);
  edit = (room: number, seq: number, body: string) => this.timelines.edit(room, seq, body);
  remove = (room: number, seq: number) => this.timelines.remove(room, seq);

  send = (room: number, body: string, reply: Message | null, mentions: number[], mentionAll: boolean, files: FileInfo[] = []) =>
    this.outbox.send(room, body, reply, mentions, mentionAll, files);
  /** A stamp message, or an action stamp (with an optional text): through the outbox too. */
  sendSpecial = (room: number, extra: SendExtra, body = '', reply: Message | null = null) =>
    this.outbox.send(room, body, reply, [], false, [], extra);
  retry = (clientId: string) => this.outbox.retry(clientId);
  discard = (clientId: string) => this.outbox.discard(clientId);

  startDirect = (user: number) => this.rooms.startDirect(user);
  createGroup = (name: string, members: number[]) => this.rooms.createGroup(name, members);
  updateRoom = (room: number, patch: RoomPatch) => this.rooms.update(room, patch);

  loadMembers = (room: number) => this.directory.loadMembers(room);
  loadMoreMembers = (room: number) => this.directory.loadMoreMembers(room);
  addMembers = (room: number, users: number[]) => this.directory.addMembers(room, users);
  removeMember = (room: number, user: number) => this.directory.removeMember(room, user);
  setRole = (room: number, user: number, role: RoomRole) => this.directory.setRole(room, user, role);
  loadUser = (id: number): Promise<User | null> => this.directory.loadUser(id);
  setStatus = (status: string) => this.directory.setStatus(status);

  handleFrame = (f: ServerFrame) => this.sync.handleFrame(f);
}
