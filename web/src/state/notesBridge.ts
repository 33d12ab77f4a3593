// Opening a note from anywhere (a timeline notice, the pinned bar): its route,
// /rooms/{room}/notes/{id}, which shows the room's notes with the note open over them
// (notes/NotesPanel.tsx, loaded then). Given the note alone, it is one of the open room's.
import { store } from './app';

export function openNote(room: number, id: number): void;
export function openNote(id: number): void;
export function openNote(a: number, b?: number): void {
  const room = b === undefined ? store.state.route.room : a;
  if (room !== null) store.navigate({ room, panel: { note: b ?? a } });
}
