// A room's notes (the details pane's place: /rooms/5/notes): the newest updated first, each
// with its title and who last edited it and when; 新しいノート for who may edit notes; the open
// note (/rooms/5/notes/12) over it. The list is loaded once, then events keep it
// (state/collab.ts).
import { useEffect, useState } from 'preact/hooks';
import type { Note } from '../api/types';
import { Icon } from '../components/Icon';
import { PanelHead } from '../components/PanelHead';
import { lang, t } from '../i18n';
import { store } from '../state/app';
import { loadNotes } from '../state/collabActions';
import { useStore } from '../state/useStore';
import { openNote } from '../state/notesBridge';
import { formatListTime } from '../util/date';
import { NoteSheet } from './NoteSheet';
import './notes.css';

export function NotesPanel({ room, open }: { room: number; open: number | null }) {
  const entry = useStore((s) => s.rooms[room]);
  const notes = useStore((s) => s.notes[room]);
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    if (!store.state.notes[room]) void loadNotes(store.collab, room);
  }, [room]);
  if (!entry) return null;
  const can = entry.summary.can;
  // The sheet's route closes as it opened: back in history (to the list, or the timeline).
  const closeOpen = () => store.back();
  const created = (n: Note) => {
    setCreating(false);
    openNote(room, n.id);
  };

  return (
    <div class="details notes-panel" aria-labelledby="notes-title">
      <PanelHead title={notes ? t('notesN', { n: notes.length }) : t('notes')} id="notes-title" />
      <div class="details-body">
        {can.edit_notes && (
          <button type="button" class="btn btn-primary btn-block" onClick={() => setCreating(true)}>
            <Icon name="plus" size={18} /> {t('noteNew')}
          </button>
        )}
        {!notes ? (
          <p class="muted">{t('loading')}</p>
        ) : !notes.length ? (
          <p class="muted notes-empty">{t(can.edit_notes ? 'noteNoneYet' : 'noteNone')}</p>
        ) : (
          <ul class="note-list">
            {notes.map((n) => (
              <li key={n.id}>
                <button type="button" class="note-item" aria-current={n.id === open || undefined} onClick={() => openNote(room, n.id)}>
                  <span class="note-item-title">{n.title}</span>
                  <span class="note-item-meta">
                    {t('noteUpdatedBy', { name: n.updated_by_name, time: formatListTime(n.updated_at, lang()) })}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {open !== null && !creating && <NoteSheet key={open} room={room} id={open} onClose={closeOpen} onCreated={created} />}
      {creating && <NoteSheet key="new" room={room} id={null} onClose={() => setCreating(false)} onCreated={created} />}
    </div>
  );
}
