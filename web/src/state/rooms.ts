// Room list entries. A summary from REST is a snapshot at the room's event number `ev`;
// events are applied to it only if they are newer than that snapshot, and read positions
// only move forward. So REST refreshes, replays and live events can come in any mix
// without counting anything twice.
import type { Message, RoomRole, RoomRules, RoomSummary } from '../api/types';
import { fold } from '../util/kana';

export interface RoomEntry {
  summary: RoomSummary;
  /** The ev the summary reflects. */
  summaryEv: number;
  /** mention_unread as of the REST snapshot, valid for seqs ≤ mentionBaseSeq. */
  mentionBase: number;
  mentionBaseSeq: number;
  /** Seqs > mentionBaseSeq of messages that mention me (seen through events). */
  mentionSeqs: number[];
}

export function entryFromSummary(s: RoomSummary): RoomEntry {
  return { summary: s, summaryEv: s.ev, mentionBase: s.mention_unread, mentionBaseSeq: s.msg_seq, mentionSeqs: [] };
}

export function unreadOf(e: RoomEntry): number {
  return Math.max(0, e.summary.msg_seq - e.summary.read_seq);
}

export function mentionUnreadOf(e: RoomEntry): number {
  const rs = e.summary.read_seq;
  const base = rs >= e.mentionBaseSeq ? 0 : e.mentionBase;
  return base + e.mentionSeqs.filter((s) => s > rs && s > e.mentionBaseSeq).length;
}

/** Merges a newer REST summary; read_seq never goes back. */
export function mergeSummary(e: RoomEntry | undefined, s: RoomSummary): RoomEntry {
  if (!e) return entryFromSummary(s);
  const read_seq = Math.max(e.summary.read_seq, s.read_seq);
  if (s.ev < e.summaryEv) {
    // Older snapshot than what events already told us: only the read position may be news.
    if (read_seq === e.summary.read_seq) return e;
    return withSummary(e, { read_seq });
  }
  return {
    summary: { ...s, read_seq, unread: Math.max(0, s.msg_seq - read_seq) },
    summaryEv: s.ev,
    mentionBase: s.mention_unread,
    mentionBaseSeq: s.msg_seq,
    mentionSeqs: e.mentionSeqs.filter((q) => q > s.msg_seq),
  };
}

function withSummary(e: RoomEntry, patch: Partial<RoomSummary>): RoomEntry {
  const summary = { ...e.summary, ...patch };
  summary.unread = Math.max(0, summary.msg_seq - summary.read_seq);
  return { ...e, summary };
}

export function mentionsMe(m: Message, me: number): boolean {
  return m.sender !== me && !m.deleted && (m.mention_all || m.mentions.includes(me));
}

/** Applies one room event (already accepted by the cursor) to the summary. */
export function applyEventToEntry(
  e: RoomEntry,
  ev: number,
  f:
    | { type: 'message.created' | 'message.edited' | 'message.deleted'; message: Message }
    | { type: 'member.joined'; users: unknown[]; count?: number }
    | { type: 'member.left'; user: number }
    | { type: 'room.updated'; name: string; description: string; rules: RoomRules }
    | { type: 'member.role_changed'; user: number; role: RoomRole }
    | {
        type:
          | 'file.updated'
          | 'reaction.updated'
          | 'action.updated'
          | 'message.acks'
          | 'note.updated'
          | 'note.deleted'
          | 'pin.added'
          | 'pin.removed';
      },
  me: number,
): RoomEntry {
  if (ev <= e.summaryEv) return e;
  let next: RoomEntry = { ...e, summaryEv: ev, summary: { ...e.summary, ev } };
  switch (f.type) {
    case 'message.created': {
      const m = f.message;
      const s = next.summary;
      const patch: Partial<RoomSummary> = {
        msg_seq: Math.max(s.msg_seq, m.seq),
        last_activity: Math.max(s.last_activity, m.created_at),
      };
      if (!s.last_message || m.seq >= s.last_message.seq) patch.last_message = m;
      if (m.sender === me) patch.read_seq = Math.max(s.read_seq, m.seq);
      next = withSummary(next, patch);
      if (mentionsMe(m, me) && m.seq > next.mentionBaseSeq && !next.mentionSeqs.includes(m.seq)) {
        next.mentionSeqs = [...next.mentionSeqs, m.seq];
      }
      return next;
    }
    case 'message.edited':
    case 'message.deleted': {
      const m = f.message;
      if (next.summary.last_message && next.summary.last_message.seq === m.seq) {
        next = withSummary(next, { last_message: m });
      }
      if (m.deleted || !mentionsMe(m, me)) next.mentionSeqs = next.mentionSeqs.filter((q) => q !== m.seq);
      return next;
    }
    case 'member.joined':
      return withSummary(next, { member_count: next.summary.member_count + (f.count ?? f.users.length) });
    case 'member.left':
      return withSummary(next, { member_count: Math.max(0, next.summary.member_count - 1) });
    case 'room.updated':
      return next.summary.kind === 'group'
        ? withSummary(next, { name: f.name, description: f.description, rules: f.rules })
        : next;
    case 'member.role_changed':
      return f.user === me ? withSummary(next, { role: f.role }) : next;
  }
  return next;
}

/**
 * What the user may do (RoomSummary.can) is the server's to say: after this event the
 * summary's `can` may be out of date (the rules or the user's own role changed).
 */
export function abilitiesChangedBy(e: RoomEntry, f: { type: string; rules?: RoomRules; user?: number }, me: number): boolean {
  if (f.type === 'room.updated') return JSON.stringify(f.rules) !== JSON.stringify(e.summary.rules);
  return f.type === 'member.role_changed' && f.user === me;
}

export function markRead(e: RoomEntry, seq: number): RoomEntry {
  if (seq <= e.summary.read_seq) return e;
  return withSummary(e, { read_seq: seq });
}

/** Room ids by recent activity, newest first; ties by id for a stable order. */
export function sortRoomIds(rooms: Record<number, RoomEntry>): number[] {
  return Object.values(rooms)
    .sort((a, b) => b.summary.last_activity - a.summary.last_activity || b.summary.id - a.summary.id)
    .map((e) => e.summary.id);
}

export function filterRooms(rooms: Record<number, RoomEntry>, ids: number[], q: string): number[] {
  const fq = fold(q);
  if (!fq) return ids;
  return ids.filter((id) => {
    const s = rooms[id].summary;
    return fold(s.name).includes(fq) || (!!s.last_message && fold(s.last_message.body).includes(fq));
  });
}

export function totalUnread(rooms: Record<number, RoomEntry>): number {
  let n = 0;
  for (const e of Object.values(rooms)) n += unreadOf(e);
  return n;
}
