// The room list: summaries from REST merged with events (rooms.ts), rooms appearing and
// going away, creating and changing rooms, and notifications for new messages.
import { ApiError } from '../api/client';
import type { EventFrame, Message, RoomPatch, RoomSummary } from '../api/types';
import type { Cursors } from '../realtime/cursors';
import type { Collab } from './collab';
import type { Directory } from './directory';
import type { Hub } from './hub';
import type { Navigation } from './navigation';
import {
  abilitiesChangedBy,
  applyEventToEntry,
  entryFromSummary,
  markRead,
  mentionsMe,
  mergeSummary,
  type RoomEntry,
} from './rooms';
import { HOME } from './router';
import type { Outbox } from './sending';
import type { Timelines } from './timelines';

export interface RoomListParts {
  nav: Pick<Navigation, 'openRoom' | 'navigate'>;
  directory: Pick<Directory, 'setMembers' | 'forget'>;
  timelines: Pick<Timelines, 'forget'>;
  outbox: Pick<Outbox, 'forgetRoom'>;
  collab: Pick<Collab, 'forget'>;
}

export class RoomList {
  private readonly fetching = new Set<number>();

  constructor(
    private readonly hub: Hub,
    private readonly cursors: Cursors,
    private readonly parts: RoomListParts,
  ) {}

  private get rooms() {
    return this.hub.state.rooms;
  }

  private put(id: number, e: RoomEntry): void {
    if (e !== this.rooms[id]) this.hub.set({ rooms: { ...this.rooms, [id]: e } });
  }

  /** The room list (on login); a failure is kept in roomsError (shown with a retry) and returned. */
  async load(): Promise<unknown> {
    let list: RoomSummary[];
    try {
      list = await this.hub.api.rooms();
    } catch (e) {
      this.hub.set({ roomsError: this.hub.texts.error(e) });
      return e;
    }
    const rooms: Record<number, RoomEntry> = {};
    for (const s of list) {
      rooms[s.id] = entryFromSummary(s);
      if (!this.cursors.has(s.id)) this.cursors.set(s.id, s.ev);
    }
    this.hub.set({ rooms, roomsLoaded: true, roomsError: null });
  }

  /** Loads the list again after a failure, keeping what events have added meanwhile. */
  async reload(): Promise<void> {
    try {
      const list = await this.hub.api.rooms();
      this.hub.batch(() => {
        list.forEach((s) => this.add(s));
        this.hub.set({ roomsLoaded: true, roomsError: null });
      });
    } catch (e) {
      this.hub.set({ roomsError: this.hub.texts.error(e) });
    }
  }

  /** A room summary from the server: added to the list (with its cursor) or merged. */
  add(s: RoomSummary): void {
    if (!this.cursors.has(s.id)) this.cursors.set(s.id, s.ev);
    this.put(s.id, mergeSummary(this.rooms[s.id], s));
  }

  /** Merges a summary of a room already in the list (a room's details, a refresh). */
  refresh(s: RoomSummary): void {
    const e = this.rooms[s.id];
    if (e) this.put(s.id, mergeSummary(e, s));
  }

  /** After a reconnect: read positions and counts that events do not carry. */
  refreshAll(): void {
    this.hub.api.rooms().then(
      (list) => this.hub.batch(() => list.forEach((s) => this.refresh(s))),
      () => {},
    );
  }

  /** Loads a room (and its members) the list does not know yet, or knows too little of. */
  fetch(id: number): void {
    if (this.fetching.has(id)) return;
    this.fetching.add(id);
    this.hub.api.room(id).then(
      (r) => {
        this.fetching.delete(id);
        if (this.hub.state.phase !== 'app') return;
        this.hub.batch(() => {
          this.add(r.room);
          this.cursors.advance(id, r.room.ev);
          this.parts.directory.setMembers(id, r.members, r.members_next ?? null);
        });
      },
      (e) => {
        this.fetching.delete(id);
        if (e instanceof ApiError && e.status === 404) this.remove(id, false);
      },
    );
  }

  /** Forgets a room we are no longer in; `tell`: say so if it was open. */
  remove(id: number, tell: boolean): void {
    const { hub } = this;
    const had = !!this.rooms[id];
    this.cursors.delete(id);
    hub.batch(() => {
      const rooms = { ...this.rooms };
      delete rooms[id];
      hub.set({ rooms });
      this.parts.timelines.forget(id);
      this.parts.directory.forget(id);
      this.parts.outbox.forgetRoom(id);
      this.parts.collab.forget(id);
      if (hub.state.route.room === id) {
        this.parts.nav.navigate(HOME, true);
        if (had && tell) hub.toast(hub.texts.removedFromRoom);
      }
    });
  }

  onEvent(f: EventFrame, me: number): void {
    const e = this.rooms[f.room];
    if (!e) return;
    const stale = f.ev > e.summaryEv && abilitiesChangedBy(e, f, me);
    this.put(f.room, applyEventToEntry(e, f.ev, f, me));
    if (stale) this.fetch(f.room);
  }

  markRead(room: number, seq: number): void {
    const e = this.rooms[room];
    if (e) this.put(room, markRead(e, seq));
  }

  /** A message of ours stored over REST (no event): the summary moves as an event would. */
  applyOwn(m: Message): void {
    const e = this.rooms[m.room];
    if (!e) return;
    const s = e.summary;
    const last = !s.last_message || m.seq >= s.last_message.seq ? m : s.last_message;
    const msg_seq = Math.max(s.msg_seq, m.seq);
    const read_seq = Math.max(s.read_seq, m.sender === this.hub.state.me?.id ? m.seq : 0);
    this.put(m.room, {
      ...e,
      summary: {
        ...s,
        last_message: last,
        msg_seq,
        read_seq,
        unread: Math.max(0, msg_seq - read_seq),
        last_activity: Math.max(s.last_activity, m.created_at),
      },
    });
  }

  /** Notifies of someone else's message if the page is hidden and it is for me. */
  notifyOf(m: Message): void {
    const { state, env, texts } = this.hub;
    if (state.conn !== 'live' || !state.settings.notify || !env.notify) return;
    if (env.visible()) return;
    const e = state.rooms[m.room];
    if (!e || !state.me) return;
    const direct = e.summary.kind === 'direct';
    if (!direct && !mentionsMe(m, state.me.id)) return;
    const title = texts.notifyTitle(e.summary.name, m.sender_name, direct);
    const body = m.body || m.action?.title || (m.stamp ? texts.stamp : (m.files ?? []).map((f) => f.name).join('、'));
    env.notify(title, body.slice(0, 120), `room-${m.room}`, () => this.parts.nav.navigate({ room: m.room, panel: null }));
  }

  async startDirect(user: number): Promise<void> {
    await this.hub.attempt(async () => {
      const s = await this.hub.api.direct(user);
      this.add(s);
      this.parts.nav.openRoom(s.id);
    });
  }

  async createGroup(name: string, members: number[]): Promise<boolean> {
    return this.hub.attempt(async () => {
      const s = await this.hub.api.createRoom(name, members);
      this.add(s);
      this.parts.nav.openRoom(s.id);
    });
  }

  /** Changes the room's name, description or rules (RoomSettingsDialog). */
  async update(room: number, patch: RoomPatch): Promise<boolean> {
    return this.hub.attempt(async () => {
      this.add(await this.hub.api.updateRoom(room, patch));
    });
  }
}
