// Working together in a room, as events move it: reactions and action stamps on loaded
// messages (timeline.ts, reactions.ts) here; a room's pins and notes lists are loaded and
// kept by collabActions.ts, which comes with the screens that use them (not with the first
// page) and plugs into `lists` when it does.
import type { ActionState, EventFrame, Message } from '../api/types';
import type { Hub } from './hub';
import { findBySeq, setAcks, setAction, setReaction } from './timeline';
import type { Timelines } from './timelines';

/** What keeps the loaded pins and notes lists (collabActions.ts). */
export interface ListKeeper {
  onEvent(f: EventFrame): void;
  /** After a resync (events were missed): the lists loaded are loaded again. */
  reload(room: number): void;
  forget(room: number): void;
}

export class Collab {
  /** Set once a list has been loaded: no list is loaded before. */
  lists: ListKeeper | null = null;

  constructor(
    readonly hub: Hub,
    readonly timelines: Pick<Timelines, 'get' | 'change'>,
  ) {}

  message(room: number, seq: number): Message | undefined {
    const tl = this.timelines.get(room);
    return tl && findBySeq(tl.messages, seq);
  }

  reload(room: number): void {
    this.lists?.reload(room);
  }

  forget(room: number): void {
    this.lists?.forget(room);
  }

  onEvent(f: EventFrame, me: number): void {
    if (f.type === 'reaction.updated') {
      this.timelines.change(f.room, (l) => setReaction(l, f.seq, f.key, f.count, f.user === me ? f.on : undefined));
    } else if (f.type === 'action.updated') {
      this.onActionUpdated(f.room, f.seq, f.action);
    } else if (f.type === 'message.acks') {
      this.timelines.change(f.room, (l) => setAcks(l, f.seq, f.ack_count));
    } else this.lists?.onEvent(f);
  }

  /** message.acked: I confirmed it (here or on another device of mine). */
  onAcked(room: number, seq: number, count: number): void {
    this.timelines.change(room, (l) => setAcks(l, seq, count, true));
  }

  /**
   * The tally as everyone may see it. Who saw counts the event leaves out (the asker of a
   * question whose results are not public) keeps them and asks for the fresh ones.
   */
  private onActionUpdated(room: number, seq: number, a: ActionState): void {
    const counts = !a.counts && this.message(room, seq)?.action?.counts;
    this.timelines.change(room, (l) => setAction(l, seq, counts ? { ...a, counts } : a));
    if (counts) void import('./collabActions').then((x) => x.loadAction(this, room, seq));
  }
}
