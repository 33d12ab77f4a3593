// Who has read a message (五十音 order, as the server sends it) and who has not.
import { useEffect, useState } from 'preact/hooks';
import type { Message, User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';

function People({ users, label, id }: { users: User[]; label: string; id: string }) {
  return (
    <section class="readers-section" aria-labelledby={id}>
      <h3 id={id}>{label}</h3>
      {users.length ? (
        <ul class="people" data-list={id}>
          {users.map((u) => (
            <li key={u.id} class="person">
              <Avatar name={u.name} id={u.id} size={32} />
              <span class="person-text">
                <span class="person-name">{u.name}</span>
                <span class="person-sub">{[u.department?.name, u.title].filter(Boolean).join(' ')}</span>
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('nobody')}</p>
      )}
    </section>
  );
}

export function ReadersDialog({ message, onClose }: { message: Message; onClose: () => void }) {
  const [data, setData] = useState<{ read: User[]; unread: User[] } | null>(null);
  useEffect(() => {
    let live = true;
    store.api.readers(message.room, message.seq).then(
      (d) => live && setData(d),
      (e) => {
        store.toast(String((e as Error).message), 'error');
        onClose();
      },
    );
    return () => {
      live = false;
    };
  }, [message.room, message.seq]);
  return (
    <Dialog title={t('readers')} onClose={onClose}>
      <blockquote class="readers-quote">{message.body.slice(0, 140)}</blockquote>
      {!data ? (
        <p class="muted">{t('loading')}</p>
      ) : (
        <div class="readers">
          <People users={data.read} label={t('readList', { n: data.read.length })} id="readers-read" />
          <People users={data.unread} label={t('unreadList', { n: data.unread.length })} id="readers-unread" />
        </div>
      )}
    </Dialog>
  );
}
