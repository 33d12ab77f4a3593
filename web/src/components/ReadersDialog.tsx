// Who has read a message and who has not (五十音 order, as the server sends it): the counts
// of the whole room, and each list page by page (a 20,000-member room is never fetched whole).
import { useEffect, useState } from 'preact/hooks';
import type { Message, User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { Dialog } from './Dialog';
import { PersonRow } from './PersonRow';

type List = 'read' | 'unread';
interface Loaded {
  users: User[];
  next: string | null;
  count: number;
}

function People({ list, label, id, onMore }: { list: Loaded; label: string; id: string; onMore: () => void }) {
  return (
    <section class="readers-section" aria-labelledby={id}>
      <h3 id={id}>{label}</h3>
      {list.users.length ? (
        <ul class="people" data-list={id}>
          {list.users.map((u) => (
            <li key={u.id} class="person">
              <PersonRow u={u} />
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('nobody')}</p>
      )}
      {list.next && (
        <button type="button" class="btn btn-small btn-block" onClick={onMore}>
          {t('showMore')}
        </button>
      )}
    </section>
  );
}

export function ReadersDialog({ message, onClose }: { message: Message; onClose: () => void }) {
  const [data, setData] = useState<Record<List, Loaded> | null>(null);
  const [busy, setBusy] = useState(false);
  const fail = (e: unknown) => {
    store.toast(String((e as Error).message), 'error');
    onClose();
  };
  useEffect(() => {
    let live = true;
    store.api.readers(message.room, message.seq).then((d) => {
      if (!live) return;
      setData({
        read: { users: d.read ?? [], next: d.read_next ?? null, count: d.read_count },
        unread: { users: d.unread ?? [], next: d.unread_next ?? null, count: d.unread_count },
      });
    }, fail);
    return () => {
      live = false;
    };
  }, [message.room, message.seq]);
  const more = (list: List) => {
    const cur = data?.[list];
    if (!data || !cur?.next || busy) return;
    setBusy(true);
    store.api.readers(message.room, message.seq, { list, cursor: cur.next }).then((d) => {
      setBusy(false);
      setData({
        ...data,
        [list]: { users: [...cur.users, ...(d[list] ?? [])], next: d[`${list}_next`] ?? null, count: d[`${list}_count`] },
      });
    }, fail);
  };
  return (
    <Dialog title={t('readers')} onClose={onClose}>
      <blockquote class="readers-quote">{message.body.slice(0, 140)}</blockquote>
      {!data ? (
        <p class="muted">{t('loading')}</p>
      ) : (
        <div class="readers">
          <People
            list={data.read}
            label={t('readList', { n: data.read.count.toLocaleString() })}
            id="readers-read"
            onMore={() => more('read')}
          />
          <People
            list={data.unread}
            label={t('unreadList', { n: data.unread.count.toLocaleString() })}
            id="readers-unread"
            onMore={() => more('unread')}
          />
        </div>
      )}
    </Dialog>
  );
}
