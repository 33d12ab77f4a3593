import { t } from '../i18n';
import { store } from '../state/app';
import type { RoomEntry } from '../state/rooms';
import { openSearch } from '../state/searchBridge';
import { useStore } from '../state/useStore';
import { Avatar } from './Avatar';
import { Icon } from './Icon';
import { RoomSub } from './lazy';

export function RoomHeader({ entry }: { entry: RoomEntry }) {
  const s = entry.summary;
  const peer = useStore((st) => (s.peer !== null ? st.users[s.peer] : undefined));
  const panel = useStore((st) => st.route.panel);
  const panelOpen = panel !== null;
  const notesOpen = panel === 'notes' || (!!panel && typeof panel === 'object' && 'note' in panel);
  return (
    <header class={'room-head' + (peer?.disabled ? ' is-off' : '')}>
      <button type="button" class="icon-btn back-btn" onClick={() => store.back()} aria-label={t('back')}>
        <Icon name="back" />
      </button>
      <Avatar name={s.name} id={s.kind === 'direct' ? s.peer ?? s.id : s.id + 100} group={s.kind === 'group'} size={34} />
      <div class="room-head-text">
        <h2 id="room-title" class="room-title">
          {s.name}
        </h2>
        <div class="room-sub">
          <RoomSub s={s} peer={peer} />
        </div>
      </div>
      <button type="button" class="icon-btn" aria-label={t('searchInRoom')} onClick={() => openSearch('', s.id)}>
        <Icon name="search" />
      </button>
      {(s.kind === 'group' || s.can.edit_notes) && (
        <button
          type="button"
          class="icon-btn"
          aria-label={t('notes')}
          aria-expanded={notesOpen}
          onClick={() => store.navigate({ room: s.id, panel: notesOpen ? null : 'notes' })}
        >
          <Icon name="note" />
        </button>
      )}
      <button
        type="button"
        class="icon-btn details-btn"
        aria-label={t('showDetails')}
        aria-expanded={panelOpen}
        onClick={() =>
          store.navigate({ room: s.id, panel: panelOpen ? null : 'details' })
        }
      >
        <Icon name="info" />
      </button>
    </header>
  );
}
