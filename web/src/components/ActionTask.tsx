// タスク in the timeline: 完了にする for an assignee, and each assignee's 完了 / 未完了 where
// the reader may see names (the answerers of option 0 and the pending list, 五十音 order).
import { useEffect, useState } from 'preact/hooks';
import { actionAnswers, actionPending } from '../api/collab';
import type { Message, User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { answer, withdraw } from '../state/collabActions';
import { useStore } from '../state/useStore';
import { maySeeNames, type Phase } from '../util/actions';
import { Icon } from './Icon';

interface Who {
  done: User[];
  todo: User[];
}

export function ActionTask({
  m,
  phase,
  busy,
  run,
}: {
  m: Message;
  phase: Phase;
  busy: boolean;
  run: (f: () => Promise<unknown>) => void;
}) {
  const a = m.action!;
  const me = useStore((s) => s.me)!;
  const [who, setWho] = useState<Who | null>(null);
  const mine = a.assignees.includes(me.id);
  const done = !!a.mine?.length;
  const names = maySeeNames(a, m.sender, me.id);

  // At most 100 assignees: one page of each list; again whenever the tally moves.
  useEffect(() => {
    if (!names) return;
    let live = true;
    Promise.all([
      actionAnswers(store.api, m.room, m.seq, 0, 0, { limit: 100 }),
      actionPending(store.api, m.room, m.seq, { limit: 100 }),
    ]).then(
      ([d, p]) => live && setWho({ done: d.users, todo: p.users }),
      () => {}, // the counts stay; the names come with the next change
    );
    return () => {
      live = false;
    };
  }, [names, a.answered, a.pending, m.room, m.seq]);

  return (
    <>
      {mine && (
        <button
          type="button"
          class={'btn action-done' + (done ? ' picked' : ' btn-primary')}
          aria-pressed={done}
          disabled={phase !== 'open' || busy}
          onClick={() =>
            run(() => (done ? withdraw(store.collab, m.room, m.seq) : answer(store.collab, m.room, m.seq, [{ option: 0, value: 0 }])))
          }
        >
          <Icon name="check" size={18} />
          {t(done ? 'actUndoDone' : 'actMarkDone')}
        </button>
      )}
      {who && (
        <ul class="task-people" aria-label={t('actAssigneesList')}>
          {who.done.map((u) => (
            <li key={u.id} class="task-done">
              <Icon name="check" size={16} />
              {u.name}
              <span class="task-state">{t('actDone')}</span>
            </li>
          ))}
          {who.todo.map((u) => (
            <li key={u.id} class="task-todo">
              {u.name}
              <span class="task-state">{t('actTodo')}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
