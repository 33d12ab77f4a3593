// Room info: name, badges and description (settings), members with their roles (profiles,
// add, change role, remove), leave. Only what RoomSummary.can allows is offered.
import { useEffect, useState } from 'preact/hooks';
import type { Member, RoomRole, RoomSummary } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { loadNotes } from '../state/collabActions';
import { useStore } from '../state/useStore';
import { AddMembersDialog, RoomSettingsDialog } from './lazy';
import { Avatar } from './Avatar';
import { ask } from './confirm';
import { Icon } from './Icon';
import { Menu, type MenuItem } from './Menu';
import { PanelHead } from './PanelHead';
import { PersonRow } from './PersonRow';
import { RoomBadges } from './RoomNotes';

const ROLE_LABEL = { owner: 'roleOwner', admin: 'roleAdmin', member: 'roleMember' } as const;

/** The ⋯ menu of one member: change the role (can.set_roles), remove (can.remove). */
function MemberMenu({ s, m }: { s: RoomSummary; m: Member }) {
  const name = m.user.name;
  const items: MenuItem[] = [];
  const roles: [RoomRole, 'makeAdmin' | 'makeOwner' | 'makeMember'][] = [
    ['admin', 'makeAdmin'],
    ['owner', 'makeOwner'],
    ['member', 'makeMember'],
  ];
  for (const [role, label] of s.can.set_roles ? roles : []) {
    if (m.role === role) continue;
    items.push({
      label: t(label),
      icon: 'user',
      run: async () => {
        if (await store.setRole(s.id, m.user.id, role)) store.toast(t('roleChanged', { name, role: t(ROLE_LABEL[role]) }));
      },
    });
  }
  if (s.can.remove) {
    items.push({
      label: t('removeFromRoom'),
      icon: 'close',
      danger: true,
      run: async () => {
        if (await ask(t('confirmRemove', { name }), t('remove'))) void store.removeMember(s.id, m.user.id);
      },
    });
  }
  if (!items.length) return null;
  return <Menu label={t('memberActions', { name })} items={items} wrapClass="menu-wrap" btnClass="member-menu-btn" menuClass="member-menu" />;
}

export function DetailsPanel({ room }: { room: number }) {
  const entry = useStore((s) => s.rooms[room]);
  const members = useStore((s) => s.members[room]);
  const more = useStore((s) => s.membersNext[room]);
  const me = useStore((s) => s.me)!;
  const notes = useStore((s) => s.notes[room]);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(false);
  const s = entry?.summary;
  const withNotes = !!s && (s.kind === 'group' || s.can.edit_notes);
  useEffect(() => {
    if (withNotes && !store.state.notes[room]) void loadNotes(store.collab, room);
  }, [room, withNotes]);
  if (!s) return null;
  const group = s.kind === 'group';
  const can = s.can;

  return (
    <div class="details" aria-labelledby="details-title">
      <PanelHead title={t('detailsTitle')} id="details-title" />
      <div class="details-body">
        <div class="details-hero">
          <Avatar name={s.name} id={s.kind === 'direct' ? s.peer ?? s.id : s.id + 100} size={56} group={group} />
          <div class="details-name">
            <h3>{s.name}</h3>
            <span class="muted">
              {group && <RoomBadges rules={s.rules} />}
              {group ? t('groupRoom') + ' · ' + t('memberCount', { n: s.member_count }) : t('directChat')}
            </span>
            {group && (can.edit_info || can.edit_rules || can.edit_official) && (
              <button type="button" class="btn btn-small" onClick={() => setEditing(true)}>
                <Icon name="edit" size={16} /> {t('roomSettings')}
              </button>
            )}
          </div>
        </div>
        {group && (
          <section aria-labelledby="desc-title">
            <h3 id="desc-title" class="section-head">
              {t('description')}
            </h3>
            <p class={'details-desc' + (s.description ? '' : ' muted')}>{s.description || t('noDescription')}</p>
          </section>
        )}

        {withNotes && (
          <button type="button" class="details-link" onClick={() => store.navigate({ room, panel: 'notes' })}>
            <Icon name="note" size={18} />
            <span class="details-link-label">{notes ? t('notesN', { n: notes.length }) : t('notes')}</span>
            <Icon name="right" size={18} />
          </button>
        )}

        <section aria-labelledby="members-title">
          <div class="section-head">
            <h3 id="members-title">
              {t('members')} ({s.member_count.toLocaleString()})
            </h3>
            {group && can.invite && (
              <button type="button" class="btn btn-small" onClick={() => setAdding(true)}>
                <Icon name="plus" size={16} /> {t('addMembers')}
              </button>
            )}
          </div>
          {!members ? (
            <p class="muted">{t('loading')}</p>
          ) : (
            <ul class="people members">
              {members.map((m) => (
                <li key={m.user.id} class="member-row">
                  <button
                    type="button"
                    class="person pick"
                    onClick={() => store.navigate({ room, panel: { user: m.user.id } })}
                  >
                    <PersonRow
                      u={m.user}
                      extra={
                        [m.user.id === me.id && t('you'), group && m.role !== 'member' && t(ROLE_LABEL[m.role])]
                          .filter(Boolean)
                          .join(' · ') || undefined
                      }
                    />
                  </button>
                  {group && m.user.id !== me.id && <MemberMenu s={s} m={m} />}
                </li>
              ))}
            </ul>
          )}
          {members && more && (
            <button type="button" class="btn btn-small btn-block" onClick={() => void store.loadMoreMembers(room)}>
              {t('showMore')}
            </button>
          )}
        </section>

        {group && can.leave && (
          <button
            type="button"
            class="btn btn-danger btn-block"
            onClick={async () => {
              if (!(await ask(t('confirmLeave', { name: s.name }), t('leave')))) return;
              if (await store.removeMember(room, me.id)) store.toast(t('left'));
            }}
          >
            <Icon name="logout" size={18} /> {t('leaveRoom')}
          </button>
        )}
        {group && !can.leave && s.rules.official && <p class="muted leave-note">{t('cannotLeaveOfficial')}</p>}
      </div>
      {adding && members && (
        <AddMembersDialog room={room} current={new Set(members.map((m) => m.user.id))} onClose={() => setAdding(false)} />
      )}
      {editing && <RoomSettingsDialog s={s} onClose={() => setEditing(false)} />}
    </div>
  );
}
