import { describe, expect, it } from 'vitest';
import type { ActionState, Note, Pin } from '../api/types';
import { msg } from './fixtures';
import { addPin, isPinned, pinsFollowMessage, pinsFollowNote, removeNote, removePin, upsertNote } from './pins';
import { withReaction } from './reactions';
import { mergeAll, setAcks, setAction, setReaction, upsert } from './timeline';

function action(over: Partial<ActionState> = {}): ActionState {
  return {
    kind: 'attendance',
    title: '忘年会',
    options: [],
    multiple: false,
    deadline: 0,
    public: true,
    changeable: true,
    anonymous: false,
    assignees: [],
    closed: false,
    closed_at: 0,
    closed_by: 0,
    answered: 1,
    pending: 4,
    counts: [1, 0, 0],
    ...over,
  };
}

function note(id: number, version: number, over: Partial<Note> = {}): Note {
  return {
    id,
    room: 5,
    title: 'ノート' + id,
    version,
    created_by: 3,
    created_by_name: '佐藤 花子',
    created_at: 1,
    updated_by: 3,
    updated_by_name: '佐藤 花子',
    updated_at: version,
    ...over,
  };
}

const msgPin = (seq: number, at = 1): Pin => ({ kind: 'message', seq, by: 3, by_name: '佐藤 花子', at, message: msg(seq) });
const notePin = (id: number): Pin => ({ kind: 'note', note: id, by: 3, by_name: '佐藤 花子', at: 1, note_info: note(id, 1) });

describe('reactions', () => {
  it('sets absolute counts, keeps each chip in its place, drops one at 0', () => {
    let rs = withReaction(undefined, 's:ryokai', 1, false);
    rs = withReaction(rs, '👍', 2);
    rs = withReaction(rs, 's:ryokai', 3);
    expect(rs).toEqual([
      { key: 's:ryokai', count: 3 },
      { key: '👍', count: 2 },
    ]);
    expect(withReaction(rs, '👍', 2)).toBe(rs); // the same event twice changes nothing
    expect(withReaction(rs, 's:ryokai', 0)).toEqual([{ key: '👍', count: 2 }]);
    expect(withReaction([{ key: '👍', count: 1 }], '👍', 0)).toBeUndefined();
    expect(withReaction(undefined, '👍', 0)).toBeUndefined();
  });

  it("marks mine only when the event is about me, and keeps it for others' events", () => {
    let l = mergeAll([], [msg(1), msg(2)]);
    l = setReaction(l, 2, '🙏', 1, true); // mine
    l = setReaction(l, 2, '🙏', 2, undefined); // someone else's
    expect(l[1].reactions).toEqual([{ key: '🙏', count: 2, me: true }]);
    l = setReaction(l, 2, '🙏', 1, false); // I took mine away
    expect(l[1].reactions).toEqual([{ key: '🙏', count: 1 }]);
    expect(setReaction(l, 9, '🙏', 1)).toBe(l); // not loaded
    const deleted = mergeAll([], [msg(3, { deleted: true, body: '' })]);
    expect(setReaction(deleted, 3, '🙏', 1)).toBe(deleted);
  });

  it('takes the counts of a newer copy and keeps the marks only REST reads carry', () => {
    const mine = msg(4, { reactions: [{ key: 's:ok', count: 1, me: true }], action: action({ mine: [{ option: 0, value: 0 }] }) });
    const l = mergeAll([], [mine]);
    // message.edited carries the counts but never `me` or `mine`.
    const edited = msg(4, {
      body: 'edited',
      edited_at: 5,
      reactions: [{ key: 's:ok', count: 2 }],
      action: action({ answered: 2, counts: [2, 0, 0] }),
    });
    const out = upsert(l, edited)[0];
    expect(out.body).toBe('edited');
    expect(out.reactions).toEqual([{ key: 's:ok', count: 2, me: true }]);
    expect(out.action?.mine).toEqual([{ option: 0, value: 0 }]);
    expect(out.action?.answered).toBe(2);
    // A page loaded again with the same copy changes nothing; one with newer counts does.
    expect(upsert(l, structuredClone(mine))).toBe(l);
    const again = upsert(l, msg(4, { reactions: [{ key: 's:ok', count: 3 }, { key: '👍', count: 1 }], action: mine.action }));
    expect(again[0].reactions).toEqual([
      { key: 's:ok', count: 3, me: true },
      { key: '👍', count: 1 },
    ]);
    // An older copy (before the edit) does not bring its counts back.
    const l2 = upsert(l, edited);
    expect(upsert(l2, msg(4, { reactions: [] }))).toBe(l2);
  });
});

describe('action stamps', () => {
  it('replaces the state on action.updated and keeps my answer', () => {
    const l = mergeAll([], [msg(1, { action: action({ mine: [{ option: 1, value: 0 }], mine_at: 9 }) })]);
    const next = setAction(l, 1, action({ answered: 3, counts: [2, 1, 0] }));
    expect(next[0].action).toMatchObject({ answered: 3, counts: [2, 1, 0], mine: [{ option: 1, value: 0 }], mine_at: 9 });
    // My own call's answer replaces mine, also with none (withdrawn).
    const withdrawn = setAction(next, 1, action({ answered: 2 }), true);
    expect(withdrawn[0].action?.mine).toBeUndefined();
    // Not an action message: nothing.
    const plain = mergeAll([], [msg(2)]);
    expect(setAction(plain, 2, action())).toBe(plain);
  });
});

describe('確認必須', () => {
  it('takes the count of message.acks and keeps my confirmation', () => {
    const l = mergeAll([], [msg(1, { ack_required: true, ack_count: 0, acked: false })]);
    const mine = setAcks(l, 1, 1, true);
    expect(mine[0]).toMatchObject({ ack_count: 1, acked: true });
    // A later count (an event: acked not said) keeps my own.
    expect(setAcks(mine, 1, 5)[0]).toMatchObject({ ack_count: 5, acked: true });
    // A message not loaded: nothing.
    expect(setAcks(mine, 3, 5)).toBe(mine);
  });
});

describe('pins', () => {
  it('adds newest first, once per target, and removes', () => {
    let p = addPin([], msgPin(3, 1));
    p = addPin(p, notePin(7));
    p = addPin(p, msgPin(3, 5)); // pinned again: moves to the front
    expect(p.map((x) => [x.kind, x.seq ?? x.note])).toEqual([
      ['message', 3],
      ['note', 7],
    ]);
    expect(isPinned(p, 'note', 7)).toBe(true);
    expect(isPinned(p, 'message', 7)).toBe(false);
    p = removePin(p, 'note', 7);
    expect(removePin(p, 'note', 7)).toBe(p);
    expect(p).toHaveLength(1);
  });

  it('follows the edits and deletion of a pinned message, and a pinned note', () => {
    const p = [msgPin(3), notePin(7)];
    expect(pinsFollowMessage(p, msg(4, { body: 'x' }))).toBe(p);
    expect(pinsFollowMessage(p, msg(3, { body: '訂正', edited_at: 2 }))[0].message?.body).toBe('訂正');
    expect(pinsFollowMessage(p, msg(3, { deleted: true, body: '' })).map((x) => x.kind)).toEqual(['note']);
    expect(pinsFollowNote(p, note(7, 2, { title: '新しい題' }))[1].note_info?.title).toBe('新しい題');
  });
});

describe('notes list', () => {
  it('puts a saved note first, ignores an older version, forgets a deleted one', () => {
    let l = [note(1, 1), note(2, 1)];
    l = upsertNote(l, { ...note(2, 2), body: 'text' });
    expect(l.map((n) => [n.id, n.version])).toEqual([
      [2, 2],
      [1, 1],
    ]);
    expect(l[0].body).toBeUndefined(); // the list keeps no bodies
    expect(upsertNote(l, note(2, 2))).toBe(l); // the same event again
    expect(upsertNote(l, note(2, 1))).toBe(l);
    l = upsertNote(l, note(3, 1));
    expect(l[0].id).toBe(3);
    expect(removeNote(l, 2).map((n) => n.id)).toEqual([3, 1]);
    expect(removeNote(l, 9)).toBe(l);
  });
});

describe('message.acked', () => {
  it('marks the message confirmed with its count at once', async () => {
    const { Collab } = await import('./collab');
    let list = [msg(4, { ack_required: true, ack_count: 2, acked: false })];
    const c = new Collab({} as never, { get: () => undefined, change: (_room: number, fn: (l: typeof list) => typeof list) => void (list = fn(list)) } as never);
    c.onAcked(5, 4, 3);
    expect(list[0].acked).toBe(true);
    expect(list[0].ack_count).toBe(3);
  });
});
