// The message composer: Enter sends (or Ctrl+Enter, per settings), never during an IME
// composition; @mention autocomplete by name or reading; one draft per room.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Message } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { composerKeyAction, sendable } from '../util/composer';
import { matches } from '../util/kana';
import { collectMentions, insertMention, mentionQueryAt, type MentionQuery } from '../util/mentions';
import { Icon } from './Icon';
import { MentionSuggest, type Candidate } from './MentionSuggest';

const MAX = 10000;

export function Composer({
  room,
  reply,
  onCancelReply,
  onSent,
}: {
  room: number;
  reply: Message | null;
  onCancelReply: () => void;
  onSent: () => void;
}) {
  const me = useStore((s) => s.me)!;
  const members = useStore((s) => s.members[room]);
  const kind = useStore((s) => s.rooms[room]?.summary.kind);
  const sendKey = useStore((s) => s.settings.sendKey);
  const [text, setText] = useState(() => store.drafts.get(me.id, room));
  const [mq, setMq] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  const composing = useRef(false);
  const ta = useRef<HTMLTextAreaElement>(null);
  const caretAfter = useRef<number | null>(null);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const textRef = useRef(text);
  textRef.current = text;

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
    const users = (members ?? []).map((m) => m.user).filter((u) => u.id !== me.id);
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
    if (!sendable(body)) return;
    const people = (members ?? []).map((m) => ({ id: m.user.id, name: m.user.name })).filter((p) => p.id !== me.id);
    const { mentions, mention_all } = collectMentions(body, people);
    store.send(room, body, reply, mentions, mention_all && kind === 'group');
    change('');
    store.drafts.set(me.id, room, '');
    setMq(null);
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
    if (composerKeyAction(e, sendKey, composing.current) === 'send') {
      e.preventDefault();
      submit();
    }
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
            <span class="quote-body">{reply.body.slice(0, 100)}</span>
          </div>
          <button type="button" class="icon-btn" onClick={onCancelReply} aria-label={t('cancelReply')}>
            <Icon name="close" size={18} />
          </button>
        </div>
      )}
      {open && <MentionSuggest items={candidates} active={active} onPick={pick} />}
      <div class="composer-row">
        <textarea
          ref={ta}
          id="composer-input"
          class="composer-input"
          rows={1}
          maxLength={MAX}
          aria-label={t('composer')}
          placeholder={sendKey === 'enter' ? t('composerPlaceholderEnter') : t('composerPlaceholderCtrl')}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
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
        />
        <button type="submit" class="btn btn-primary send-btn" disabled={!sendable(text)} aria-label={t('send')}>
          <Icon name="send" size={20} />
          <span class="send-label">{t('send')}</span>
        </button>
      </div>
    </form>
  );
}
