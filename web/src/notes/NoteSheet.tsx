// One note over the room: read it (rendered), edit it (NoteEditor), see its versions
// (NoteHistory, loaded when asked for), pin it, delete it. It follows the room's notes list
// (state/collab.ts): a newer version is loaded (or, while editing, announced) and a deletion
// is shown. What is offered follows RoomSummary.can and policies.h; the server decides again.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { deleteNote, getNote } from '../api/collab';
import type { Note, RoomSummary, User } from '../api/types';
import { ask } from '../components/confirm';
import { Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { Menu, type MenuItem } from '../components/Menu';
import { lang, t } from '../i18n';
import { store } from '../state/app';
import { noteDeleted, setPinned } from '../state/collabActions';
import { isPinned } from '../state/pins';
import { useStore } from '../state/useStore';
import { formatFull } from '../util/date';
import { lazy } from '../util/lazy';
import { loadDraft, saveDraft } from './drafts';
import { Markdown } from './Markdown';
import { NoteEditor } from './NoteEditor';
import './notes.css';

// The versions and their diff: a chunk of their own, fetched when the history is opened.
const NoteHistory = lazy(() => import('./NoteHistory').then((m) => m.NoteHistory));

/** Notes read lately, with their bodies: reopening one shows it at once. */
const bodies = new Map<string, Note>();
const cacheKey = (room: number, id: number) => room + '/' + id;

/** Who may delete a note (policies.h can_delete_note; the server decides again). */
export function canDeleteNote(s: RoomSummary, me: User, n: Note): boolean {
  return (n.created_by === me.id && s.can.edit_notes) || s.role !== 'member' || me.role === 'admin';
}

type Mode = 'view' | 'edit' | 'history';

export function NoteSheet({ room, id, onClose, onCreated }: { room: number; id: number | null; onClose: () => void; onCreated?: (n: Note) => void }) {
  const me = useStore((s) => s.me)!;
  const entry = useStore((s) => s.rooms[room]);
  const listed = useStore((s) => (id === null ? undefined : s.notes[room]?.find((n) => n.id === id)));
  const listLoaded = useStore((s) => !!s.notes[room]);
  const pins = useStore((s) => s.pins[room]);
  const [note, setNote] = useState<Note | null>(() => (id === null ? null : bodies.get(cacheKey(room, id)) ?? null));
  const [mode, setMode] = useState<Mode>(() => (id === null || loadDraft(me.id, room, id) ? 'edit' : 'view'));
  const [gone, setGone] = useState(false);
  const [failed, setFailed] = useState('');
  const dirty = useRef(false);
  const seen = useRef(false);
  const firstMode = useRef(true);
  // A new mode moves focus to its first control (the one that opened it is gone).
  useEffect(() => {
    if (firstMode.current) firstMode.current = false;
    else document.querySelector<HTMLElement>('.note-sheet [data-focus]')?.focus();
  }, [mode]);

  const show = (n: Note) => {
    bodies.set(cacheKey(room, n.id), n);
    setNote(n);
  };

  // Loaded when opened and whenever the list tells of a newer version (not under the editor:
  // it announces it instead, and keeps the version the edit started from).
  const stale = id !== null && (!note || (listed && listed.version > note.version));
  useEffect(() => {
    if (!stale || gone || (mode === 'edit' && note)) return;
    let live = true;
    getNote(store.api, room, id!).then(
      (n) => live && show(n),
      (e) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 404) setGone(true);
        else setFailed(store.hub.texts.error(e));
      },
    );
    return () => {
      live = false;
    };
  }, [stale, mode, listed?.version]);

  // Deleted by someone: it was in the loaded list and is no more.
  if (listed) seen.current = true;
  useEffect(() => {
    if (seen.current && listLoaded && !listed) setGone(true);
  }, [listed, listLoaded]);

  if (!entry) return null;
  const s = entry.summary;
  const close = async () => {
    if (dirty.current) {
      if (!(await ask(t('noteDiscardAsk'), t('noteDiscard')))) return;
      saveDraft(me.id, room, id, null);
    }
    onClose();
  };
  const stopEditing = async () => {
    if (dirty.current && !(await ask(t('noteDiscardAsk'), t('noteDiscard')))) return;
    saveDraft(me.id, room, id, null);
    dirty.current = false;
    if (id === null) onClose();
    else setMode('view');
  };
  const saved = (n: Note) => {
    show(n);
    setGone(false);
    setMode('view');
    store.toast(t('noteSavedToast'));
    if (n.id !== id) onCreated?.(n);
  };

  const items: MenuItem[] = [];
  if (note && !gone && s.can.pin) {
    const pinned = isPinned(pins, 'note', note.id);
    items.push({
      label: t(pinned ? 'noteUnpin' : 'notePin'),
      icon: 'pin',
      run: async () => {
        if (await setPinned(store.collab, room, { kind: 'note', note: note.id }, !pinned)) store.toast(t(pinned ? 'noteUnpinned' : 'notePinned'));
      },
    });
  }
  if (note && !gone && canDeleteNote(s, me, note)) {
    items.push({
      label: t('delete'),
      icon: 'trash',
      danger: true,
      run: async () => {
        if (!(await ask(t('noteConfirmDelete', { title: note.title }), t('delete')))) return;
        const ok = await store.hub.attempt(async () => {
          await deleteNote(store.api, room, note.id);
          noteDeleted(store.collab, room, note.id);
        });
        if (!ok) return;
        bodies.delete(cacheKey(room, note.id));
        saveDraft(me.id, room, note.id, null);
        onClose();
        store.toast(t('noteDeletedToast', { title: note.title }));
      },
    });
  }

  const title = id === null && !note ? t('noteNew') : (note?.title ?? listed?.title ?? t('notes'));
  let content;
  if (mode === 'edit' && (id === null || note)) {
    content = (
      <NoteEditor
        room={room}
        note={note}
        latest={listed}
        gone={gone}
        dirty={dirty}
        onSaved={saved}
        onCancel={() => void stopEditing()}
      />
    );
  } else if (!note) {
    content = gone ? (
      <p class="note-banner is-warn">{t('noteGone')}</p>
    ) : failed ? (
      <p class="note-error" role="alert">
        {failed}
      </p>
    ) : (
      <p class="muted">{t('loading')}</p>
    );
  } else if (mode === 'history') {
    content = <NoteHistory room={room} note={note} canRestore={s.can.edit_notes && !gone} onBack={() => setMode('view')} onRestored={show} />;
  } else {
    content = (
      <>
        {gone && (
          <p class="note-banner is-warn" role="status">
            {t('noteGone')}
          </p>
        )}
        <div class="note-toolbar">
          <p class="note-meta">
            {t('noteVersionN', { n: note.version })} ·{' '}
            {t('noteUpdatedBy', { name: note.updated_by_name, time: formatFull(note.updated_at, lang()) })}
          </p>
          <span class="note-buttons">
            {s.can.edit_notes && !gone && (
              <button type="button" class="btn btn-small" data-focus onClick={() => setMode('edit')}>
                <Icon name="edit" size={16} /> {t('edit')}
              </button>
            )}
            <button type="button" class="btn btn-small" data-focus={!s.can.edit_notes || gone || undefined} onClick={() => setMode('history')}>
              {t('noteHistory')}
            </button>
            {items.length > 0 && (
              <Menu label={t('noteMenu')} items={items} wrapClass="menu-wrap" btnClass="icon-btn" menuClass="note-menu" />
            )}
          </span>
        </div>
        <article class="note-view" aria-label={note.title}>
          <Markdown src={note.body ?? ''} />
        </article>
      </>
    );
  }

  return (
    <Dialog title={title} onClose={() => void close()} cls="note-sheet">
      {content}
    </Dialog>
  );
}
