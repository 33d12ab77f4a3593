import { lang, t } from '../i18n';
import { store } from '../state/app';
import { mentionUnreadOf, unreadOf, type RoomEntry } from '../state/rooms';
import { formatListTime } from '../util/date';
import { attachmentSummary } from '../util/files';
import { memo } from '../util/memo';
import { Avatar } from './Avatar';
import { DisabledMark, SystemText } from './lazy';

function preview(e: RoomEntry, me: number) {
  const m = e.summary.last_message;
  if (!m) return t('noMessagesYet');
  if (m.kind === 'system') return <SystemText m={m} />;
  if (m.deleted) return t('deletedMessage');
  const body = m.body.replace(/\s+/g, ' ') || (m.stamp ? t('stampPreview') : attachmentSummary(m.files, t));
  if (m.sender === me) return `${t('you')}: ${body}`;
  if (e.summary.kind === 'group') return `${m.sender_name.split(/[\s\u3000]/)[0]}: ${body}`;
  return body;
}

/** off: a 1:1 with a disabled account (利用停止). */
function RoomListItemImpl({ entry, active, off }: { entry: RoomEntry; active: boolean; off: boolean }) {
  const s = entry.summary;
  const me = store.state.me?.id ?? 0;
  const unread = unreadOf(entry);
  const mention = mentionUnreadOf(entry) > 0;
  const ts = s.last_message?.created_at ?? s.last_activity;
  const label = [
    unread ? t('unreadCount', { n: unread }) : '',
    mention ? t('mentionBadge') : '',
  ]
    .filter(Boolean)
    .join('、');
  return (
    <li>
      <a
        href={`/rooms/${s.id}`}
        class={'room-item' + (active ? ' active' : '') + (unread ? ' has-unread' : '') + (off ? ' is-off' : '')}
        aria-current={active ? 'page' : undefined}
        data-room={s.id}
        onClick={(e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          store.openRoom(s.id);
        }}
      >
        <Avatar name={s.name} id={s.kind === 'direct' ? s.peer ?? s.id : s.id + 100} group={s.kind === 'group'} size={40} />
        <span class="room-text">
          <span class="room-line">
            <span class="room-name">
              {s.name}
              {s.kind === 'group' && <span class="room-count"> ({s.member_count})</span>}
              {off && <DisabledMark />}
            </span>
            <time class="room-time" dateTime={ts ? new Date(ts).toISOString() : undefined}>
              {formatListTime(ts, lang())}
            </time>
          </span>
          <span class="room-line">
            <span class="room-preview">{preview(entry, me)}</span>
            {mention && (
              <span class="badge badge-mention" aria-hidden="true">
                @
              </span>
            )}
            {label && <span class="sr-only">{label}</span>}
            {unread > 0 && (
              <span class="badge" aria-hidden="true">
                {unread > 99 ? '99+' : unread}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}

export const RoomListItem = memo(RoomListItemImpl);
