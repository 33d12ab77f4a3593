// Writing a note: title and body with a live preview (tabs on a phone, side by side on a wide
// screen). A save based on an old version comes back as a conflict: then the other person's
// current version and the user's unsaved text are shown together, to load theirs or to
// overwrite with one's own. The text is kept as a draft (drafts.ts) until it is saved or
// discarded, so nothing the user wrote is lost.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MutableRef } from 'preact/hooks';
import { ApiError } from '../api/client';
import { conflictReason, createNote, getNote, noteOfConflict, updateNote } from '../api/collab';
import type { Note } from '../api/types';
import { Icon } from '../components/Icon';
import { t } from '../i18n';
import { store } from '../state/app';
import { noteSaved } from '../state/collabActions';
import { loadDraft, saveDraft, type NoteDraft } from './drafts';
import { Markdown } from './Markdown';
import { useWide } from './useWide';

export const MAX_TITLE = 100;
export const MAX_BODY = 30000;

/** Characters as the server counts them (code points, not UTF-16 units). */
const chars = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

interface Props {
  room: number;
  /** The note being edited, with its body; null: a new note. */
  note: Note | null;
  /** The version the list knows (newer than `note`: someone saved meanwhile). */
  latest?: Note;
  /** The note was deleted meanwhile: the text can be saved as a new note. */
  gone: boolean;
  onSaved: (n: Note) => void;
  onCancel: () => void;
  /** Set while there are unsaved changes (closing asks first). */
  dirty: MutableRef<boolean>;
}

export function NoteEditor({ room, note, latest, gone, onSaved, onCancel, dirty }: Props) {
  const me = store.state.me!.id;
  const id = note?.id ?? null;
  const [init] = useState<NoteDraft & { restored: boolean }>(() => {
    const d = loadDraft(me, room, id);
    if (d) return { ...d, restored: true };
    return { title: note?.title ?? '', body: note?.body ?? '', base: note?.version ?? 0, restored: false };
  });
  const [title, setTitle] = useState(init.title);
  const [body, setBody] = useState(init.body);
  const [base, setBase] = useState(init.base);
  const [preview, setPreview] = useState(init.body);
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState('');
  /** Their current version, after a save was refused as based on an old one. */
  const [theirs, setTheirs] = useState<Note | null>(null);
  /** The user's text, kept in view after they loaded the other person's version. */
  const [kept, setKept] = useState<{ title: string; body: string } | null>(null);
  const wide = useWide(900);
  const titleRef = useRef<HTMLInputElement>(null);

  const changed = title !== (note?.title ?? '') || body !== (note?.body ?? '') || base !== (note?.version ?? 0);
  dirty.current = changed;
  // The draft follows every change (a reload, a back button or a crash keeps it).
  useEffect(() => {
    saveDraft(me, room, id, changed ? { title, body, base } : null);
  }, [title, body, base]);
  // The preview follows the text when typing pauses (a long note is not parsed per key).
  useEffect(() => {
    const timer = setTimeout(() => setPreview(body), 200);
    return () => clearTimeout(timer);
  }, [body]);

  const titleLen = chars(title.trim());
  const bodyLen = chars(body);
  const invalid = !titleLen
    ? t('noteTitleRequired')
    : titleLen > MAX_TITLE
      ? t('noteTitleTooLong', { n: MAX_TITLE })
      : bodyLen > MAX_BODY
        ? t('noteBodyTooLong', { n: MAX_BODY.toLocaleString() })
        : '';

  /** Shows the current version beside the user's text. */
  const conflict = async (cur: Note | null) => {
    try {
      setTheirs(cur ?? (await getNote(store.api, room, id!)));
    } catch (e) {
      setError(store.hub.texts.error(e));
    }
  };

  const save = async (on = base) => {
    if (invalid) {
      setError(invalid);
      if (!titleLen || titleLen > MAX_TITLE) titleRef.current?.focus();
      return;
    }
    setSaving(true);
    setError('');
    try {
      const edit = { title: title.trim(), body };
      const n =
        note && !gone
          ? await updateNote(store.api, room, note.id, { ...edit, base_version: on })
          : await createNote(store.api, room, edit.title, edit.body);
      saveDraft(me, room, id, null);
      dirty.current = false;
      noteSaved(store.collab, n);
      onSaved(n);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && conflictReason(e) === 'version') await conflict(noteOfConflict(e));
      else setError(store.hub.texts.error(e));
    } finally {
      setSaving(false);
    }
  };

  const loadTheirs = () => {
    setKept({ title, body });
    setTitle(theirs!.title);
    setBody(theirs!.body ?? '');
    setPreview(theirs!.body ?? '');
    setBase(theirs!.version);
    setTheirs(null);
  };

  const overwrite = () => {
    const v = theirs!.version;
    setBase(v);
    setTheirs(null);
    void save(v);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // Ctrl+S / ⌘S and Ctrl+Enter save, as in other editors.
    if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'Enter')) {
      e.preventDefault();
      if (!saving && !theirs) void save();
    }
  };

  const newer = !theirs && !gone && latest && note && latest.version > base ? latest : null;
  const editor = (
    <div class="note-write" id="note-write" role={wide || theirs ? undefined : 'tabpanel'} aria-labelledby={wide || theirs ? undefined : 'note-tab-write'}>
      <label class="field note-body-field">
        <span>{t(theirs ? 'noteMine' : 'noteBody')}</span>
        <textarea
          class="note-textarea"
          value={body}
          data-autofocus={!!note || undefined}
          data-focus={!!note || undefined}
          onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
          aria-describedby="note-hint note-count"
          spellcheck={false}
        />
      </label>
      <p id="note-hint" class="note-hint">
        {t('noteHint')}
      </p>
    </div>
  );
  const previewPane = (
    <div
      class="note-preview"
      id="note-preview"
      role={wide ? 'region' : 'tabpanel'}
      aria-labelledby={wide ? undefined : 'note-tab-preview'}
      aria-label={wide ? t('notePreview') : undefined}
      tabIndex={0}
    >
      {wide && <p class="note-pane-head">{t('notePreview')}</p>}
      <Markdown src={preview} />
    </div>
  );

  return (
    <form
      class={'note-editor' + (wide ? ' is-wide' : '')}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={onKeyDown}
    >
      {init.restored && (
        <p class="note-banner" role="status">
          {t('noteDraftRestored')}
        </p>
      )}
      {gone && (
        <p class="note-banner is-warn" role="alert">
          {t('noteGoneEditing')}
        </p>
      )}
      {newer && (
        <div class="note-banner is-warn" role="status">
          <span>{t('noteNewer', { name: newer.updated_by_name, n: newer.version })}</span>
          <button type="button" class="btn btn-small" onClick={() => void conflict(null)}>
            {t('noteCompare')}
          </button>
        </div>
      )}
      {kept && (
        <details class="note-kept" open>
          <summary>{t('noteKept')}</summary>
          <div class="note-plain" tabIndex={0}>
            <strong>{kept.title}</strong>
            {'\n' + kept.body}
          </div>
          <button type="button" class="btn btn-small" onClick={() => setKept(null)}>
            {t('noteKeptHide')}
          </button>
        </details>
      )}
      {theirs && (
        <div class="note-conflict" role="alert">
          <p>
            <strong>{t('noteConflictTitle')}</strong> {t('noteConflictText', { name: theirs.updated_by_name, n: theirs.version })}
          </p>
        </div>
      )}
      <label class="field">
        <span>{t('noteTitle')}</span>
        <input
          ref={titleRef}
          value={title}
          data-autofocus={!note || undefined}
          data-focus={!note || undefined}
          onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
          aria-invalid={titleLen > MAX_TITLE || undefined}
        />
      </label>
      {theirs ? (
        <div class="note-panes is-conflict">
          <section class="note-theirs" aria-labelledby="note-theirs-head">
            <p id="note-theirs-head" class="note-pane-head">
              {t('noteTheirs', { name: theirs.updated_by_name, n: theirs.version })}
            </p>
            <div class="note-plain" tabIndex={0}>
              <strong>{theirs.title}</strong>
              {'\n' + (theirs.body ?? '')}
            </div>
          </section>
          {editor}
        </div>
      ) : wide ? (
        <div class="note-panes">
          {editor}
          {previewPane}
        </div>
      ) : (
        <>
          <div class="tabs" role="tablist" aria-label={t('noteBody')}>
            {(['write', 'preview'] as const).map((k) => (
              <button
                key={k}
                id={'note-tab-' + k}
                type="button"
                role="tab"
                aria-selected={tab === k}
                aria-controls={'note-' + k}
                tabIndex={tab === k ? 0 : -1}
                onClick={() => {
                  setPreview(body);
                  setTab(k);
                }}
                onKeyDown={(e) => {
                  if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
                  const next = tab === 'write' ? 'preview' : 'write';
                  setPreview(body);
                  setTab(next);
                  document.getElementById('note-tab-' + next)?.focus();
                }}
              >
                {t(k === 'write' ? 'noteTabWrite' : 'notePreview')}
              </button>
            ))}
          </div>
          {tab === 'write' ? editor : previewPane}
        </>
      )}
      {error && (
        <p class="note-error" role="alert">
          {error}
        </p>
      )}
      <div class="dialog-actions note-actions">
        <span id="note-count" class={'note-count' + (bodyLen > MAX_BODY ? ' is-over' : '')}>
          {t('noteCount', { n: bodyLen.toLocaleString(), max: MAX_BODY.toLocaleString() })}
        </span>
        {theirs ? (
          <span class="note-buttons">
            <button type="button" class="btn" onClick={loadTheirs} disabled={saving}>
              {t('noteLoadTheirs')}
            </button>
            <button type="button" class="btn btn-primary" onClick={overwrite} disabled={saving}>
              {t('noteOverwrite')}
            </button>
          </span>
        ) : (
          <span class="note-buttons">
            <button type="button" class="btn" onClick={onCancel} disabled={saving}>
              {t('cancel')}
            </button>
            <button type="submit" class="btn btn-primary" disabled={saving}>
              <Icon name="check" size={18} /> {t(saving ? 'noteSaving' : gone ? 'noteSaveAsNew' : 'save')}
            </button>
          </span>
        )}
      </div>
    </form>
  );
}
