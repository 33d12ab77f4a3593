// What the user does to work together (reactions, answers, pins) and a room's pins and
// notes lists: loaded here, then kept by events (pins.ts) through Collab.lists. Imported by
// the screens that use them, so none of it is part of the first page. Each action reports
// its own failure (Hub.attempt).
import * as calls from '../api/collab';
import type { ActionPick, ActionState, EventFrame, Note, Pin } from '../api/types';
import { t as tr } from '../i18n';
import type { Collab, ListKeeper } from './collab';
import { addPin, pinsFollowMessage, pinsFollowNote, removeNote, removePin, upsertNote } from './pins';
import { setAction, setReaction } from './timeline';

/** The most pins a room has (the server says so too, with a plain conflict). */
const MAX_PINS = 20;

interface Lists {
  pins: Pin[];
  notes: Note[];
}
type ListKey = keyof Lists;

/** Per store, the rooms whose list is being loaded; true: an event came meanwhile (load again). */
const loadingOf = new WeakMap<Collab, Record<ListKey, Map<number, boolean>>>();
function loadingIn(c: Collab, key: ListKey): Map<number, boolean> {
  let l = loadingOf.get(c);
  if (!l) loadingOf.set(c, (l = { pins: new Map(), notes: new Map() }));
  return l[key];
}

/** Changes the room's list if loaded; a load under way is done again after it. */
function changeList<K extends ListKey>(c: Collab, key: K, room: number, f: (l: Lists[K]) => Lists[K]): void {
  const all = c.hub.state[key] as Record<number, Lists[K]>;
  const loading = loadingIn(c, key);
  if (loading.has(room)) loading.set(room, true);
  const cur = all[room];
  const next = cur && f(cur);
  if (next !== cur) c.hub.set({ [key]: { ...all, [room]: next } });
}

/** A note saved (its event, or my own save before its event comes): the lists show it. */
export function noteSaved(c: Collab, n: Note): void {
  changeList(c, 'notes', n.room, (l) => upsertNote(l, n));
  changeList(c, 'pins', n.room, (l) => pinsFollowNote(l, n));
}

export function noteDeleted(c: Collab, room: number, id: number): void {
  changeList(c, 'notes', room, (l) => removeNote(l, id));
  changeList(c, 'pins', room, (l) => removePin(l, 'note', id));
}

function keeper(c: Collab): ListKeeper {
  return {
    onEvent(f: EventFrame) {
      switch (f.type) {
        case 'message.edited':
        case 'message.deleted':
          return changeList(c, 'pins', f.room, (l) => pinsFollowMessage(l, f.message));
        case 'pin.added':
          return changeList(c, 'pins', f.room, (l) => addPin(l, f.pin));
        case 'pin.removed':
          return changeList(c, 'pins', f.room, (l) => removePin(l, f.kind, f.kind === 'message' ? f.seq! : f.note!));
        case 'note.updated':
          return noteSaved(c, f.note);
        case 'note.deleted':
          return noteDeleted(c, f.room, f.note);
      }
    },
    reload(room) {
      // Not loaded: the old list stays until the next resync.
      if (c.hub.state.pins[room]) void loadPins(c, room);
      if (c.hub.state.notes[room]) void loadNotes(c, room);
    },
    forget(room) {
      const { pins, notes } = c.hub.state;
      if (!(room in pins) && !(room in notes)) return;
      const p = { ...pins };
      const n = { ...notes };
      delete p[room];
      delete n[room];
      c.hub.set({ pins: p, notes: n });
    },
  };
}

/**
 * Loads a list; false if it could not (true as well if a load is under way already). A
 * failure is not reported: the list stays unloaded, and the screen that asked may say so.
 */
async function load<K extends ListKey>(c: Collab, key: K, room: number, get: () => Promise<Lists[K]>): Promise<boolean> {
  c.lists ??= keeper(c);
  const loading = loadingIn(c, key);
  if (loading.has(room)) return true;
  loading.set(room, false);
  let list: Lists[K];
  try {
    list = await get();
  } catch {
    loading.delete(room);
    return false;
  }
  const again = loading.get(room);
  loading.delete(room);
  if (!c.hub.state.rooms[room]) return false; // left meanwhile
  c.hub.set({ [key]: { ...c.hub.state[key], [room]: list } });
  return again ? load(c, key, room, get) : true;
}

/** The room's pins (the pinned bar); then events keep them. */
export function loadPins(c: Collab, room: number): Promise<boolean> {
  return load(c, 'pins', room, () => calls.listPins(c.hub.api, room));
}

/** The room's notes, without bodies; then events keep them. */
export function loadNotes(c: Collab, room: number): Promise<boolean> {
  return load(c, 'notes', room, () => calls.listNotes(c.hub.api, room));
}

function applyAction(c: Collab, room: number, seq: number, a: ActionState): void {
  c.timelines.change(room, (l) => setAction(l, seq, a, true));
}

/** The action's state as I may see it (my answer; counts if I may see them). */
export async function loadAction(c: Collab, room: number, seq: number): Promise<void> {
  try {
    applyAction(c, room, seq, await calls.getAction(c.hub.api, room, seq));
  } catch {
    // What the events said stays; the next one, or a reload, brings the rest.
  }
}

/** Answers with these picks (or changes my answer); false if refused (the reason told). */
export function answer(c: Collab, room: number, seq: number, picks: ActionPick[]): Promise<boolean> {
  return c.hub.attempt(async () => applyAction(c, room, seq, await calls.answerAction(c.hub.api, room, seq, picks)));
}

export function withdraw(c: Collab, room: number, seq: number): Promise<boolean> {
  return c.hub.attempt(async () => applyAction(c, room, seq, await calls.withdrawAnswer(c.hub.api, room, seq)));
}

export function closeAction(c: Collab, room: number, seq: number): Promise<boolean> {
  return c.hub.attempt(async () => applyAction(c, room, seq, await calls.closeAction(c.hub.api, room, seq)));
}

/** Reactions being put or taken away ("room/seq/key"): another click waits for the answer. */
const reacting = new Set<string>();

/**
 * Puts (on) or takes away my reaction `key`: shown at once, then confirmed (or undone if
 * the server refuses). A click while the last one is under way does nothing.
 */
export async function react(c: Collab, room: number, seq: number, key: string, on: boolean): Promise<void> {
  const id = `${room}/${seq}/${key}`;
  const count = () => c.message(room, seq)?.reactions?.find((x) => x.key === key)?.count ?? 0;
  const r = c.message(room, seq)?.reactions?.find((x) => x.key === key);
  if (reacting.has(id) || !!r?.me === on) return;
  const set = (n: number, me: boolean) => c.timelines.change(room, (l) => setReaction(l, seq, key, n, me));
  reacting.add(id);
  set(count() + (on ? 1 : -1), on);
  const ok = await c.hub.attempt(async () => {
    const res = await calls.react(c.hub.api, room, seq, key, on);
    set(res.count, res.me ?? on);
  });
  reacting.delete(id);
  if (!ok) set(count() + (on ? -1 : 1), !on);
}

/** My reaction `key` on, or off if it was on. */
export function toggleReaction(c: Collab, room: number, seq: number, key: string): Promise<void> {
  const r = c.message(room, seq)?.reactions?.find((x) => x.key === key);
  return react(c, room, seq, key, !r?.me);
}

/**
 * Pins or unpins. Live, the pin.added/removed event moves the bar (in order with the other
 * events); else the list the server answered does.
 */
export async function setPinned(c: Collab, room: number, t: calls.PinTarget, on: boolean): Promise<boolean> {
  if (on && (c.hub.state.pins[room]?.length ?? 0) >= MAX_PINS) {
    c.hub.toast(tr('pinLimit'), 'error');
    return false;
  }
  return c.hub.attempt(async () => {
    const pins = await (on ? calls.pin : calls.unpin)(c.hub.api, room, t);
    if (c.hub.state.conn !== 'live') c.hub.set({ pins: { ...c.hub.state.pins, [room]: pins } });
  });
}

