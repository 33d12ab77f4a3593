import { useRef, useState } from 'preact/hooks';
import type { FileInfo, Message, RoomKind } from '../api/types';
import { lang, t } from '../i18n';
import { store } from '../state/app';
import { composerKeyAction, sendable } from '../util/composer';
import { formatFull, formatTime } from '../util/date';
import { useLongPress } from '../util/longPress';
import { focusOnce, memo } from '../util/memo';
import { Avatar } from './Avatar';
import { ask } from './confirm';
import { FileList } from './FileList';
import { Ack, ActionCard, DisabledMark, Reactions, StampImg, SystemNoticeText } from './lazy';
import { MessageBody } from './MessageBody';
import { MessageMenu } from './MessageMenu';

export type MessageAction = 'reply' | 'readers' | 'edit' | 'edit-done' | 'profile' | 'react' | 'pin' | 'unpin';

interface Props {
  m: Message;
  mine: boolean;
  compact: boolean;
  kind: RoomKind;
  /** Display names of the mentioned users, one per line. */
  names: string;
  mentionsMe: boolean;
  /** The sender's account is disabled (利用停止), as far as we know. */
  senderOff: boolean;
  /** The reader may post here: the menu offers 返信. */
  canReply: boolean;
  editing: boolean;
  /** The message is pinned; canPin: the reader may pin and unpin (can.pin). */
  pinned: boolean;
  canPin: boolean;
  onAction: (a: MessageAction, m: Message) => void;
  /** Opens the image viewer on a message's images. */
  onView: (images: FileInfo[], index: number) => void;
}

/** Scrolls to message `seq` and makes it flash; false if it is not in the timeline. */
export function jumpTo(seq: number): boolean {
  const el = document.getElementById('m-' + seq);
  if (!el) return false;
  el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), 1600);
  return true;
}

/** A system message: a centred one-line notice (no avatar, 既読 or menu). */
export function SystemNotice({ m }: { m: Message }) {
  return (
    <li class="sys-note" id={'m-' + m.seq} data-seq={m.seq}>
      <SystemNoticeText m={m} />
    </li>
  );
}

function MessageItemImpl({ m, mine, compact, kind, names, mentionsMe, senderOff, canReply, editing, pinned, canPin, onAction, onView }: Props) {
  const readCount = m.read_count ?? 0;
  // A phone's long press on the message: the reactions (the ⋯ menu has the rest).
  const press = useLongPress(() => !m.deleted && !editing && onAction('react', m));
  const stamp = !m.deleted && m.stamp;
  const action = !m.deleted && !!m.action;
  const cls = ['msg', mine ? 'mine' : 'theirs', compact ? 'compact' : '', mentionsMe ? 'mentioned' : '', m.deleted ? 'deleted' : '', senderOff ? 'is-off' : '', action ? 'has-action' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <li class={cls} id={'m-' + m.seq} data-seq={m.seq}>
      {!mine && (
        <div class="msg-avatar">
          {!compact && (
            <button type="button" class="avatar-btn" onClick={() => onAction('profile', m)} aria-label={m.sender_name}>
              <Avatar name={m.sender_name} id={m.sender} size={36} />
            </button>
          )}
        </div>
      )}
      <div class="msg-main">
        {!mine && !compact && (
          <button type="button" class="msg-sender" onClick={() => onAction('profile', m)}>
            {m.sender_name}
            {senderOff && <DisabledMark />}
          </button>
        )}
        <div class="msg-row">
          <div class={stamp ? 'stamp-msg' : 'bubble'} {...press}>
            {mentionsMe && <span class="sr-only">{t('mentionedYou')}: </span>}
            {m.reply_to && !m.deleted && (
              <button
                type="button"
                class="quote"
                onClick={() => jumpTo(m.reply_to!.seq)}
                aria-label={
                  t('replyTo', { name: m.reply_to.sender_name }) +
                  ': ' +
                  (m.reply_to.body ? m.reply_to.body + (m.reply_to.edited ? t('edited') : '') : t('quoteDeleted'))
                }
              >
                <span class="quote-name">
                  {m.reply_to.sender_name}
                  {m.reply_to.edited && m.reply_to.body && <span class="quote-edited">{t('edited')}</span>}
                </span>
                <span class={'quote-body' + (m.reply_to.body ? '' : ' deleted-text')}>{m.reply_to.body || t('quoteDeleted')}</span>
              </button>
            )}
            {m.deleted ? (
              <div class="msg-body deleted-text">{t('deletedMessage')}</div>
            ) : editing ? (
              <EditBox m={m} onDone={() => onAction('edit-done', m)} />
            ) : stamp ? (
              <StampImg id={stamp} />
            ) : (
              m.body && <MessageBody body={m.body} names={names ? names.split('\n') : []} />
            )}
            {!m.deleted && m.files && m.files.length > 0 && <FileList files={m.files} onView={onView} />}
            {action && <ActionCard m={m} />}
            {m.ack_required && !m.deleted && !editing && <Ack m={m} />}
          </div>
          <div class="msg-meta">
            {!m.deleted && !editing && (
              <MessageMenu
                mine={mine}
                onReply={canReply ? () => onAction('reply', m) : undefined}
                onReact={() => onAction('react', m)}
                pinned={pinned}
                onPin={canPin ? () => onAction(pinned ? 'unpin' : 'pin', m) : undefined}
                onEdit={stamp || action ? undefined : () => onAction('edit', m)}
                onDelete={() => {
                  void ask(t('confirmDelete'), t('delete')).then((yes) => {
                    if (yes) void store.remove(m.room, m.seq);
                  });
                }}
                onCopy={m.body ? () => {
                  navigator.clipboard?.writeText(m.body).then(
                    () => store.toast(t('copied')),
                    () => {},
                  );
                } : undefined}
              />
            )}

            {mine && !m.deleted && (kind === 'group' || readCount > 0) && (
              <button
                type="button"
                class={'read-btn' + (readCount > 0 ? ' has-read' : '')}
                onClick={() => onAction('readers', m)}
                aria-haspopup="dialog"
              >
                {kind === 'direct' ? t('readOne') : t('readN', { n: readCount })}
              </button>
            )}
            {m.edited_at && !m.deleted && <span class="edited">{t('edited')}</span>}
            <time dateTime={new Date(m.created_at).toISOString()} title={formatFull(m.created_at, lang())}>
              {formatTime(m.created_at)}
            </time>
          </div>
        </div>
        {m.reactions && !m.deleted && <Reactions m={m} />}
      </div>
    </li>
  );
}

function EditBox({ m, onDone }: { m: Message; onDone: () => void }) {
  const [text, setText] = useState(m.body);
  const [busy, setBusy] = useState(false);
  const composing = useRef(false);
  const save = async () => {
    if (!sendable(text) || busy) return;
    if (text === m.body) return onDone();
    setBusy(true);
    const ok = await store.edit(m.room, m.seq, text);
    setBusy(false);
    if (ok) onDone();
  };
  return (
    <form
      class="edit-box"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea
        aria-label={t('edit')}
        value={text}
        rows={Math.min(8, text.split('\n').length + 1)}
        data-autofocus
        ref={focusOnce}
        onInput={(e) => setText(e.currentTarget.value)}
        onCompositionStart={() => (composing.current = true)}
        onCompositionEnd={() => (composing.current = false)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
            return;
          }
          if (composerKeyAction(e, store.state.settings.sendKey, composing.current) === 'send') {
            e.preventDefault();
            void save();
          }
        }}
      />
      <div class="edit-actions">
        <button type="button" class="btn btn-small" onClick={onDone}>
          {t('cancel')}
        </button>
        <button type="submit" class="btn btn-small btn-primary" disabled={busy || !sendable(text)}>
          {t('save')}
        </button>
      </div>
    </form>
  );
}

export const MessageItem = memo(MessageItemImpl);
