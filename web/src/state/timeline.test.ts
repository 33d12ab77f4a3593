import { describe, expect, it } from 'vitest';
import { fileInfo, msg } from './fixtures';
import {
  applyFileUpdate,
  applyReadCounts,
  clearQuotesOf,
  followEdit,
  isContiguous,
  mergeAll,
  preferred,
  upsert,
} from './timeline';

const seqs = (l: { seq: number }[]) => l.map((m) => m.seq);

describe('timeline', () => {
  it('keeps messages ordered by seq whatever the arrival order', () => {
    let l = mergeAll([], [msg(5), msg(3), msg(4)]);
    l = upsert(l, msg(7));
    l = upsert(l, msg(6));
    l = upsert(l, msg(1));
    expect(seqs(l)).toEqual([1, 3, 4, 5, 6, 7]);
  });

  it('never duplicates a message that arrives twice', () => {
    const page = [msg(1), msg(2), msg(3)];
    let l = mergeAll([], page);
    l = upsert(l, msg(3)); // the same message as a (replayed) event
    l = mergeAll(l, page); // the same page again after a reconnect
    expect(seqs(l)).toEqual([1, 2, 3]);
    const same = upsert(l, msg(2));
    expect(same).toBe(l); // no change, same array
  });

  it('does not let an older copy replace a newer one', () => {
    const edited = msg(2, { body: 'new', edited_at: 1700000099000 });
    expect(preferred(edited, msg(2)).body).toBe('new');
    const deleted = msg(2, { deleted: true, body: '' });
    expect(preferred(deleted, edited).deleted).toBe(true);
    expect(preferred(msg(2), deleted).deleted).toBe(true);
  });

  it('keeps the highest read count from history and reads frames', () => {
    let l = mergeAll([], [msg(1, { read_count: 2 }), msg(2, { read_count: 0 })]);
    l = applyReadCounts(l, [[2, 3], [9, 1]]);
    expect(l.map((m) => m.read_count)).toEqual([2, 3]);
    l = upsert(l, msg(2)); // an event without read_count
    expect(l[1].read_count).toBe(3);
  });

  it('detects holes', () => {
    expect(isContiguous([msg(1), msg(2), msg(3)])).toBe(true);
    expect(isContiguous([msg(1), msg(3)])).toBe(false);
  });
});

describe('clearQuotesOf', () => {
  it('empties the quoted body of replies to a deleted message', () => {
    const reply = msg(3, { reply_to: { seq: 1, sender: 3, sender_name: '佐藤 花子', body: '明日の会議は…' } });
    const l = clearQuotesOf([msg(1), msg(2), reply], 1);
    expect(l[2].reply_to).toEqual({ seq: 1, sender: 3, sender_name: '佐藤 花子', body: '' });
    expect(clearQuotesOf(l, 1)).toBe(l);
  });

  it('file.updated settles a file in its message; a copy still processing never undoes it', () => {
    const processing = fileInfo({ id: 9, seq: 3, state: 'processing', thumbnail: false });
    const other = fileInfo({ id: 10, seq: 3, state: 'processing', thumbnail: false });
    let l = mergeAll([], [msg(2), msg(3, { files: [processing, other] })]);
    const ready = { ...processing, state: 'ready' as const, sanitized: true, thumbnail: true };
    l = applyFileUpdate(l, ready);
    expect(l[1].files!.map((f) => f.state)).toEqual(['ready', 'processing']);
    // Unknown message or file: nothing changes.
    expect(applyFileUpdate(l, fileInfo({ id: 9, seq: 7 }))).toBe(l);
    expect(applyFileUpdate(l, fileInfo({ id: 99, seq: 3 }))).toBe(l);
    // A history page fetched before the job ended comes in late.
    l = upsert(l, msg(3, { files: [processing, other] }));
    expect(l[1].files!.map((f) => f.state)).toEqual(['ready', 'processing']);
    // A newer copy (an edit) that still says processing keeps the settled file too.
    l = upsert(l, msg(3, { body: 'edited', edited_at: 1700000099000, files: [processing, { ...other, state: 'withheld', reason: 'encrypted' }] }));
    expect(l[1].body).toBe('edited');
    expect(l[1].files!.map((f) => f.state)).toEqual(['ready', 'withheld']);
  });

  it('quotes follow an edit of the quoted message: text cut to 100, marked edited', () => {
    const quote = { seq: 2, sender: 3, sender_name: '佐藤 花子', body: '元の文' };
    const l = [msg(2, { body: '元の文' }), msg(3, { reply_to: quote }), msg(4, { reply_to: { ...quote, seq: 1 } })];
    const long = '😀'.repeat(120);
    const edited = msg(2, { body: long, edited_at: 5 });
    const out = followEdit(upsert(l, edited), edited);
    expect(out[1].reply_to).toEqual({ ...quote, body: '😀'.repeat(100), edited: true });
    expect(out[2]).toBe(l[2]); // quotes another message
    expect(followEdit(out, edited)).toBe(out); // idempotent
    // Not an edit (a new message), or a deleted quote: left alone.
    expect(followEdit(l, msg(2))).toBe(l);
    const gone = clearQuotesOf(l, 2);
    expect(followEdit(gone, edited)).toBe(gone);
  });

  it("a reply copy from the server brings its quote's new text; a deleted quote stays deleted", () => {
    const quote = { seq: 2, sender: 3, sender_name: '佐藤 花子', body: '元の文' };
    const old = msg(3, { reply_to: quote });
    const fresh = msg(3, { reply_to: { ...quote, body: '直した文', edited: true } });
    expect(preferred(old, fresh).reply_to).toEqual(fresh.reply_to);
    expect(preferred(old, msg(3, { reply_to: quote }))).toBe(old);
    const deleted = msg(3, { reply_to: { ...quote, body: '' } });
    expect(preferred(deleted, fresh)).toBe(deleted);
  });
});
