// Small pieces about room rules and people, loaded with the room texts (components/lazy.ts):
// system messages (a note's opens it), the official/announcement badges, the 利用停止 mark,
// the header's second line, the line that replaces the composer where one may not post.
import type { Message, RoomRules, RoomSummary, User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { findBySeq } from '../state/timeline';
import { useStore } from '../state/useStore';
import { openNote } from '../state/notesBridge';
import { deptPath } from '../util/people';
import { remindsMe } from '../util/reminder';
import { systemText } from '../util/systemText';
import './rooms.css';

/** A system message's line (timeline notice, room list preview). */
export function SystemText({ m }: { m: Message }) {
  return <>{systemText(m, store.state.me?.id ?? 0, t)}</>;
}

/**
 * A system message's notice in the timeline. A reminder of an action stamp I have not
 * answered is a mention (util/reminder.ts), until I answer; a note's notice opens the note
 * (not once it is deleted).
 */
export function SystemNoticeText({ m }: { m: Message }) {
  const me = store.state.me?.id ?? 0;
  const mention = useStore((s) => {
    const tl = s.timelines[m.room];
    return remindsMe(m, tl && m.system?.seq ? findBySeq(tl.messages, m.system.seq) : undefined, me);
  });
  const n = m.system;
  const note = n?.note && n.action !== 'note_deleted' ? n.note : 0;
  if (note) {
    return (
      <button type="button" class="sys-link" onClick={() => openNote(m.room, note)}>
        {systemText(m, me, t)}
      </button>
    );
  }
  return (
    <span class={mention ? 'mentioned' : undefined}>
      {mention && <span class="sr-only">{t('mentionedYou')}: </span>}
      {systemText(m, me, t)}
    </span>
  );
}

export function RoomBadges({ rules }: { rules: RoomRules }) {
  return (
    <>
      {rules.official && <span class="tag tag-official">{t('badgeOfficial')}</span>}
      {rules.announcement && <span class="tag tag-announce">{t('badgeAnnouncement')}</span>}
    </>
  );
}

export function DisabledMark() {
  return <span class="tag tag-off">{t('disabledMark')}</span>;
}

/** 所属 path, title, 内線 and ひとこと on one line. */
export function personFacts(u: User): string {
  return [deptPath(u), u.title, u.extension && t('extensionN', { n: u.extension }), u.status].filter(Boolean).join(' · ');
}

/** The room header's second line: the peer of a 1:1, or a group's rules, size and description. */
export function RoomSub({ s, peer }: { s: RoomSummary; peer?: User }) {
  if (s.kind === 'direct') {
    if (!peer) return <>{t('directChat')}</>;
    return (
      <>
        {peer.disabled && <DisabledMark />}
        <span title={personFacts(peer)}>{personFacts(peer) || t('directChat')}</span>
      </>
    );
  }
  return (
    <>
      <RoomBadges rules={s.rules} />
      <span title={s.description || undefined}>
        {t('memberCount', { n: s.member_count })}
        {s.description && ' · ' + s.description}
      </span>
    </>
  );
}

/** In place of the composer for who may not post (an announcement room's members). */
export function PostingClosed({ rules }: { rules: RoomRules }) {
  return <p class="posting-closed">{t(rules.announcement ? 'announcementOnly' : 'cannotPost')}</p>;
}
