// The shared application state and what every part of the store uses: the one state object
// (components select from it), change notification, toasts, reporting a failed action.
// The parts (sync.ts, roomList.ts, navigation.ts, timelines.ts, directory.ts, sending.ts,
// collab.ts) each own a slice of AppState and change only that slice.
import { ApiError, type Api } from '../api/client';
import type { Member, Note, Pin, Tenant, User, Zone } from '../api/types';
import { realTimers, type ConnState, type SocketLike, type Timers } from '../realtime/connection';
import type { Pending } from './outbox';
import type { LiveTally, MyCheck } from './safety';
import { sortRoomIds, type RoomEntry } from './rooms';
import { HOME, type Route } from './router';
import { loadSettings, type Settings } from './settings';
import type { Timeline } from './timeline';

// answer: a restricted account in the Internet zone, let in only to answer 安否確認.
export type Phase = 'boot' | 'login' | 'app' | 'answer';
export type Net = 'online' | 'offline' | 'unreachable';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  /** An action that failed for a passing reason (no answer, a server error, too fast): tries it again. */
  retry?: () => void;
}

export interface AppState {
  phase: Phase;
  me: User | null;
  tenant: Tenant | null;
  /** The zone this page talks to the server through (what files it may get depends on it). */
  zone: Zone;
  conn: ConnState;
  /** offline: the browser says so; unreachable: the server did not answer the last request. */
  net: Net;
  /** The connection was live at least once since login (so a drop is a "reconnect"). */
  everLive: boolean;
  rooms: Record<number, RoomEntry>;
  roomsLoaded: boolean;
  /** Why the room list could not be loaded (shown with a retry), null if it could. */
  roomsError: string | null;
  order: number[];
  timelines: Record<number, Timeline>;
  pending: Pending[];
  members: Record<number, Member[]>;
  /** Per room: where the next page of members starts (null: all loaded). */
  membersNext: Record<number, string | null>;
  users: Record<number, User>;
  /** Per room, once loaded (collab.ts): its pins, newest first; its notes, latest first (no bodies). */
  pins: Record<number, Pin[]>;
  notes: Record<number, Note[]>;
  /** 安否確認 (safety.ts): the open checks I am a target of; managers: the live tallies. */
  safety: MyCheck[];
  safetyLive: Record<number, LiveTally>;
  /** A notification of check N was clicked: its banner opens the sheet (or a manager's dashboard). */
  safetyAsk: number;
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
  /** The server cannot be reached (at boot: the session is not known). */
  offline: string;
  removedFromRoom: string;
  sendFailed: string;
  /** What a stamp message says where only words fit (a notification). */
  stamp: string;
  error: (e: unknown) => string;
  notifyTitle: (room: string, sender: string, direct: boolean) => string;
  /** A 安否確認 notification's title (no name), or its reminder's lead (who reminded). */
  safety?: (by?: string) => string;
  /** At boot, a session refused in the Internet zone (利用制限): its Internet use was
   * revoked, or the 安否確認 it was let in to answer has closed. */
  zoneForbidden: string;
};

export interface StoreDeps {
  api: Api;
  env: Env;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  texts: Texts;
}

/** The slices that belong to a session (emptied on logout). */
export const sessionSlices = (): Partial<AppState> => ({
  me: null,
  tenant: null,
  conn: 'idle',
  everLive: false,
  rooms: {},
  roomsLoaded: false,
  roomsError: null,
  timelines: {},
  pending: [],
  members: {},
  membersNext: {},
  users: {},
  pins: {},
  notes: {},
  safety: [],
  safetyLive: {},
  safetyAsk: 0,
  dividers: {},
});

export class Hub {
  state: AppState;
  readonly api: Api;
  readonly env: Env;
  readonly texts: Texts;
  readonly timers: Timers;
  private readonly listeners = new Set<() => void>();
  private toastSeq = 0;
  private toastTimer: ReturnType<typeof setTimeout> | null = null;
  private batching = 0;
  private changed = false;

  constructor(readonly deps: StoreDeps) {
    this.api = deps.api;
    this.env = deps.env;
    this.texts = deps.texts;
    this.timers = deps.timers ?? realTimers;
    this.state = {
      phase: 'boot',
      zone: 'lgwan',
      net: 'online',
      order: [],
      route: HOME,
      settings: loadSettings(deps.env.storage),
      toast: null,
      loginMessage: null,
      ...(sessionSlices() as Omit<AppState, 'phase' | 'zone' | 'net' | 'order' | 'route' | 'settings' | 'toast' | 'loginMessage'>),
    };
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  set(patch: Partial<AppState>): void {
    const next = { ...this.state, ...patch };
    if (patch.rooms && patch.rooms !== this.state.rooms) next.order = sortRoomIds(patch.rooms);
    this.state = next;
    if (this.batching) this.changed = true;
    else this.listeners.forEach((l) => l());
  }

  /** Runs `fn`, telling the listeners once at the end about all the changes it made. */
  batch(fn: () => void): void {
    this.batching++;
    try {
      fn();
    } finally {
      if (--this.batching === 0 && this.changed) {
        this.changed = false;
        this.listeners.forEach((l) => l());
      }
    }
  }

  toast(text: string, kind: Toast['kind'] = 'info', retry?: () => void): void {
    const id = ++this.toastSeq;
    this.set({ toast: { id, text, kind, retry } });
    if (this.toastTimer) clearTimeout(this.toastTimer);
    // One with a 再試行 stays long enough to be used.
    this.toastTimer = setTimeout(() => {
      if (this.state.toast?.id === id) this.set({ toast: null });
    }, retry ? 15000 : 5000);
  }

  fail(e: unknown, retry?: () => void): void {
    this.toast(this.texts.error(e), 'error', retry);
  }

  /**
   * Runs a user action; a failure is reported (fail) instead of thrown, with a 再試行 when
   * trying again may work (no answer, a server error, rate_limited; not a refusal or bad
   * input). True if it worked.
   */
  async attempt(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (e) {
      const passing = e instanceof ApiError && (e.status === 0 || e.status === 429 || e.status >= 500);
      this.fail(e, passing ? () => {
        this.set({ toast: null });
        void this.attempt(action);
      } : undefined);
      return false;
    }
  }
}
