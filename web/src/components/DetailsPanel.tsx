// Room info: name (rename), members (profiles, add, remove), leave.
import { focusOnce } from '../util/memo';
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { AddMembersDialog } from './lazy';
import { Avatar } from './Avatar';
import { ask } from './confirm';
import { Icon } from './Icon';
import { PanelHead } from './PanelHead';
import { PersonRow } from './PersonRow';

export function DetailsPanel({ room }: { room: number }) {
  const entry = useStore((s) => s.rooms[room]);
  const members = useStore((s) => s.members[room]);
  const more = useStore((s) => s.membersNext[room]);
  const me = useStore((s) => s.me)!;
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState('');
  if (!entry) return null;
  const s = entry.summary;
  const group = s.kind === 'group';
  // The server decides (owner or municipality admin may remove others); this only hides
  // buttons that would be refused.
  const mayRemoveOthers = s.role === 'owner' || me.role === 'admin';

  const rename = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return;
    if (await store.rename(room, name.trim())) setRenaming(false);
  };

  return (
    <div class="details" aria-labelledby="details-title">
      <PanelHead title={t('detailsTitle')} id="details-title" />
      <div class="details-body">
        <div class="details-hero">
          <Avatar name={s.name} id={s.kind === 'direct' ? s.peer ?? s.id : s.id + 100} size={56} group={group} />
          {renaming ? (
            <form class="rename-form" onSubmit={rename}>
              <label class="field">
                <span>{t('roomName')}</span>
                <input
                  value={name}
                  maxLength={100}
                  required
                  ref={focusOnce}
                  onInput={(e) => setName(e.currentTarget.value)}
                  onKeyDown={(e) => e.key === 'Escape' && setRenaming(false)}
                />
              </label>
              <div class="edit-actions">
                <button type="button" class="btn btn-small" onClick={() => setRenaming(false)}>
                  {t('cancel')}
                </button>
                <button type="submit" class="btn btn-small btn-primary">
                  {t('save')}
                </button>
              </div>
            </form>
          ) : (
            <div class="details-name">
              <h3>{s.name}</h3>
              <span class="muted">{group ? t('groupRoom') + ' · ' + t('memberCount', { n: s.member_count }) : t('directChat')}</span>
              {group && (
                <button
                  type="button"
                  class="btn btn-small"
                  onClick={() => {
                    setName(s.name);
                    setRenaming(true);
                  }}
                >
                  <Icon name="edit" size={16} /> {t('rename')}
                </button>
              )}
            </div>
          )}
        </div>

        <section aria-labelledby="members-title">
          <div class="section-head">
            <h3 id="members-title">
              {t('members')} ({s.member_count.toLocaleString()})
            </h3>
            {group && (
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
                      extra={m.user.id === me.id ? t('you') : m.role === 'owner' ? t('owner') : undefined}
                    />
                  </button>
                  {group && mayRemoveOthers && m.user.id !== me.id && (
                    <button
                      type="button"
                      class="icon-btn"
                      aria-label={t('removeMember', { name: m.user.name })}
                      onClick={() => {
                        void ask(t('confirmRemove', { name: m.user.name }), t('remove')).then(
                          (yes) => {
                            if (yes) void store.removeMember(room, m.user.id);
                          },
                        );
                      }}
                    >
                      <Icon name="close" size={18} />
                    </button>
                  )}
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

        {group && (
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
      </div>
      {adding && members && (
        <AddMembersDialog room={room} current={new Set(members.map((m) => m.user.id))} onClose={() => setAdding(false)} />
      )}
    </div>
  );
}
