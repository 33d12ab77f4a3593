// The pinned bar above a room's timeline. Collapsed, it shows the newest pin; opened, all
// of them (newest first). Each opens its message in the timeline (loading older history
// back to it if need be) or its note; who may pin (can.pin) may also unpin from here.
import { useEffect, useState } from 'preact/hooks';
import type { Message, Pin } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { loadPins, setPinned } from '../state/collabActions';
import { openNote } from '../state/notesBridge';
import { findBySeq } from '../state/timeline';
import { useStore } from '../state/useStore';
import { findStamp } from '../stamps/catalog';
import { attachmentSummary } from '../util/files';
import { Icon } from './Icon';
import { jumpTo } from './MessageItem';

/** How far back a pinned message is looked for (history loaded page by page). */
const MAX_BACK = 2000;

/** A message on one line: its text, a stamp's words, an action's title, or its files. */
export function messageLine(m: Message): string {
  if (m.deleted) return t('deletedMessage');
  const stamp = m.stamp && (findStamp(m.stamp)?.ja ?? t('stampPreview'));
  return (m.action?.title || stamp || m.body.replace(/\s+/g, ' ') || attachmentSummary(m.files, t)).slice(0, 200);
}

function pinLine(p: Pin): string {
  if (p.kind === 'note') return p.note_info ? t('pinnedNote', { title: p.note_info.title }) : t('pinnedDeleted');
  return p.message ? messageLine(p.message) : t('pinnedDeleted');
}

/** Shows message `seq` of the open room, loading older history back to it if need be. */
export async function showMessage(room: number, seq: number): Promise<void> {
  for (;;) {
    const tl = store.state.timelines[room];
    if (!tl?.loaded) return;
    if (findBySeq(tl.messages, seq)) break;
    if (tl.loadingOlder) {
      await new Promise((r) => setTimeout(r, 100)); // a scroll's load: wait for it
      continue;
    }
    const first = tl.messages[0]?.seq ?? 0;
    const far = (tl.messages[tl.messages.length - 1]?.seq ?? 0) - seq > MAX_BACK;
    if (!tl.hasMore || first <= seq || far || !(await store.timelines.loadOlder(room, Math.min(200, first - seq + 10)))) {
      store.toast(t('pinnedNotFound'));
      return;
    }
  }
  // The timeline draws what was loaded on its next render.
  for (let i = 0; i < 20 && !jumpTo(seq); i++) await new Promise((r) => requestAnimationFrame(r));
}

export function PinnedBar({ room }: { room: number }) {
  const pins = useStore((s) => s.pins[room]);
  const canPin = useStore((s) => !!s.rooms[room]?.summary.can.pin);
  const live = useStore((s) => s.conn === 'live');
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [room]);
  useEffect(() => {
    // Not loaded (offline, say): no bar until the connection is back.
    if (!store.state.pins[room]) void loadPins(store.collab, room);
  }, [room, live]);
  if (!pins?.length) return null;

  const go = (p: Pin) => {
    setOpen(false);
    if (p.kind === 'note') openNote(p.note!);
    else void showMessage(room, p.seq!);
  };
  const item = (p: Pin) => (
    <li key={p.kind + (p.seq ?? p.note)} class="pin-item">
      <button type="button" class="pin-open" onClick={() => go(p)} title={t('pinnedBy', { name: p.by_name })}>
        <span class="pin-text">{pinLine(p)}</span>
      </button>
      {open && canPin && (
        <button
          type="button"
          class="icon-btn pin-remove"
          aria-label={t('unpin') + '：' + pinLine(p)}
          onClick={() => void setPinned(store.collab, room, p.kind === 'note' ? { kind: 'note', note: p.note! } : { kind: 'message', seq: p.seq! }, false)}
        >
          <Icon name="close" size={16} />
        </button>
      )}
    </li>
  );
  return (
    <section class={'pinned-bar' + (open ? ' open' : '')} aria-label={t('pinnedBar')}>
      <Icon name="pin" size={18} />
      <ul class="pin-list">{open ? pins.map(item) : item(pins[0])}</ul>
      {(pins.length > 1 || canPin) && (
        <button
          type="button"
          class="pin-toggle"
          aria-expanded={open}
          aria-label={open ? t('pinsHide') : t('pinsShow')}
          onClick={() => setOpen(!open)}
        >
          {pins.length > 1 && <span class="pin-count">{t('pinnedN', { n: pins.length })}</span>}
          <Icon name={open ? 'close' : 'down'} size={16} />
        </button>
      )}
    </section>
  );
}
