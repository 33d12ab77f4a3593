// The message composer: Enter sends (or Ctrl+Enter, per settings), never during an IME
// composition; @mention autocomplete by name or reading; one draft per room. Files are
// attached with the clip button, a pasted screenshot, or on a phone the camera and the
// photo library; the message goes with them once every upload has finished. The stamp
// button opens the stamp picker; a stamp chosen there is sent at once. The action stamp
// button asks the room view for its creation dialog (onAsk).
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Message } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { COUNT_FROM, composerKeyAction, lengthAfterPaste, MAX_CHARS, sendable, type SendMode } from '../util/composer';
import { matches } from '../util/kana';
import { collectMentions, insertMention, mentionQueryAt, type MentionQuery } from '../util/mentions';
import { useAttachments } from '../state/useAttachments';
import { Icon } from './Icon';
import { Ack, AttachmentTray, StampPicker } from './lazy';
import { MentionSuggest, type Candidate } from './MentionSuggest';

/** A touch screen (a phone, a tablet): its keyboard has no Shift+Enter, so the button sends. */
const touch = () => typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;

/** Attaches files to the room's next message; says so when some did not fit. */
export function attachFiles(room: number, files: File[], pasted = false): void {
  if (!files.length) return;
  store.attachments.add(room, files, pasted ? t('pastedPrefix') : undefined).then(
    (refused) => {
      if (refused > 0) store.toast(t('attachLimit', { n: 10 }), 'error');
    },
    (e) => store.toast(t('errGeneric', { msg: String((e as Error)?.message ?? e) }), 'error'),
  );
}

export function Composer({
  room,
  reply,
  onCancelReply,
  onSent,
  onAsk,
}: {
  room: number;
  reply: Message | null;
  onCancelReply: () => void;
  onSent: () => void;
  /** Opens the action stamp dialog. */
  onAsk: () => void;
}) {
  const me = useStore((s) => s.me)!;
  const members = useStore((s) => s.members[room]);
  const kind = useStore((s) => s.rooms[room]?.summary.kind);
  const sendKey = useStore((s) => s.settings.sendKey);
  const mode: SendMode = touch() ? 'button' : sendKey;
  const [note, setNote] = useState<string | null>(null);
  const [text, setText] = useState(() => store.drafts.get(me.id, room));
  const [mq, setMq] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  const composing = useRef(false);
  const ta = useRef<HTMLTextAreaElement>(null);
  const caretAfter = useRef<number | null>(null);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const textRef = useRef(text);
  textRef.current = text;
  const attached = useAttachments(room);
  const attachState = store.attachments.state(room);
  const fileInput = useRef<HTMLInputElement>(null);
  const cameraInput = useRef<HTMLInputElement>(null);
  const photoInput = useRef<HTMLInputElement>(null);
  const stampBtn = useRef<HTMLButtonElement>(null);
  const [stamps, setStamps] = useState(false);
  // 重要・確認必須: the next text asks members to confirm it (one send at a time).
  const [ack, setAck] = useState(false);
  const canSend = (sendable(text) || attachState === 'ready') && (attachState === 'empty' || attachState === 'ready');

  // Keep the draft when leaving the room (the component is keyed by room).
  useEffect(
    () => () => {
      if (saveTimer.current) clearTimeout(saveTimer.current);
      store.drafts.set(me.id, room, textRef.current);
    },
    [],
  );

  useLayoutEffect(() => {
    const el = ta.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = Math.min(el.scrollHeight + 2, Math.round(window.innerHeight * 0.4)) + 'px';
    if (caretAfter.current !== null) {
      el.setSelectionRange(caretAfter.current, caretAfter.current);
      caretAfter.current = null;
    }
  }, [text]);

  const candidates = useMemo((): Candidate[] => {
    if (!mq) return [];
    // 利用停止 accounts are not offered: they would never read it.
    const users = (members ?? []).map((m) => m.user).filter((u) => u.id !== me.id && !u.disabled);
    const list: Candidate[] = users
      .filter((u) => matches(mq.query, u.name, u.reading, u.login))
      .slice(0, 8)
      .map((u) => ({ id: u.id, name: u.name, user: u }));
    if (kind === 'group' && matches(mq.query, 'all', '全員', 'ぜんいん', 'みんな')) list.push({ id: 0, name: 'all', all: true });
    return list;
  }, [mq, members, kind, me.id]);
  const open = !!mq && candidates.length > 0;

  const refreshMention = () => {
    const el = ta.current;
    if (!el) return;
    const q = composing.current ? null : mentionQueryAt(el.value, el.selectionStart ?? el.value.length);
    setMq((prev) => (prev?.start === q?.start && prev?.query === q?.query ? prev : q));
    if (!q || q.query !== mq?.query) setActive(0);
  };

  const change = (v: string) => {
    setText(v);
    setNote(null);
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(() => store.drafts.set(me.id, room, v), 400);
  };

  const pick = (c: Candidate) => {
    const el = ta.current;
    if (!el || !mq) return;
    const r = insertMention(el.value, mq, el.selectionStart ?? el.value.length, c.all ? 'all' : c.name);
    caretAfter.current = r.caret;
    change(r.text);
    setMq(null);
  };

  const submit = () => {
    const body = text.trim();
    if (attachState === 'busy' || attachState === 'failed') {
      store.toast(t('waitUploads'));
      return;
    }
    if (!sendable(body) && attachState !== 'ready') return;
    const files = store.attachments.take(room);
    const people = (members ?? []).map((m) => ({ id: m.user.id, name: m.user.name })).filter((p) => p.id !== me.id);
    const { mentions, mention_all } = collectMentions(body, people);
    // (The outbox itself: store.send has no extra, and the initial load no room for one.)
    store.outbox.send(room, body, reply, mentions, mention_all && kind === 'group', files, { ack_required: ack });
    setAck(false);
    change('');
    store.drafts.set(me.id, room, '');
    setMq(null);
    onSent();
  };

  const closeStamps = () => {
    setStamps(false);
    stampBtn.current?.focus();
  };
  const sendStamp = (id: string) => {
    store.sendSpecial(room, { stamp: id }, '', reply);
    closeStamps();
    onSent();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const isComposing = e.isComposing || composing.current || e.keyCode === 229;
    if (open && !isComposing) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = candidates.length;
        setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % n : (a - 1 + n) % n));
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(candidates[Math.min(active, candidates.length - 1)]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setMq(null);
        return;
      }
    }
    if (e.key === 'Escape' && reply) {
      onCancelReply();
      return;
    }
    if (composerKeyAction(e, mode, composing.current) === 'send') {
      e.preventDefault();
      submit();
    }
  };

  const picked = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    attachFiles(room, Array.from(input.files ?? []));
    input.value = ''; // the same file may be picked again
  };

  // A pasted screenshot (image data and no text) is attached; a paste that carries text
  // too (cells copied from Excel come with a picture of them) pastes the text.
  const onPaste = (e: ClipboardEvent) => {
    const dt = e.clipboardData;
    if (!dt) return;
    const pasted = dt.getData('text/plain');
    const el = e.currentTarget as HTMLTextAreaElement;
    const n = pasted ? lengthAfterPaste(el.value, el.selectionStart ?? 0, el.selectionEnd ?? 0, pasted) : 0;
    if (n > MAX_CHARS) {
      // Never cut silently: the whole paste is refused, and the composer says why.
      e.preventDefault();
      setNote(t('pasteTooLong', { n, max: MAX_CHARS }));
      return;
    }
    if (!dt.files || dt.files.length === 0) return;
    if (pasted) return;
    e.preventDefault();
    attachFiles(room, Array.from(dt.files), true);
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {reply && (
        <div class="reply-bar">
          <div class="quote">
            <span class="quote-name">{t('replyTo', { name: reply.sender_name })}</span>
            <span class="quote-body">{reply.body.slice(0, 100) || (reply.stamp && t('stampPreview'))}</span>
          </div>
          <button type="button" class="icon-btn" onClick={onCancelReply} aria-label={t('cancelReply')}>
            <Icon name="close" size={18} />
          </button>
        </div>
      )}
      {open && <MentionSuggest items={candidates} active={active} onPick={pick} />}
      {attached.length > 0 && <AttachmentTray room={room} list={attached} />}
      {stamps && <StampPicker onPick={sendStamp} onClose={closeStamps} />}
      <div class="composer-row">
        <div class="attach-btns">
          <button
            type="button"
            class="icon-btn attach-btn"
            onClick={() => fileInput.current?.click()}
            aria-label={t('attachFile')}
            title={t('attach')}
          >
            <Icon name="clip" size={22} />
          </button>
          <button
            ref={stampBtn}
            type="button"
            class="icon-btn attach-btn stamp-btn"
            onClick={() => setStamps(!stamps)}
            aria-label={t('stampPreview')}
            aria-haspopup="dialog"
            aria-expanded={stamps}
            title={t('stampPreview')}
          >
            <Icon name="smile" size={22} />
          </button>
          <button
            type="button"
            class="icon-btn attach-btn attach-phone"
            onClick={() => cameraInput.current?.click()}
            aria-label={t('takePhoto')}
          >
            <Icon name="camera" size={22} />
          </button>
          <button
            type="button"
            class="icon-btn attach-btn attach-phone"
            onClick={() => photoInput.current?.click()}
            aria-label={t('choosePhoto')}
          >
            <Icon name="image" size={22} />
          </button>
          <button
            type="button"
            class="icon-btn attach-btn"
            onClick={onAsk}
            aria-label={t('actionStamp')}
            title={t('actionStamp')}
            aria-haspopup="dialog"
          >
            <Icon name="action" size={22} />
          </button>
          <Ack on={ack} onToggle={() => setAck(!ack)} />
          <input ref={fileInput} type="file" multiple hidden tabIndex={-1} data-input="file" onChange={picked} />
          <input
            ref={cameraInput}
            type="file"
            accept="image/*"
            capture="environment"
            hidden
            tabIndex={-1}
            data-input="camera"
            onChange={picked}
          />
          <input ref={photoInput} type="file" accept="image/*" multiple hidden tabIndex={-1} data-input="photo" onChange={picked} />
        </div>
        <textarea
          ref={ta}
          id="composer-input"
          class="composer-input"
          rows={1}
          maxLength={MAX_CHARS}
          aria-label={t('composer')}
          placeholder={
            mode === 'button'
              ? t('composerPlaceholderTouch')
              : mode === 'enter'
                ? t('composerPlaceholderEnter')
                : t('composerPlaceholderCtrl')
          }
          enterkeyhint={mode === 'button' ? 'enter' : 'send'}
          aria-autocomplete="list"
          aria-describedby={text.length >= COUNT_FROM || note ? 'composer-note' : undefined}
          aria-controls={open ? 'mention-list' : undefined}
          aria-activedescendant={open ? 'mention-opt-' + active : undefined}
          value={text}
          onInput={(e) => {
            change(e.currentTarget.value);
            refreshMention();
          }}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => {
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') refreshMention();
          }}
          onClick={refreshMention}
          onCompositionStart={() => {
            composing.current = true;
          }}
          onCompositionEnd={() => {
            composing.current = false;
            refreshMention();
          }}
          onBlur={() => setTimeout(() => setMq(null), 150)}
          onPaste={onPaste}
        />
        <button type="submit" class="btn btn-primary send-btn" disabled={!canSend} aria-label={t('send')}>
          <Icon name="send" size={20} />
          <span class="send-label">{t('send')}</span>
        </button>
      </div>
      {(text.length >= COUNT_FROM || note) && (
        <p id="composer-note" class={'composer-note' + (note ? ' error' : '')} role={note ? 'alert' : undefined}>
          {note ?? t('charCount', { n: text.length, max: MAX_CHARS })}
        </p>
      )}
    </form>
  );
}
