import { describe, expect, it } from 'vitest';
import { msg, summary } from './fixtures';
import {
  abilitiesChangedBy,
  applyEventToEntry,
  entryFromSummary,
  filterRooms,
  markRead,
  mentionUnreadOf,
  mergeSummary,
  sortRoomIds,
  unreadOf,
} from './rooms';

const ME = 7;

describe('room entries', () => {
  it('applies a new message once and derives unread', () => {
    let e = entryFromSummary(summary({ msg_seq: 10, read_seq: 8, ev: 12 }));
    expect(unreadOf(e)).toBe(2);
    e = applyEventToEntry(e, 13, { type: 'message.created', message: msg(11) }, ME);
    expect(e.summary.msg_seq).toBe(11);
    expect(unreadOf(e)).toBe(3);
    expect(e.summary.last_message?.seq).toBe(11);
    // The same event again (e.g. after a REST refresh that already had it): no change.
    const again = applyEventToEntry(e, 13, { type: 'message.created', message: msg(11) }, ME);
    expect(again).toBe(e);
  });

  it('takes my new role from member.role_changed, and ignores others\' changes', () => {
    let e = entryFromSummary(summary({ ev: 12, role: 'member' }));
    e = applyEventToEntry(e, 13, { type: 'member.role_changed', user: ME + 1, role: 'owner' }, ME);
    expect(e.summary.role).toBe('member');
    expect(e.summaryEv).toBe(13);
    e = applyEventToEntry(e, 14, { type: 'member.role_changed', user: ME, role: 'owner' }, ME);
    expect(e.summary.role).toBe('owner');
  });

  it('moves my read position when I post', () => {
    let e = entryFromSummary(summary({ msg_seq: 10, read_seq: 8, ev: 12 }));
    e = applyEventToEntry(e, 13, { type: 'message.created', message: msg(11, { sender: ME }) }, ME);
    expect(e.summary.read_seq).toBe(11);
    expect(unreadOf(e)).toBe(0);
  });

  it('counts mentions of me until read', () => {
    let e = entryFromSummary(summary({ msg_seq: 10, read_seq: 8, ev: 12, mention_unread: 1 }));
    e = applyEventToEntry(e, 13, { type: 'message.created', message: msg(11, { mentions: [ME] }) }, ME);
    e = applyEventToEntry(e, 14, { type: 'message.created', message: msg(12, { mention_all: true }) }, ME);
    e = applyEventToEntry(e, 15, { type: 'message.created', message: msg(13) }, ME);
    expect(mentionUnreadOf(e)).toBe(3);
    e = markRead(e, 11);
    expect(mentionUnreadOf(e)).toBe(1);
    e = markRead(e, 13);
    expect(mentionUnreadOf(e)).toBe(0);
    expect(unreadOf(e)).toBe(0);
  });

  it('does not count membership changes twice across a REST refresh', () => {
    let e = entryFromSummary(summary({ member_count: 5, ev: 12 }));
    // REST says ev 14 with 6 members; the event ev 13 (member joined) arrives after.
    e = mergeSummary(e, summary({ member_count: 6, ev: 14 }));
    e = applyEventToEntry(e, 13, { type: 'member.joined', users: [{}] }, ME);
    expect(e.summary.member_count).toBe(6);
    e = applyEventToEntry(e, 15, { type: 'member.left', user: 9 }, ME);
    expect(e.summary.member_count).toBe(5);
  });

  it('never moves the read position back', () => {
    let e = entryFromSummary(summary({ read_seq: 9, ev: 12 }));
    e = mergeSummary(e, summary({ read_seq: 5, ev: 12 }));
    expect(e.summary.read_seq).toBe(9);
    e = mergeSummary(e, summary({ read_seq: 7, ev: 10 })); // older snapshot
    expect(e.summary.read_seq).toBe(9);
  });

  it('takes name, description and rules from room.updated (group rooms)', () => {
    const s = summary({ ev: 12 });
    let e = entryFromSummary(s);
    const rules = { ...s.rules, announcement: true };
    const f = { type: 'room.updated' as const, name: '防災訓練PJ', description: '毎週月曜 9時', rules };
    expect(abilitiesChangedBy(e, f, ME)).toBe(true);
    expect(abilitiesChangedBy(e, { ...f, rules: s.rules }, ME)).toBe(false);
    e = applyEventToEntry(e, 13, f, ME);
    expect(e.summary).toMatchObject({ name: '防災訓練PJ', description: '毎週月曜 9時', rules });
    // Replayed: nothing moves.
    expect(applyEventToEntry(e, 13, { ...f, name: 'x' }, ME)).toBe(e);
    const d = entryFromSummary(summary({ kind: 'direct', name: '伊藤 美咲' }));
    expect(applyEventToEntry(d, 13, f, ME).summary.name).toBe('伊藤 美咲');
  });

  it('takes my new role (admin too); only my own role changes what I may do', () => {
    let e = entryFromSummary(summary({ ev: 12 }));
    const f = { type: 'member.role_changed' as const, user: ME, role: 'admin' as const };
    expect(abilitiesChangedBy(e, f, ME)).toBe(true);
    expect(abilitiesChangedBy(e, { ...f, user: 3 }, ME)).toBe(false);
    e = applyEventToEntry(e, 13, f, ME);
    expect(e.summary.role).toBe('admin');
  });

  it('sorts by recent activity and filters by name', () => {
    const rooms = {
      1: entryFromSummary(summary({ id: 1, name: '全職員', last_activity: 100 })),
      2: entryFromSummary(summary({ id: 2, name: '防災係', last_activity: 300 })),
      3: entryFromSummary(summary({ id: 3, name: 'タナカ', kind: 'direct', last_activity: 200 })),
    };
    const ids = sortRoomIds(rooms);
    expect(ids).toEqual([2, 3, 1]);
    expect(filterRooms(rooms, ids, 'たなか')).toEqual([3]);
    expect(filterRooms(rooms, ids, '')).toEqual([2, 3, 1]);
  });
});
