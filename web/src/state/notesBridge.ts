// Opening a note from anywhere (a timeline notice, the pinned bar): its route,
// /rooms/{room}/notes/{id}, which shows the room's notes with the note open over them
// (notes/NotesPanel.tsx, loaded then).
import { store } from './app';

export function openNote(room: number, id: number): void {
  store.navigate({ room, panel: { note: id } });
}
