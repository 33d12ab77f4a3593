import { useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { store } from '../state/app';
import { filterRooms } from '../state/rooms';
import { openSearch } from '../state/searchBridge';
import { useStore } from '../state/useStore';
import { Icon } from './Icon';
import { LoadError } from './LoadError';
import { NotifyHint } from './lazy';
import { RoomListItem } from './RoomListItem';

export function RoomList({ onNew }: { onNew: () => void }) {
  const rooms = useStore((s) => s.rooms);
  const order = useStore((s) => s.order);
  const loaded = useStore((s) => s.roomsLoaded);
  const loadError = useStore((s) => s.roomsError);
  const active = useStore((s) => s.route.room);
  const users = useStore((s) => s.users);
  const [q, setQ] = useState('');
  const listRef = useRef<HTMLUListElement>(null);
  const ids = useMemo(() => filterRooms(rooms, order, q), [rooms, order, q]);
  // The words go to the search view (its own box), and the room list shows every room again.
  const run = () => {
    if (!q.trim()) return;
    openSearch(q.trim());
    setQ('');
  };

  // Arrow keys move between rooms (Tab leaves the list).
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
    const links = Array.from(listRef.current?.querySelectorAll<HTMLElement>('a.room-item') ?? []);
    if (!links.length) return;
    const i = links.indexOf(document.activeElement as HTMLElement);
    let j = i;
    if (e.key === 'ArrowDown') j = Math.min(links.length - 1, i + 1);
    else if (e.key === 'ArrowUp') j = Math.max(0, i - 1);
    else if (e.key === 'Home') j = 0;
    else j = links.length - 1;
    e.preventDefault();
    links[j].focus();
  };

  return (
    <div class="room-list">
      <div class="pane-head">
        <h1 class="pane-title">{t('rooms')}</h1>
        <button type="button" class="btn btn-primary btn-small" onClick={onNew}>
          <Icon name="plus" size={18} />
          <span>{t('newChat')}</span>
        </button>
      </div>
      {/* Typing filters the rooms; Enter (or the button under it) searches the messages. */}
      <form class="search-box" role="search" onSubmit={(e) => (e.preventDefault(), run())}>
        <Icon name="search" size={18} />
        <input
          id="room-search"
          type="search"
          aria-label={t('filterRooms')}
          placeholder={t('filterPlaceholder')}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              listRef.current?.querySelector<HTMLElement>('a.room-item')?.focus();
            }
          }}
        />
      </form>
      {q.trim() && (
        <button type="button" class="search-run" onClick={run}>
          <Icon name="search" size={16} />
          <span>{t('searchRun', { q: q.trim() })}</span>
        </button>
      )}
      {loadError && (
        <LoadError text={t('roomsFailed', { msg: loadError })} onRetry={() => store.reloadRooms()} tag="rooms" />
      )}
      {loaded && !ids.length && <p class="muted pad">{order.length ? t('noMatch') : t('noRooms')}</p>}
      <ul class="rooms" ref={listRef} onKeyDown={onKeyDown}>
        {ids.map((id) => (
          <RoomListItem
            key={id}
            entry={rooms[id]}
            active={id === active}
            off={!!users[rooms[id].summary.peer ?? 0]?.disabled}
          />
        ))}
      </ul>
      <NotifyHint />
    </div>
  );
}
