// The loaded messages of each room (timeline.ts): the latest page when a room is opened or
// must be reloaded, older pages on scroll, events, read counts, edits and deletions.
import { ApiError } from '../api/client';
import type { EventFrame, Message } from '../api/types';
import type { Hub } from './hub';
import { unreadOf } from './rooms';
import type { Outbox } from './sending';
import {
  applyFileUpdate,
  applyReadCounts,
  clearQuotesOf,
  emptyTimeline,
  followEdit,
  isContiguous,
  mergeAll,
  outside,
  upsert,
  type Timeline,
} from './timeline';

const PAGE = 50;

export interface TimelineParts {
  outbox: Pick<Outbox, 'confirm'>;
}

export class Timelines {
  constructor(
    private readonly hub: Hub,
    private readonly parts: TimelineParts,
  ) {}

  get(room: number): Timeline | undefined {
    return this.hub.state.timelines[room];
  }

  /** Replaces the room's timeline (state/around.ts loads a page around a message with it). */
  put(room: number, tl: Timeline): void {
    this.hub.set({ timelines: { ...this.hub.state.timelines, [room]: tl } });
  }

  forget(room: number): void {
    if (!this.get(room)) return;
    const timelines = { ...this.hub.state.timelines };
    delete timelines[room];
    this.hub.set({ timelines });
  }

  /** Loads the latest page again if the room is loaded; `reset` drops what was loaded (resync). */
  reload(room: number, reset = true): void {
    if (!this.get(room)) return;
    if (reset) this.put(room, emptyTimeline());
    void this.loadLatest(room);
  }

  async loadLatest(room: number): Promise<void> {
    const { hub } = this;
    const cur = this.get(room) ?? emptyTimeline();
    this.put(room, { ...cur, loading: true, error: undefined });
    const e = hub.state.rooms[room];
    const limit = Math.min(200, Math.max(PAGE, (e ? unreadOf(e) : 0) + 10));
    try {
      const page = await hub.api.messages(room, { limit });
      const tl = this.get(room);
      if (!tl) return; // left the room meanwhile
      let messages = mergeAll(tl.messages, page.messages);
      let hasMore = tl.loaded ? tl.hasMore : page.has_more;
      if (!isContiguous(messages)) {
        const last = page.messages.length ? page.messages[page.messages.length - 1].seq : 0;
        messages = mergeAll(page.messages, tl.messages.filter((m) => m.seq > last));
        hasMore = page.has_more;
      }
      if (page.messages.length && messages[0].seq === page.messages[0].seq) hasMore = page.has_more;
      hub.batch(() => {
        this.put(room, { ...tl, messages, hasMore, hasNewer: false, loaded: true, loading: false });
        this.parts.outbox.confirm(page.messages);
      });
    } catch (err) {
      const tl = this.get(room);
      if (tl && !tl.loaded) this.put(room, { ...tl, loading: false, error: hub.texts.error(err) });
      else if (tl) this.put(room, { ...tl, loading: false });
      if (tl?.loaded && !(err instanceof ApiError && err.status === 0)) hub.fail(err);
    }
  }

  /** The `limit` messages before the oldest loaded; false if none came (or one is under way). */
  async loadOlder(room: number, limit = PAGE): Promise<boolean> {
    const tl = this.get(room);
    if (!tl || !tl.loaded || !tl.hasMore || tl.loadingOlder || !tl.messages.length) return false;
    this.put(room, { ...tl, loadingOlder: true });
    try {
      const page = await this.hub.api.messages(room, { before: tl.messages[0].seq, limit });
      const cur = this.get(room);
      // Gone, or replaced meanwhile (a reload, a page around a message): not its history.
      if (!cur?.loadingOlder) return false;
      this.put(room, {
        ...cur,
        messages: mergeAll(cur.messages, page.messages),
        hasMore: page.has_more,
        loadingOlder: false,
      });
      return page.messages.length > 0;
    } catch (err) {
      const cur = this.get(room);
      if (cur) this.put(room, { ...cur, loadingOlder: false });
      this.hub.fail(err);
      return false;
    }
  }

  /** Replaces the room's loaded messages by `f(messages)` (nothing if not loaded). */
  change(room: number, f: (messages: Message[]) => Message[]): void {
    const tl = this.get(room);
    if (!tl) return;
    const messages = f(tl.messages);
    if (messages !== tl.messages) this.put(room, { ...tl, messages });
  }

  onEvent(f: EventFrame): void {
    switch (f.type) {
      case 'message.created':
      case 'message.edited':
      case 'message.deleted':
        this.apply(f.message);
        return;
      case 'file.updated':
        this.change(f.room, (list) => applyFileUpdate(list, f.file));
        return;
    }
  }

  onReads(room: number, counts: [number, number][]): void {
    this.change(room, (list) => applyReadCounts(list, counts));
  }

  /**
   * A message as the server returned it (a REST send, an edit, a deletion, an event); quotes
   * of it follow. One beyond a loaded end with more on the server is left for paging to load.
   */
  apply(m: Message): void {
    this.change(m.room, (list) => {
      const out = outside(this.get(m.room)!, m.seq) ? list : upsert(list, m);
      return m.deleted ? clearQuotesOf(out, m.seq) : followEdit(out, m);
    });
  }

  async edit(room: number, seq: number, body: string): Promise<boolean> {
    return this.hub.attempt(async () => {
      this.apply(await this.hub.api.edit(room, seq, body));
    });
  }

  async remove(room: number, seq: number): Promise<void> {
    await this.hub.attempt(async () => {
      this.apply(await this.hub.api.remove(room, seq));
    });
  }
}
