// The one line a system message shows (docs/api.md, "System messages"): who did what to the
// room, in natural Japanese (or English). Needs the room texts (i18n loadRoomTexts).
import type { Message, RoomRules, SystemNote } from '../api/types';
import type { Key } from '../i18n';

type T = (key: Key, vars?: Record<string, string | number>) => string;
type Person = { id: number; name: string };

function person(p: Person, me: number, t: T): string {
  return p.id === me ? t('sysYou') : t('sysPerson', { name: p.name });
}

/** "山田さん、鈴木さんほか3人": up to three named, else two and how many more. */
export function people(users: Person[], count: number, me: number, t: T): string {
  const total = Math.max(count, users.length);
  const names = (total <= 3 ? users : users.slice(0, 2)).map((u) => person(u, me, t));
  const rest = total - names.length;
  if (rest > 0) return t('sysOthers', { list: names.join(t('sysSep')), n: rest });
  if (names.length < 2) return names[0] ?? '';
  return t('sysLast', { list: names.slice(0, -1).join(t('sysSep')), last: names[names.length - 1] });
}

/** The rules that differ from a standard room, as a short list ("公式ルーム・組織と同期、お知らせ専用"). */
export function rulesText(r: RoomRules, t: T): string {
  const parts: string[] = [];
  if (r.official) parts.push(t(r.sync ? 'ruleOfficialSync' : 'ruleOfficial'));
  if (r.announcement) parts.push(t('ruleAnnouncement'));
  if (!r.members_invite) parts.push(t('ruleInviteAdmins'));
  if (r.members_edit) parts.push(t('ruleMembersEdit'));
  return parts.join(t('sysSep')) || t('ruleStandard');
}

export function systemText(m: Message, me: number, t: T): string {
  const s = sentence(m, me, t);
  return s.charAt(0).toUpperCase() + s.slice(1); // "you added …" starts a sentence
}

function sentence(m: Message, me: number, t: T): string {
  const n: SystemNote | undefined = m.system;
  if (!n) return t('sysOther');
  const actor = m.sender ? person({ id: m.sender, name: m.sender_name }, me, t) : t('sysTonari');
  const users = people(n.users ?? [], n.count ?? 0, me, t);
  const org = !m.sender || n.reason === 'org';
  const text = (key: Key, more: Record<string, string | number> = {}) => t(key, { actor, users, ...more });
  switch (n.action) {
    case 'room_created':
      return text('sysCreated', { name: n.name ?? '' });
    case 'renamed':
      if (!n.name) break;
      return n.old_name ? text('sysRenamed', { name: n.name, old: n.old_name }) : text('sysRenamedTo', { name: n.name });
    case 'description_changed':
      return text(n.description ? 'sysDescribed' : 'sysDescriptionCleared');
    case 'rules_changed':
      if (!n.rules) break;
      return text(m.sender ? 'sysRules' : 'sysRulesBy0', { rules: rulesText(n.rules, t) });
    case 'members_added':
      return text(org ? 'sysAddedOrg' : 'sysAdded');
    case 'member_removed':
      return text(org ? 'sysRemovedOrg' : 'sysRemoved');
    case 'member_left':
      return text('sysLeft');
    case 'role_changed':
      if (n.reason === 'owner_left') return text('sysOwnerLeft');
      if (n.reason === 'owner_disabled') return text('sysOwnerDisabled');
      return text(n.role === 'owner' ? 'sysRoleOwner' : n.role === 'admin' ? 'sysRoleAdmin' : 'sysRoleMember');
    case 'taken_over':
      return text('sysTakenOver');
    case 'action_closed':
      return text('sysActionClosed', { title: n.title ?? '' });
    case 'action_reminded':
      return text('sysActionReminded', { title: n.title ?? '', n: n.count ?? 0 });
    case 'ack_reminded':
      return text('sysAckReminded', { n: n.count ?? 0 });
    case 'note_created':
      return text('sysNoteCreated', { title: n.title ?? '' });
    case 'note_updated':
      return n.restored_from
        ? text('sysNoteRestored', { title: n.title ?? '', n: n.restored_from })
        : text('sysNoteUpdated', { title: n.title ?? '' });
    case 'note_deleted':
      return text('sysNoteDeleted', { title: n.title ?? '' });
  }
  return t('sysOther');
}
