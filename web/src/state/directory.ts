// People: the users we know (by id), each room's member list (paged for large rooms), and
// the actions on them (add, remove, one's own status).
import { ApiError } from '../api/client';
import type { EventFrame, Member, RoomRole, User } from '../api/types';
import type { Hub } from './hub';
import type { RoomList } from './roomList';

export interface DirectoryParts {
  rooms: Pick<RoomList, 'refresh' | 'remove'>;
}

export class Directory {
  private readonly loadingMore = new Set<number>();

  constructor(
    private readonly hub: Hub,
    private readonly parts: DirectoryParts,
  ) {}

  /** Keeps the latest copy of these users. */
  remember(list: User[]): void {
    if (!list.length) return;
    const users = { ...this.hub.state.users };
    for (const u of list) users[u.id] = u;
    this.hub.set({ users });
  }

  /** A room's first page of members (`next`: where the next page starts). */
  setMembers(room: number, members: Member[], next: string | null): void {
    const { state } = this.hub;
    this.hub.set({
      members: { ...state.members, [room]: members },
      membersNext: { ...state.membersNext, [room]: next },
    });
  }

  forget(room: number): void {
    const { state } = this.hub;
    if (!(room in state.members) && !(room in state.membersNext)) return;
    const members = { ...state.members };
    const membersNext = { ...state.membersNext };
    delete members[room];
    delete membersNext[room];
    this.hub.set({ members, membersNext });
  }

  async loadMembers(room: number): Promise<void> {
    try {
      const r = await this.hub.api.room(room);
      this.hub.batch(() => {
        this.remember(r.members.map((m) => m.user));
        this.parts.rooms.refresh(r.room);
        this.setMembers(room, r.members, r.members_next ?? null);
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.parts.rooms.remove(room, true);
    }
  }

  /** The next page of a room's members (a large room's list is loaded page by page). */
  async loadMoreMembers(room: number): Promise<void> {
    const cursor = this.hub.state.membersNext[room];
    if (!cursor || this.loadingMore.has(room)) return;
    this.loadingMore.add(room);
    try {
      const page = await this.hub.api.members(room, cursor);
      const { state } = this.hub;
      if (state.membersNext[room] !== cursor) return; // reloaded meanwhile
      this.hub.batch(() => {
        this.remember(page.members.map((m) => m.user));
        this.setMembers(room, [...(state.members[room] ?? []), ...page.members], page.next);
      });
    } catch (err) {
      this.hub.fail(err);
    } finally {
      this.loadingMore.delete(room);
    }
  }

  onEvent(f: EventFrame): void {
    if (f.type === 'member.joined') this.remember(f.users);
    if (f.type === 'member.joined' || f.type === 'member.left' || f.type === 'member.role_changed') {
      if (this.hub.state.members[f.room]) void this.loadMembers(f.room);
    }
  }

  async loadUser(id: number): Promise<User | null> {
    try {
      const u = await this.hub.api.user(id);
      this.remember([u]);
      return u;
    } catch (e) {
      this.hub.fail(e);
      return null;
    }
  }

  async setStatus(status: string): Promise<boolean> {
    return this.hub.attempt(async () => {
      const u = await this.hub.api.setStatus(status);
      this.hub.batch(() => {
        this.hub.set({ me: u });
        this.remember([u]);
      });
    });
  }

  async addMembers(room: number, users: number[]): Promise<boolean> {
    return this.hub.attempt(async () => {
      await this.hub.api.addMembers(room, users);
      await this.loadMembers(room);
    });
  }

  /** Makes a member owner, admin or member again (can.set_roles); the list and the room reload. */
  async setRole(room: number, user: number, role: RoomRole): Promise<boolean> {
    return this.hub.attempt(async () => {
      await this.hub.api.setRole(room, user, role);
      await this.loadMembers(room);
    });
  }

  async removeMember(room: number, user: number): Promise<boolean> {
    return this.hub.attempt(async () => {
      await this.hub.api.removeMember(room, user);
      if (user === this.hub.state.me?.id) this.parts.rooms.remove(room, false);
      else await this.loadMembers(room);
    });
  }
}
