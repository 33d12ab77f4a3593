// Connection and resume: the WebSocket (realtime/connection.ts), the per-room event cursors,
// and the routing of each frame to the part of the state it concerns. After a reconnect
// (the second `synced`) it refreshes what events do not carry.
import { ApiError } from '../api/client';
import type { ClientFrame, EventFrame, ServerFrame } from '../api/types';
import { isEventFrame } from '../api/types';
import { Connection } from '../realtime/connection';
import { Cursors, decideEvent } from '../realtime/cursors';
import type { Collab } from './collab';
import type { Directory } from './directory';
import type { Hub } from './hub';
import type { Navigation } from './navigation';
import type { RoomList } from './roomList';
import type { SafetyPart } from './safety';
import type { Outbox } from './sending';
import type { Timelines } from './timelines';

/** What the other parts need of the connection. */
export interface Link {
  /** Sends a frame if the socket is open; false if it is not (the caller falls back). */
  send(frame: ClientFrame): boolean;
  /** Changes with every socket: a send is repeated once on a new one. */
  readonly generation: number;
}

export interface SyncParts {
  rooms: Pick<RoomList, 'add' | 'fetch' | 'remove' | 'refreshAll' | 'reload' | 'onEvent' | 'markRead' | 'notifyOf'>;
  timelines: Pick<Timelines, 'onEvent' | 'onReads' | 'reload'>;
  outbox: Pick<Outbox, 'flush' | 'onAck' | 'onRefused' | 'confirm'>;
  directory: Pick<Directory, 'onEvent' | 'remember' | 'loadMembers'>;
  nav: Pick<Navigation, 'maybeMarkRead'>;
  collab: Pick<Collab, 'onEvent' | 'reload' | 'onAcked'>;
  safety: Pick<SafetyPart, 'onFrame'>;
}

export class Sync implements Link {
  readonly cursors = new Cursors();
  conn: Connection | null = null;
  private liveCount = 0;
  private browserOffline = false;
  private unreachable = false;

  constructor(
    private readonly hub: Hub,
    private readonly parts: SyncParts,
    private readonly onSessionEnded: () => void,
  ) {}

  get generation(): number {
    return this.conn?.generation ?? 0;
  }

  send(frame: ClientFrame): boolean {
    return !!this.conn?.send(frame);
  }

  start(): void {
    this.conn?.stop();
    const { hub } = this;
    this.conn = new Connection({
      url: () => hub.env.wsUrl(),
      createSocket: hub.deps.createSocket,
      timers: hub.deps.timers,
      cursors: () => this.cursors.toHello(),
      onFrame: (f) => this.handleFrame(f),
      onState: (st) => {
        if (st !== hub.state.conn) hub.set({ conn: st });
      },
      onSessionEnded: () => this.onSessionEnded(),
      checkSession: async () => {
        try {
          await hub.api.me();
          return true;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) return false;
          throw e;
        }
      },
    });
    this.conn.start();
  }

  stop(): void {
    this.conn?.stop();
    this.conn = null;
    this.cursors.clear();
    this.liveCount = 0;
  }

  /** The browser's online and offline events: shown at once, not after a ping times out. */
  setBrowserOnline(online: boolean): void {
    this.browserOffline = !online;
    // Either way, check the socket now: it may have died meanwhile, or still be fine.
    this.conn?.probe();
    if (online) this.wake();
    this.publish();
    // Sends held back while offline go now if the socket lived through it (a new
    // connection sends them itself).
    if (online && this.hub.state.conn === 'live') this.parts.outbox.flush();
  }

  /** Whether the server answered (a request, a frame): a failed request is shown at once. */
  reached(answered: boolean): void {
    if (this.unreachable === !answered) return;
    this.unreachable = !answered;
    if (!answered) {
      this.conn?.probe();
      this.wake();
    }
    this.publish();
  }

  private publish(): void {
    const net = this.browserOffline ? 'offline' : this.unreachable ? 'unreachable' : 'online';
    if (net !== this.hub.state.net) this.hub.set({ net });
  }

  /** Don't wait for the back-off (the network came back, the tab became visible). */
  wake(): void {
    this.conn?.reconnectNow();
  }

  handleFrame(f: ServerFrame): void {
    this.hub.batch(() => {
      this.reached(true);
      this.route(f);
    });
  }

  private route(f: ServerFrame): void {
    const { hub, parts } = this;
    if (isEventFrame(f)) {
      this.handleEvent(f);
      return;
    }
    if (parts.safety.onFrame(f) && f.type !== 'welcome') return;
    switch (f.type) {
      case 'welcome': {
        hub.set({ me: f.user });
        parts.directory.remember([f.user]);
        for (const r of f.rooms) {
          if (!this.cursors.has(r.id)) {
            // A room we did not know (added while we were away): start live from its ev.
            this.cursors.set(r.id, r.ev);
            parts.rooms.fetch(r.id);
          }
        }
        return;
      }
      case 'resync':
        this.cursors.set(f.room, f.ev);
        parts.rooms.fetch(f.room);
        parts.timelines.reload(f.room);
        parts.collab.reload(f.room);
        return;
      case 'synced':
        this.onSynced();
        return;
      case 'ack':
        parts.outbox.onAck(f.client_id, f.room, f.seq);
        return;
      case 'error':
        if (f.client_id) parts.outbox.onRefused(f.client_id, f.error);
        return;
      case 'reads':
        parts.timelines.onReads(f.room, f.counts);
        return;
      case 'read.self':
        parts.rooms.markRead(f.room, f.read_seq);
        return;
      case 'message.acked':
        parts.collab.onAcked(f.room, f.seq, f.ack_count);
        return;
      case 'room.added':
        parts.rooms.add(f.room);
        return;
      case 'room.removed':
        parts.rooms.remove(f.room, true);
        return;
      case 'pong':
        return;
    }
  }

  private onSynced(): void {
    const { hub, parts } = this;
    this.liveCount++;
    hub.set({ everLive: true });
    parts.outbox.flush();
    if (hub.state.roomsError) parts.rooms.reload();
    const open = hub.state.route.room;
    if (this.liveCount > 1) {
      // What is not carried by events (read positions from other devices, read counts)
      // may have changed while we were away.
      parts.rooms.refreshAll();
      if (open !== null && hub.state.timelines[open]) {
        parts.timelines.reload(open, false);
        parts.directory.loadMembers(open);
      }
    }
    if (open !== null) parts.nav.maybeMarkRead(open);
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
    const { hub, parts } = this;
    if (d === 'unknown-room') {
      parts.rooms.fetch(f.room);
      return;
    }
    this.cursors.set(f.room, f.ev);
    const me = hub.state.me?.id ?? 0;
    parts.rooms.onEvent(f, me);
    parts.timelines.onEvent(f);
    parts.collab.onEvent(f, me);
    if (f.type === 'message.created') parts.outbox.confirm([f.message]);
    if (f.type === 'member.left' && f.user === me) {
      parts.rooms.remove(f.room, f.by !== me);
      return;
    }
    parts.directory.onEvent(f);
    if (f.type === 'message.created' && f.message.sender !== me) {
      parts.rooms.notifyOf(f.message);
      parts.nav.maybeMarkRead(f.room);
    }
  }
}
