// Where the user is (route, URL history) and what they have seen: the open room, the
// "ここから未読" divider, and read marks for the open room while it is visible at the bottom.
import type { Directory } from './directory';
import type { Hub } from './hub';
import { markRead, unreadOf } from './rooms';
import { formatRoute, HOME, parseRoute, sameRoute, type Route } from './router';
import type { Link } from './sync';
import type { Timelines } from './timelines';

export interface NavigationParts {
  link: Link;
  timelines: Pick<Timelines, 'loadLatest'>;
  directory: Pick<Directory, 'loadMembers'>;
}

export class Navigation {
  /** The user's timeline is scrolled to the newest message. */
  atBottom = true;

  constructor(
    private readonly hub: Hub,
    private readonly parts: NavigationParts,
  ) {}

  navigate(route: Route, replace = false): void {
    const { hub } = this;
    const prev = hub.state.route;
    if (sameRoute(prev, route)) return;
    if (route.room !== null && route.room !== prev.room) {
      this.openRoom(route.room, route.panel, replace);
      return;
    }
    hub.set({ route });
    if (replace) hub.env.history?.replace(formatRoute(route));
    else hub.env.history?.push(formatRoute(route));
  }

  /** Browser back/forward: the URL already changed. */
  fromLocation(path: string): void {
    const route = parseRoute(path);
    if (sameRoute(route, this.hub.state.route)) return;
    if (route.room !== null && route.room !== this.hub.state.route.room) this.enterRoom(route.room, route.panel);
    else this.hub.set({ route });
  }

  /** Back button of the phone layout. */
  back(): void {
    const r = this.hub.state.route;
    const parent: Route = r.panel !== null ? { room: r.room, panel: null } : HOME;
    const h = this.hub.env.history;
    if (h && h.depth() > 0) h.back();
    else this.navigate(parent, true);
  }

  openRoom(id: number, panel: Route['panel'] = null, replace = false): void {
    const route: Route = { room: id, panel };
    if (replace) this.hub.env.history?.replace(formatRoute(route));
    else this.hub.env.history?.push(formatRoute(route));
    this.enterRoom(id, panel);
  }

  private enterRoom(id: number, panel: Route['panel']): void {
    const { hub } = this;
    const e = hub.state.rooms[id];
    const dividers = { ...hub.state.dividers };
    if (e && unreadOf(e) > 0) dividers[id] = e.summary.read_seq + 1;
    else delete dividers[id];
    const tl = hub.state.timelines[id];
    // Opened at a message (a search result, state/around.ts): not at the newest.
    this.atBottom = tl?.target === undefined;
    hub.set({ route: { room: id, panel }, dividers });
    if (!tl || (!tl.loaded && !tl.loading)) this.parts.timelines.loadLatest(id);
    if (!hub.state.members[id]) this.parts.directory.loadMembers(id);
    this.maybeMarkRead(id);
  }

  setAtBottom(v: boolean): void {
    this.atBottom = v;
    if (v && this.hub.state.route.room !== null) this.maybeMarkRead(this.hub.state.route.room);
  }

  /** Marks the open room read up to its newest message if the user can see it. */
  maybeMarkRead(room: number): void {
    const { hub } = this;
    if (hub.state.phase !== 'app' || hub.state.route.room !== room) return;
    if (!hub.env.visible() || !this.atBottom) return;
    const e = hub.state.rooms[room];
    if (!e) return;
    const seq = e.summary.msg_seq;
    if (seq <= e.summary.read_seq) return;
    hub.set({ rooms: { ...hub.state.rooms, [room]: markRead(e, seq) } });
    if (!this.parts.link.send({ type: 'read', room, seq })) {
      hub.api.read(room, seq).catch(() => {});
    }
  }

  /** The tab became visible again with new messages in the open room: show where they start. */
  onVisible(): void {
    const { hub } = this;
    const room = hub.state.route.room;
    if (room === null) return;
    const e = hub.state.rooms[room];
    if (e && unreadOf(e) > 0) {
      hub.set({ dividers: { ...hub.state.dividers, [room]: e.summary.read_seq + 1 } });
    }
    this.maybeMarkRead(room);
  }
}
