// A note's versions (版, who, when, 復元 marks) and what each changed from the one before it
// (a line diff), with 「この版に戻す」: a restore saves that content as a new version, based on
// the current one (a save meanwhile is refused as a conflict, and the list is loaded again).
// Its own chunk (with diff.ts), fetched when the history is opened.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { conflictReason, noteVersion, noteVersions, restoreNote } from '../api/collab';
import type { Note, NoteVersion } from '../api/types';
import { ask } from '../components/confirm';
import { Icon } from '../components/Icon';
import { lang, t } from '../i18n';
import { store } from '../state/app';
import { noteSaved } from '../state/collabActions';
import { formatFull } from '../util/date';
import { diffLines, fold } from './diff';
import { useWide } from './useWide';

/** Versions with their bodies, fetched once (a version never changes). */
const cache = new Map<string, Promise<NoteVersion>>();
function version(room: number, note: number, v: number): Promise<NoteVersion> {
  const k = `${room}/${note}/${v}`;
  const had = cache.get(k);
  if (had) return had;
  const p = noteVersion(store.api, room, note, v);
  p.catch(() => cache.delete(k));
  cache.set(k, p);
  return p;
}

function Changes({ room, note, v, canRestore, current, onRestored }: { room: number; note: Note; v: number; canRestore: boolean; current: number; onRestored: (n: Note) => void }) {
  const [pair, setPair] = useState<[NoteVersion | null, NoteVersion] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    setPair(null);
    setError('');
    Promise.all([v > 1 ? version(room, note.id, v - 1) : null, version(room, note.id, v)]).then(
      (p) => live && setPair(p),
      (e) => live && setError(store.hub.texts.error(e)),
    );
    return () => {
      live = false;
    };
  }, [v]);

  const restore = async () => {
    if (!(await ask(t('noteConfirmRestore', { n: v }), t('noteRestore')))) return;
    setBusy(true);
    setError('');
    try {
      const n = await restoreNote(store.api, room, note.id, v, current);
      noteSaved(store.collab, n);
      onRestored(n);
      store.toast(t('noteRestoredToast', { n: v }));
    } catch (e) {
      setError(e instanceof ApiError && conflictReason(e) === 'version' ? t('noteRestoreStale') : store.hub.texts.error(e));
    } finally {
      setBusy(false);
    }
  };

  if (error && !pair) {
    return (
      <p class="note-error" role="alert">
        {error}
      </p>
    );
  }
  if (!pair) return <p class="muted">{t('loading')}</p>;
  const [before, after] = pair;
  // The first version: all of it is new.
  const body = after.body ?? '';
  const rows = fold(before ? diffLines(before.body ?? '', body) : body.split('\n').map((text) => ({ op: '+' as const, text })));
  const titled = before && before.title !== after.title;
  return (
    <section class="note-changes" aria-labelledby="note-changes-head">
      <h3 id="note-changes-head" class="note-pane-head">
        {before ? t('noteChangesFrom', { a: v - 1, b: v }) : t('noteFirstVersion', { n: v })}
      </h3>
      {titled && <p class="note-title-change">{t('noteTitleChanged', { old: before.title, title: after.title })}</p>}
      {before && !rows.some((r) => r.op === '+' || r.op === '-') ? (
        <p class="muted">{t('noteNoBodyChange')}</p>
      ) : (
        <ol class="diff" tabIndex={0} aria-label={t('noteDiff')}>
          {rows.map((r, i) =>
            r.op === 'fold' ? (
              <li key={i} class="diff-fold">
                {t('noteFolded', { n: r.n })}
              </li>
            ) : (
              <li key={i} class={r.op === '+' ? 'diff-add' : r.op === '-' ? 'diff-del' : 'diff-same'}>
                <span class="diff-mark" aria-hidden="true">
                  {r.op}
                </span>
                {r.op !== ' ' && <span class="sr-only">{t(r.op === '+' ? 'noteAdded' : 'noteRemoved')}</span>}
                {r.text || ' '}
              </li>
            ),
          )}
        </ol>
      )}
      {error && (
        <p class="note-error" role="alert">
          {error}
        </p>
      )}
      {canRestore && v !== current && (
        <button type="button" class="btn" onClick={() => void restore()} disabled={busy}>
          {t('noteRestore')}
        </button>
      )}
    </section>
  );
}

export function NoteHistory({ room, note, canRestore, onBack, onRestored }: { room: number; note: Note; canRestore: boolean; onBack: () => void; onRestored: (n: Note) => void }) {
  const [versions, setVersions] = useState<NoteVersion[] | null>(null);
  const [error, setError] = useState('');
  const [picked, setPicked] = useState<number | null>(null);
  const wide = useWide(900);
  // Loaded again whenever the note gets a new version (a save, a restore, someone else's).
  useEffect(() => {
    let live = true;
    noteVersions(store.api, room, note.id).then(
      (l) => live && setVersions(l),
      (e) => live && setError(store.hub.texts.error(e)),
    );
    return () => {
      live = false;
    };
  }, [note.version]);

  const shown = picked ?? (wide ? note.version : null);
  const list = (
    <ol class="note-versions" aria-label={t('noteVersions')}>
      {(versions ?? []).map((v) => (
        <li key={v.version}>
          <button type="button" class="note-version" aria-current={shown === v.version || undefined} onClick={() => setPicked(v.version)}>
            <span class="note-version-n">
              {t('noteVersionN', { n: v.version })}
              {v.version === note.version && <span class="tag">{t('noteCurrent')}</span>}
              {v.restored_from > 0 && <span class="tag tag-restored">{t('noteRestoredFrom', { n: v.restored_from })}</span>}
            </span>
            <span class="note-version-meta">
              {v.by_name} · {formatFull(v.at, lang())}
            </span>
          </button>
        </li>
      ))}
    </ol>
  );
  return (
    <div class={'note-history' + (wide ? ' is-wide' : '')}>
      <button type="button" class="btn btn-small note-back" data-focus onClick={shown !== null && !wide ? () => setPicked(null) : onBack}>
        <Icon name="back" size={16} /> {t(shown !== null && !wide ? 'noteVersions' : 'noteBackToNote')}
      </button>
      {error && (
        <p class="note-error" role="alert">
          {error}
        </p>
      )}
      {!versions && !error && <p class="muted">{t('loading')}</p>}
      {versions && (wide || shown === null) && list}
      {versions && shown !== null && (
        <Changes key={shown} room={room} note={note} v={shown} current={note.version} canRestore={canRestore} onRestored={(n) => {
          setPicked(n.version);
          onRestored(n);
        }} />
      )}
    </div>
  );
}
