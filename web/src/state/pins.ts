// A room's pins (newest first) and its notes list (most recently updated first), as loaded
// and then moved by events. Every update returns the same array when nothing changes.
import type { Message, Note, Pin } from '../api/types';

export type PinKind = Pin['kind'];

/** The message seq or note id a pin points to. */
export const pinTarget = (p: Pin): number => (p.kind === 'message' ? p.seq! : p.note!);

export function isPinned(pins: Pin[] | undefined, kind: PinKind, target: number): boolean {
  return !!pins?.some((p) => p.kind === kind && pinTarget(p) === target);
}

export function removePin(pins: Pin[], kind: PinKind, target: number): Pin[] {
  return isPinned(pins, kind, target) ? pins.filter((p) => p.kind !== kind || pinTarget(p) !== target) : pins;
}

/** pin.added: it comes first (a pin already there is replaced). */
export function addPin(pins: Pin[], pin: Pin): Pin[] {
  return [pin, ...removePin(pins, pin.kind, pinTarget(pin))];
}

/** A pinned message was edited (its pin shows the new text) or deleted (its pin goes). */
export function pinsFollowMessage(pins: Pin[], m: Message): Pin[] {
  if (!isPinned(pins, 'message', m.seq)) return pins;
  if (m.deleted) return removePin(pins, 'message', m.seq);
  return pins.map((p) => (p.kind === 'message' && p.seq === m.seq ? { ...p, message: m } : p));
}

/** A pinned note was saved: its pin shows the new title (the note without its body). */
export function pinsFollowNote(pins: Pin[], n: Note): Pin[] {
  if (!isPinned(pins, 'note', n.id)) return pins;
  const { body: _, ...meta } = n;
  return pins.map((p) => (p.kind === 'note' && p.note === n.id ? { ...p, note_info: meta } : p));
}

/** note.updated: the note (without its body) comes first, replacing an older copy. */
export function upsertNote(notes: Note[], n: Note): Note[] {
  const old = notes.find((x) => x.id === n.id);
  if (old && old.version >= n.version) return notes;
  const { body: _, ...meta } = n;
  return [meta, ...notes.filter((x) => x !== old)];
}

export function removeNote(notes: Note[], id: number): Note[] {
  return notes.some((n) => n.id === id) ? notes.filter((n) => n.id !== id) : notes;
}
