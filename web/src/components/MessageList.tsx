// The scrolling timeline: day dividers, "ここから未読", older history on scroll, new messages
// live, pending sends at the end.
import type { VNode } from 'preact';
import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { FileInfo, Message, RoomKind } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { unreadOf } from '../state/rooms';
import { useStore } from '../state/useStore';
import { sameDay } from '../util/date';
import { DayDivider } from './DayDivider';
import { Icon } from './Icon';
import { LoadError } from './LoadError';
import { ReactionPicker, Viewer } from './lazy';
import { MessageItem, SystemNotice, type MessageAction } from './MessageItem';
import { PendingItem } from './PendingItem';
import { UnreadDivider } from './UnreadDivider';

const GROUP_MS = 5 * 60 * 1000;

export function MessageList({
  room,
  kind,
  onReply,
  onReaders,
}: {
  room: number;
  kind: RoomKind;
  onReply: (m: Message) => void;
  onReaders: (m: Message) => void;
}) {
  const tl = useStore((s) => s.timelines[room]);
  const pendingAll = useStore((s) => s.pending);
  const me = useStore((s) => s.me);
  const users = useStore((s) => s.users);
  const divider = useStore((s) => s.dividers[room]);
  const unread = useStore((s) => (s.rooms[room] ? unreadOf(s.rooms[room]) : 0));
  const roomName = useStore((s) => s.rooms[room]?.summary.name ?? '');
  // Replying is posting: not offered where the reader may not post (お知らせ専用).
  const canReply = useStore((s) => s.rooms[room]?.summary.can?.post ?? true);
  const canPin = useStore((s) => !!s.rooms[room]?.summary.can?.pin);
  const pins = useStore((s) => s.pins[room]);
  const [reacting, setReacting] = useState<Message | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [viewing, setViewing] = useState<{ images: FileInfo[]; index: number } | null>(null);
  const onView = useCallback((images: FileInfo[], index: number) => setViewing({ images, index }), []);
  const [atBottom, setAtBottom] = useState(true);
  const ref = useRef<HTMLDivElement>(null);
  const positioned = useRef(false);
  const prevHeight = useRef(0);
  const prevFirst = useRef<number | undefined>(undefined);
  const prevLast = useRef<number | undefined>(undefined);

  const pending = pendingAll.filter((p) => p.room === room);
  const myId = me?.id ?? 0;

  const check = useCallback(() => {
    const el = ref.current;
    // Hidden (a phone showing another pane): nothing is seen, nothing to load.
    if (!el?.clientHeight) return;
    const cur = store.state.timelines[room];
    // Opened at an older message (hasNewer, state/around.ts): its end is not the newest.
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < 48 && !cur?.hasNewer;
    if (bottom !== store.atBottom) store.setAtBottom(bottom);
    setAtBottom(bottom);
    if (cur && cur.loaded && cur.hasMore && !cur.loadingOlder && el.scrollTop < 240) void store.loadOlder(room);
  }, [room]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !tl || !tl.loaded) return;
    const first = tl.messages[0]?.seq;
    const last = tl.messages[tl.messages.length - 1]?.seq;
    if (!positioned.current) {
      positioned.current = true;
      const div = el.querySelector<HTMLElement>('#unread-divider');
      // Opened at a message (state/around.ts scrolls to it): not at the unread or the newest.
      if (tl.target !== undefined) {
        // left as it is
      } else if (div) {
        el.scrollTop = Math.max(0, div.offsetTop - 8);
      } else {
        el.scrollTop = el.scrollHeight;
      }
    } else if (prevFirst.current !== undefined && first !== undefined && first < prevFirst.current && last === prevLast.current) {
      // Older messages were put in front: keep what the user was looking at in place.
      el.scrollTop += el.scrollHeight - prevHeight.current;
    } else if (store.atBottom) {
      el.scrollTop = el.scrollHeight;
    }
    prevFirst.current = first;
    prevLast.current = last;
    prevHeight.current = el.scrollHeight;
    check();
  });

  // The viewport changes size (banner, composer growing, window resize): stay at the bottom.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (store.atBottom) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onAction = useCallback(
    (a: MessageAction, m: Message) => {
      if (a === 'reply') onReply(m);
      else if (a === 'readers') onReaders(m);
      else if (a === 'edit') setEditing(m.seq);
      else if (a === 'edit-done') setEditing(null);
      else if (a === 'profile') store.navigate({ room, panel: { user: m.sender } });
      else if (a === 'react') setReacting(m);
      else if (a === 'pin' || a === 'unpin') {
        void import('../state/collabActions').then((c) => c.setPinned(store.collab, room, { kind: 'message', seq: m.seq }, a === 'pin'));
      }
    },
    [room, onReply, onReaders],
  );

  const jumpToBottom = () => {
    const el = ref.current;
    if (!el) return;
    // Opened at an older message: the newest page in place of it.
    if (tl?.hasNewer) store.timelines.reload(room);
    el.scrollTop = el.scrollHeight;
    check();
  };

  const items: VNode[] = [];
  if (tl?.loaded && !tl.messages.length && !pending.length) {
    // A new room: say what it is instead of showing nothing.
    items.push(
      <li key="empty" class="tl-note tl-empty">
        {kind === 'direct' ? t('emptyDirect', { name: roomName }) : t('emptyGroup')}
      </li>,
    );
  }
  if (tl?.loaded) {
    if (!tl.hasMore && tl.messages.length) {
      items.push(
        <li key="start" class="tl-note">
          {t('beginning')}
        </li>,
      );
    }
    if (tl.hasMore) {
      items.push(
        <li key="older" class="tl-note">
          {tl.loadingOlder ? (
            t('loadingOlder')
          ) : (
            <button type="button" class="btn btn-small" onClick={() => store.loadOlder(room)}>
              {t('loadOlder')}
            </button>
          )}
        </li>,
      );
    }
    let prev: Message | null = null;
    for (const m of tl.messages) {
      const newDay = !prev || !sameDay(prev.created_at, m.created_at);
      if (newDay) items.push(<DayDivider key={'d' + m.seq} ts={m.created_at} />);
      const isDivider = divider !== undefined && m.seq === divider && m.sender !== myId;
      if (isDivider) items.push(<UnreadDivider key="unread" />);
      if (m.kind === 'system') {
        items.push(<SystemNotice key={m.seq} m={m} />);
        prev = m;
        continue;
      }
      const compact =
        !!prev &&
        !newDay &&
        !isDivider &&
        prev.kind !== 'system' &&
        prev.sender === m.sender &&
        m.created_at - prev.created_at < GROUP_MS;
      const names = m.mentions.map((id) => users[id]?.name).filter((n): n is string => !!n);
      items.push(
        <MessageItem
          key={m.seq}
          m={m}
          mine={m.sender === myId}
          compact={compact}
          kind={kind}
          names={names.join('\n')}
          mentionsMe={m.sender !== myId && !m.deleted && (m.mention_all || m.mentions.includes(myId))}
          senderOff={!!users[m.sender]?.disabled}
          canReply={canReply}
          editing={editing === m.seq}
          pinned={!!pins?.some((p) => p.kind === 'message' && p.seq === m.seq)}
          canPin={canPin}
          onAction={onAction}
          onView={onView}
        />,
      );
      prev = m;
    }
  }
  for (const p of pending) {
    if (p.ackSeq !== undefined && tl?.messages.some((m) => m.seq === p.ackSeq)) continue;
    items.push(<PendingItem key={p.client_id} p={p} />);
  }

  return (
    <div class="timeline-wrap">
      <div
        ref={ref}
        class="timeline"
        role="log"
        aria-label={t('timeline')}
        aria-busy={!tl?.loaded}
        tabIndex={0}
        onScroll={check}
      >
        {tl?.loaded ? (
          <ol class="messages">{items}</ol>
        ) : tl?.error && !tl.loading ? (
          <LoadError text={t('loadFailed', { msg: tl.error })} onRetry={() => store.loadLatest(room)} tag="timeline" />
        ) : (
          <p class="tl-note">{t('loading')}</p>
        )}
      </div>
      {!atBottom && (
        <button type="button" class={'jump-btn' + (unread ? ' has-new' : '')} onClick={jumpToBottom}>
          <Icon name="down" size={18} />
          {unread ? t('newMessages') : ''}
          <span class="sr-only">{unread ? '' : t('newMessages')}</span>
        </button>
      )}
      {reacting && <ReactionPicker m={reacting} onClose={() => setReacting(null)} />}
      {viewing && <Viewer images={viewing.images} index={viewing.index} onClose={() => setViewing(null)} />}
    </div>
  );
}
