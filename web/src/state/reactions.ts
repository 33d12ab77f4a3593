// What others do to a loaded message: its reactions and its action stamp's state. Counts
// are absolute (events and answers carry them), so applying one twice changes nothing.
// `me` (a reaction of mine) and `mine` (my answer) come only from REST reads, my own calls
// and events about me; a copy without them keeps the ones we know.
import type { ActionState, Message, Reaction } from '../api/types';

/**
 * Reaction `key` now has `count`; `me`: whether I am among them (undefined: unchanged). A
 * key keeps its place among the chips (no jumping under the pointer); a new one comes last,
 * one at 0 goes away.
 */
export function withReaction(list: Reaction[] | undefined, key: string, count: number, me?: boolean): Reaction[] | undefined {
  const rs = list ?? [];
  const i = rs.findIndex((r) => r.key === key);
  const old = rs[i];
  const mine = me ?? !!old?.me;
  if (old ? old.count === count && !!old.me === mine : count <= 0) return list;
  const out = rs.slice();
  const r: Reaction = mine ? { key, count, me: true } : { key, count };
  if (count <= 0) out.splice(i, 1);
  else if (old) out[i] = r;
  else out.push(r);
  return out.length ? out : undefined;
}

/** `a` with my answer as `old` knew it, if `a` does not carry one (events never do). */
export function keepMine(a: ActionState, old: ActionState | undefined): ActionState {
  if (a.mine || !old?.mine) return a;
  return { ...a, mine: old.mine, mine_at: old.mine_at };
}

/**
 * `next`, a copy of `old` at least as new (a page loaded again, an edit), with the marks
 * (`me`, `mine`) that only `old` knows. Reactions follow `next`: its counts are newer.
 */
export function withMarksOf(next: Message, old: Message): Message {
  let reactions = next.reactions;
  for (const r of old.reactions ?? []) {
    const n = r.me && reactions?.find((x) => x.key === r.key);
    if (n && !n.me) reactions = withReaction(reactions, r.key, n.count, true);
  }
  const action = next.action && keepMine(next.action, old.action);
  return reactions === next.reactions && action === next.action ? next : { ...next, reactions, action };
}
