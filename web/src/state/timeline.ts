// A room's loaded messages: ascending seq, one entry per seq. Every update is idempotent, so
// a message that arrives twice (REST page and WebSocket event, replay after a reconnect)
// is shown once, and an older copy never replaces a newer one.
import type { ActionState, FileInfo, Message, ReplyRef } from '../api/types';
import { keepMine, withMarksOf, withReaction } from './reactions';

export interface Timeline {
  messages: Message[];
  /** More messages older than messages[0] exist on the server. */
  hasMore: boolean;
  loaded: boolean;
  loading: boolean;
  loadingOlder: boolean;
  /**
   * Opened at a message (state/around.ts): more messages newer than the last loaded exist,
   * so events beyond it are not put in (they would leave a hole); paged on towards the newest.
   */
  hasNewer?: boolean;
  loadingNewer?: boolean;
  /** A message to scroll to and highlight once it is drawn (MessageList), then cleared. */
  target?: number;
  /** Why the first page could not be loaded (shown with a retry instead of 読み込み中…). */
  error?: string;
}

export const emptyTimeline = (): Timeline => ({
  messages: [],
  hasMore: false,
  loaded: false,
  loading: false,
  loadingOlder: false,
});

function sameQuote(a: ReplyRef, b: ReplyRef): boolean {
  return a.body === b.body && !!a.edited === !!b.edited;
}

/** Which of two copies of the same message (same seq) to keep. */
export function preferred(old: Message, next: Message): Message {
  let keep: Message;
  const stale = (old.deleted && !next.deleted) || (next.edited_at ?? 0) < (old.edited_at ?? 0);
  if (old.deleted && !next.deleted) keep = old; // a deletion is final
  else if (next.deleted && !old.deleted) keep = next;
  else if ((next.edited_at ?? 0) < (old.edited_at ?? 0)) keep = old;
  else if ((next.edited_at ?? 0) === (old.edited_at ?? 0) && next.body === old.body && next.deleted === old.deleted) keep = old;
  else keep = next;
  // A reply's quote follows the quoted message (edits, deletion) while the reply itself
  // stays the same: the new copy's quote is taken, unless ours says it was deleted (final).
  const q = next.reply_to;
  if (keep === old && old.reply_to && q && old.reply_to.body !== '' && !sameQuote(old.reply_to, q)) {
    keep = { ...old, reply_to: q };
  }
  // Reactions and the action's state: a copy not older brings their counts (reactions.ts).
  if (!stale) {
    const marked = withMarksOf(next, old);
    if (keep === next) keep = marked;
    else if (JSON.stringify([marked.reactions, marked.action]) !== JSON.stringify([old.reactions, old.action])) {
      keep = { ...keep, reactions: marked.reactions, action: marked.action };
    }
  }
  // read_count travels separately (history responses, `reads` frames): keep the highest.
  const rc = Math.max(old.read_count ?? 0, next.read_count ?? 0);
  if ((keep.read_count ?? 0) !== rc) keep = { ...keep, read_count: rc };
  // A file's state moves once, from processing to where its job ended (file.updated): a
  // copy that still says processing never undoes that.
  const other = keep === old ? next : old;
  if (keep.files && other.files) {
    const files = mergeFiles(keep.files, other.files);
    if (files !== keep.files) keep = { ...keep, files };
  }
  return keep;
}

/** `files` with each one that is still processing replaced by a settled copy from `other`. */
function mergeFiles(files: FileInfo[], other: FileInfo[]): FileInfo[] {
  let out = files;
  for (let i = 0; i < files.length; i++) {
    if (files[i].state !== 'processing') continue;
    const o = other.find((f) => f.id === files[i].id);
    if (!o || o.state === 'processing') continue;
    if (out === files) out = files.slice();
    out[i] = o;
  }
  return out;
}

/**
 * Applies a file.updated event: the file takes the new state in the message it is attached
 * to (`file.seq`). Returns the same array if that message is not loaded or has no such file.
 */
export function applyFileUpdate(list: Message[], file: FileInfo): Message[] {
  const i = indexOfSeq(list, file.seq);
  if (i < 0) return list;
  const m = list[i];
  const j = m.files?.findIndex((f) => f.id === file.id) ?? -1;
  if (j < 0) return list;
  const files = m.files!.slice();
  files[j] = file;
  const out = list.slice();
  out[i] = { ...m, files };
  return out;
}

/** Replaces message `seq` (if loaded and not deleted) by `f(message)`; the same list if unchanged. */
function changeMessage(list: Message[], seq: number, f: (m: Message) => Message): Message[] {
  const i = indexOfSeq(list, seq);
  if (i < 0 || list[i].deleted) return list;
  const m = f(list[i]);
  if (m === list[i]) return list;
  const out = list.slice();
  out[i] = m;
  return out;
}

/** Reaction `key` of message `seq` now has `count`; `me`: whether I am among them (undefined: as it was). */
export function setReaction(list: Message[], seq: number, key: string, count: number, me?: boolean): Message[] {
  return changeMessage(list, seq, (m) => {
    const reactions = withReaction(m.reactions, key, count, me);
    return reactions === m.reactions ? m : { ...m, reactions };
  });
}

/**
 * Message `seq`'s action stamp now stands at `a`. withMine: `a` is what my own call
 * answered, my answer included; else (an action.updated event) my answer stays.
 */
export function setAction(list: Message[], seq: number, a: ActionState, withMine = false): Message[] {
  return changeMessage(list, seq, (m) => (m.action ? { ...m, action: withMine ? a : keepMine(a, m.action) } : m));
}

/**
 * Message `seq` (a 確認必須 one: the event is of no other) now has `count` confirmations;
 * `acked`: I confirmed it (absent: as it was).
 */
export function setAcks(list: Message[], seq: number, count: number, acked?: true): Message[] {
  return changeMessage(list, seq, (m) => ({ ...m, ack_count: count, acked: acked || m.acked }));
}

function indexOfSeq(list: Message[], seq: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid].seq;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

/** Inserts or replaces one message; returns the same array if nothing changed. */
export function upsert(list: Message[], msg: Message): Message[] {
  const i = indexOfSeq(list, msg.seq);
  if (i >= 0) {
    const keep = preferred(list[i], msg);
    if (keep === list[i]) return list;
    const next = list.slice();
    next[i] = keep;
    return next;
  }
  const at = -i - 1;
  const next = list.slice();
  next.splice(at, 0, msg);
  return next;
}

/** Merges a page of messages (any order) into the list. */
export function mergeAll(list: Message[], page: Message[]): Message[] {
  let out = list;
  for (const m of page) out = upsert(out, m);
  return out;
}

/** Applies a `reads` frame: [[seq, read_count], …]. Counts from the server are absolute. */
export function applyReadCounts(list: Message[], counts: [number, number][]): Message[] {
  let out = list;
  for (const [seq, n] of counts) {
    const i = indexOfSeq(out, seq);
    if (i < 0 || out[i].read_count === n) continue;
    if (out === list) out = list.slice();
    out[i] = { ...out[i], read_count: n };
  }
  return out;
}

/** True if message `seq` lies beyond a loaded end that has more on the server (a gap). */
export function outside(tl: Timeline, seq: number): boolean {
  const m = tl.messages;
  return !!m.length && ((!!tl.hasNewer && seq > m[m.length - 1].seq) || (tl.hasMore && seq < m[0].seq));
}

export function findBySeq(list: Message[], seq: number): Message | undefined {
  const i = indexOfSeq(list, seq);
  return i >= 0 ? list[i] : undefined;
}

/** True if the loaded seqs have no holes (seq numbers are gapless on the server). */
export function isContiguous(list: Message[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i].seq !== list[i - 1].seq + 1) return false;
  return true;
}

/**
 * The quoted message `seq` was deleted: replies keep the quote's seq and sender, but its body
 * becomes empty (docs/api.md, Message.reply_to), as the server also stores it.
 */
export function clearQuotesOf(list: Message[], seq: number): Message[] {
  let out = list;
  for (let i = 0; i < out.length; i++) {
    const r = out[i].reply_to;
    if (!r || r.seq !== seq || r.body === '') continue;
    if (out === list) out = list.slice();
    out[i] = { ...out[i], reply_to: { ...r, body: '' } };
  }
  return out;
}

/** A reply's quote as the server keeps it: the first 100 characters of the quoted text. */
export function quoteBody(body: string): string {
  return Array.from(body).slice(0, 100).join('');
}

/**
 * The quoted message was edited: the quote of every loaded reply to it shows its new text
 * and that it was edited (as the server also stores it).
 */
export function followEdit(list: Message[], edited: Message): Message[] {
  if (edited.deleted || edited.edited_at === null) return list;
  const body = quoteBody(edited.body);
  let out = list;
  for (let i = 0; i < out.length; i++) {
    const r = out[i].reply_to;
    if (!r || r.seq !== edited.seq || r.body === '' || (r.body === body && r.edited)) continue;
    if (out === list) out = list.slice();
    out[i] = { ...out[i], reply_to: { ...r, body, edited: true } };
  }
  return out;
}
