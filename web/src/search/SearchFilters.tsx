// The search view's 絞り込み: the room (one of the user's), the sender (looked up in the
// directory by name or reading, as a combobox), and the period (from a day to a day, both
// included). Each change searches again.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../api/types';
import { Icon } from '../components/Icon';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { activeFilters, NO_FILTERS } from './query';
import type { SearchState } from './state';

export function SearchFilters({ state }: { state: SearchState }) {
  const f = state.snap.filters;
  const rooms = useStore((s) => s.rooms);
  const order = useStore((s) => s.order);
  return (
    <div id="search-filters" class="search-filters">
      <div class="search-field">
        <label for="search-room">{t('searchRoom')}</label>
        <select id="search-room" value={String(f.room)} onChange={(e) => state.filter({ room: Number(e.currentTarget.value) })}>
          <option value="0">{t('searchRoomAll')}</option>
          {order.map((id) => (
            <option key={id} value={String(id)}>
              {rooms[id].summary.name}
            </option>
          ))}
        </select>
      </div>
      <SenderPicker state={state} />
      <fieldset class="search-field search-period">
        <legend>{t('searchPeriod')}</legend>
        <div class="search-days">
        <input
          type="date"
          aria-label={t('searchFrom')}
          value={f.fromDay}
          max={f.toDay || undefined}
          onChange={(e) => state.filter({ fromDay: e.currentTarget.value })}
        />
        <span aria-hidden="true">〜</span>
        <input
          type="date"
          aria-label={t('searchTo')}
          value={f.toDay}
          min={f.fromDay || undefined}
          onChange={(e) => state.filter({ toDay: e.currentTarget.value })}
        />
        </div>
      </fieldset>
      {activeFilters(f) > 0 && (
        <button type="button" class="btn btn-small" onClick={() => state.filter({ ...NO_FILTERS, kind: f.kind, order: f.order })}>
          {t('searchClear')}
        </button>
      )}
    </div>
  );
}

/**
 * The sender: a chosen one shows as a chip with ×; else a combobox (ARIA 1.2, list
 * autocomplete) over the directory: ↓/↑ move, Enter picks, Esc closes.
 */
function SenderPicker({ state }: { state: SearchState }) {
  const sender = state.snap.filters.sender;
  const [q, setQ] = useState('');
  const [found, setFound] = useState<User[] | null>(null);
  const [active, setActive] = useState(-1);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setFound(null);
      return;
    }
    // Looked up when typing pauses; a lookup overtaken by the next keystroke is cancelled.
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      store.api.users({ q: text, limit: 8 }, ctl.signal).then(
        (users) => {
          setFound(users);
          setActive(-1);
        },
        () => {},
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [q]);

  const pick = (u: User) => {
    setQ('');
    setFound(null);
    state.filter({ sender: { id: u.id, name: u.name } });
  };

  if (sender) {
    return (
      <div class="search-field">
        <span id="search-sender-label">{t('searchSender')}</span>
        <span class="search-picked">
          {sender.name}
          <button
            type="button"
            class="icon-btn"
            aria-label={t('searchSenderClear', { name: sender.name })}
            onClick={() => {
              state.filter({ sender: null });
              setTimeout(() => inputRef.current?.focus());
            }}
          >
            <Icon name="close" size={16} />
          </button>
        </span>
      </div>
    );
  }

  const open = found !== null && q.trim() !== '';
  const onKey = (e: KeyboardEvent) => {
    if (!open) return;
    const n = found.length;
    if (e.key === 'ArrowDown' && n) {
      e.preventDefault();
      setActive((active + 1) % n);
    } else if (e.key === 'ArrowUp' && n) {
      e.preventDefault();
      setActive((active - 1 + n) % n);
    } else if (e.key === 'Enter' && active >= 0 && found[active]) {
      e.preventDefault();
      pick(found[active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setFound(null);
    }
  };
  return (
    <div class="search-field search-sender">
      <label for="search-sender">{t('searchSender')}</label>
      <input
        ref={inputRef}
        id="search-sender"
        type="text"
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls="search-sender-list"
        aria-activedescendant={open && active >= 0 ? 'search-sender-' + active : undefined}
        placeholder={t('searchSenderPlaceholder')}
        value={q}
        onInput={(e) => setQ(e.currentTarget.value)}
        onKeyDown={onKey}
      />
      {open && (
        <ul id="search-sender-list" role="listbox" aria-label={t('searchSender')} class="search-sender-list">
          {found.length === 0 && <li class="muted">{t('searchSenderNone')}</li>}
          {found.map((u, i) => (
            <li
              key={u.id}
              id={'search-sender-' + i}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'is-active' : ''}
              // mousedown: picked before the input loses the focus.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(u);
              }}
            >
              {u.name}
              {u.department && <span class="muted"> {u.department.name}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
