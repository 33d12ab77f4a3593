// A colleague's profile (所属 path, title, 内線, status line, 利用停止); one's own with the
// status editable.
import { focusOnce } from '../util/memo';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { deptPath } from '../util/people';
import { Avatar } from './Avatar';
import { PanelHead } from './PanelHead';
import { DisabledMark } from './RoomNotes';

export function ProfileView({ user }: { user: number }) {
  const u = useStore((s) => s.users[user]);
  const me = useStore((s) => s.me)!;
  const isMe = user === me.id;
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void store.loadUser(user);
  }, [user]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (status === null) return;
    setBusy(true);
    const ok = await store.setStatus(status.trim());
    setBusy(false);
    if (ok) {
      setStatus(null);
      store.toast(t('saved'));
    }
  };

  return (
    <div class="profile" aria-labelledby="profile-title">
      <PanelHead title={t('profile')} id="profile-title" />
      {!u ? (
        <p class="muted pad">{t('loading')}</p>
      ) : (
        <div class="details-body">
          <div class={'profile-hero' + (u.disabled ? ' is-off' : '')}>
            <Avatar name={u.name} id={u.id} size={72} />
            <div>
              <h3 class="profile-name">
                {u.name}
                {u.disabled && <DisabledMark />}
              </h3>
              <div class="muted" lang="ja">
                {u.reading}
              </div>
            </div>
          </div>
          {u.disabled && <p class="form-error">{t('accountDisabled')}</p>}
          <dl class="profile-fields">
            <dt>{t('department')}</dt>
            <dd>{deptPath(u) || '—'}</dd>
            <dt>{t('title')}</dt>
            <dd>
              {u.title || '—'}
              {u.role === 'admin' && <span class="tag">{t('admin')}</span>}
            </dd>
            <dt>{t('extension')}</dt>
            <dd>{u.extension || '—'}</dd>
            <dt>{t('status')}</dt>
            <dd class="profile-status">
              {isMe && status !== null ? (
                <form class="status-form" onSubmit={save}>
                  <input
                    aria-label={t('status')}
                    value={status}
                    maxLength={100}
                    placeholder={t('statusPlaceholder')}
                    ref={focusOnce}
                    onInput={(e) => setStatus(e.currentTarget.value)}
                    onKeyDown={(e) => e.key === 'Escape' && setStatus(null)}
                  />
                  <div class="edit-actions">
                    <button type="button" class="btn btn-small" onClick={() => setStatus(null)}>
                      {t('cancel')}
                    </button>
                    <button type="submit" class="btn btn-small btn-primary" disabled={busy}>
                      {t('save')}
                    </button>
                  </div>
                </form>
              ) : (
                <span>{u.status || t('statusEmpty')}</span>
              )}
            </dd>
          </dl>
          {isMe ? (
            status === null && (
              <button type="button" class="btn btn-block" onClick={() => setStatus(u.status)}>
                {t('editStatus')}
              </button>
            )
          ) : (
            // A disabled account cannot be talked to (the server refuses a new 1:1).
            !u.disabled && (
              <button type="button" class="btn btn-primary btn-block" onClick={() => store.startDirect(u.id)}>
                {t('startChat')}
              </button>
            )
          )}
        </div>
      )}
    </div>
  );
}
