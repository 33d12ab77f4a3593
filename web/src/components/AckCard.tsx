// 確認必須 in the timeline: the 重要・確認必須 mark, how many confirmed, 確認しました for the
// others (an explicit acknowledgement: opening the room is only 既読), and for the sender (and
// the room's owners and admins) 確認状況: who confirmed and who has not, by department, in
// 五十音 order, with a reminder to those who have not. Loaded with the action stamps' chunk
// and texts (components/lazy.ts): a timeline without such a message never needs it.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { ackList, ackMessage, remindAcks, type AckState } from '../api/collab';
import type { Department, Message, User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { setAcks } from '../state/timeline';
import { useStore } from '../state/useStore';
import { mayManage } from '../util/actions';
import { useBusy } from './ActionCard';
import { ask } from './confirm';
import { departments } from './DeptTree';
import { Dialog } from './Dialog';
import { PersonRow } from './PersonRow';
import './actions.css';

const PAGE = 100;

/** The card of message `m`, or (without it) the composer's toggle: components/lazy.ts Ack. */
export function Ack(p: { m: Message } | { on: boolean; onToggle: () => void }) {
  return 'm' in p ? <AckCard m={p.m} /> : <AckToggle on={p.on} onToggle={p.onToggle} />;
}

/**
 * The composer's 重要・確認必須 toggle (the next text asks members to confirm it) and, while
 * it is on, a note above the composer saying so.
 */
export function AckToggle({ on, onToggle }: { on: boolean; onToggle: () => void }) {
  return (
    <>
    <button
      type="button"
      class={'icon-btn attach-btn ack-toggle' + (on ? ' on' : '')}
      onClick={onToggle}
      aria-label={t('ackToggle')}
      aria-pressed={on}
      title={t('ackToggle')}
    >
      <svg class="icon" width={22} height={22} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M12 4 2.5 20h19L12 4Zm0 6v4.5m0 3v.1" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
      </svg>
    </button>
    {on && (
      <p class="composer-ack" id="composer-ack">
        {t('ackToggleOn')}
      </p>
    )}
    </>
  );
}

export function AckCard({ m }: { m: Message }) {
  const me = useStore((s) => s.me)!;
  const role = useStore((s) => s.rooms[m.room]?.summary.role);
  const [busy, run] = useBusy();
  const [open, setOpen] = useState(false);
  const sender = m.sender === me.id;
  const confirm = () =>
    run(async () => {
      try {
        const n = await ackMessage(store.api, m.room, m.seq);
        store.timelines.change(m.room, (l) => setAcks(l, m.seq, n, true));
      } catch (e) {
        store.hub.fail(e);
      }
    });
  return (
    <div class="ack-card" role="group" aria-label={t('ackBadge')} data-seq={m.seq}>
      <span class="tag tag-ack">{t('ackBadge')}</span>
      <span class="ack-count">{t('ackCount', { n: (m.ack_count ?? 0).toLocaleString() })}</span>
      {!sender &&
        (m.acked ? (
          <span class="ack-done">✓ {t('ackConfirmed')}</span>
        ) : (
          <button type="button" class="btn btn-small btn-primary ack-btn" disabled={busy} onClick={confirm}>
            {t('ackConfirm')}
          </button>
        ))}
      {mayManage(m, me, role) && (
        <button type="button" class="btn btn-small ack-status-btn" aria-haspopup="dialog" onClick={() => setOpen(true)}>
          {t('ackStatus')}
        </button>
      )}
      {open && <AckDialog m={m} onClose={() => setOpen(false)} />}
    </div>
  );
}

interface Loaded {
  users: User[];
  next: string | null;
}

function AckDialog({ m, onClose }: { m: Message; onClose: () => void }) {
  const [state, setState] = useState<AckState>('unacked');
  const [dept, setDept] = useState(0);
  const [depts, setDepts] = useState<Department[]>([]);
  const [list, setList] = useState<Loaded | null>(null);
  const [counts, setCounts] = useState<{ acked: number; unacked: number } | null>(null);
  const [busy, run] = useBusy();
  useEffect(() => {
    departments().then(
      (ds) => setDepts([...ds].sort((a, b) => a.path.localeCompare(b.path, 'ja'))),
      () => setDepts([]),
    );
  }, []);
  useEffect(() => {
    let live = true;
    setList(null);
    ackList(store.api, m.room, m.seq, state, { dept, limit: PAGE }).then(
      (p) => {
        if (!live) return;
        setList({ users: p.users, next: p.next });
        setCounts(p.counts);
      },
      (e) => {
        store.hub.fail(e);
        onClose();
      },
    );
    return () => {
      live = false;
    };
  }, [state, dept]);
  const more = () => {
    if (!list?.next || busy) return;
    run(async () => {
      try {
        const p = await ackList(store.api, m.room, m.seq, state, { dept, after: list.next, limit: PAGE });
        setList({ users: [...list.users, ...p.users], next: p.next });
        setCounts(p.counts);
      } catch (e) {
        store.hub.fail(e);
      }
    });
  };
  const remind = async () => {
    const name = depts.find((d) => d.id === dept)?.name;
    const q = name ? t('ackConfirmRemindDept', { dept: name }) : t('ackConfirmRemind', { n: counts?.unacked ?? 0 });
    if (!(await ask(q, t('ackRemind')))) return;
    run(async () => {
      try {
        store.toast(t('ackReminded', { n: await remindAcks(store.api, m.room, m.seq, dept) }));
      } catch (e) {
        const wait = e instanceof ApiError && e.code === 'rate_limited';
        const ms = Number(e instanceof ApiError && (e.detail.retry_after_ms ?? (e.retryAfter ?? 0) * 1000)) || 60000;
        if (wait) store.toast(t('actRemindWait', { n: Math.max(1, Math.ceil(ms / 60000)) }), 'error');
        else store.hub.fail(e);
      }
    });
  };
  const tab = (s: AckState, label: string) => (
    <button type="button" role="tab" aria-selected={state === s} tabIndex={state === s ? 0 : -1} onClick={() => setState(s)}>
      {label}
    </button>
  );
  return (
    <Dialog title={t('ackStatus')} onClose={onClose} cls="ack-dialog">
      <blockquote class="readers-quote">{m.body.slice(0, 140)}</blockquote>
      <div class="tabs" role="tablist" aria-label={t('ackStatus')}>
        {tab('acked', t('ackListAcked', { n: (counts?.acked ?? m.ack_count ?? 0).toLocaleString() }))}
        {tab('unacked', t('ackListUnacked', { n: counts ? counts.unacked.toLocaleString() : '…' }))}
      </div>
      <label class="ack-dept">
        <span>{t('ackDept')}</span>
        <select value={String(dept)} onChange={(e) => setDept(Number(e.currentTarget.value))}>
          <option value="0">{t('ackAllDepts')}</option>
          {depts.map((d) => (
            <option key={d.id} value={String(d.id)}>
              {d.path || d.name}
            </option>
          ))}
        </select>
      </label>
      {!list ? (
        <p class="muted">{t('loading')}</p>
      ) : (
        <>
          {list.users.length ? (
            <ul class="people" data-list={'ack-' + state}>
              {list.users.map((u) => (
                <li key={u.id} class="person">
                  <PersonRow u={u} />
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{t('actNoOne')}</p>
          )}
          {list.next && (
            <button type="button" class="btn btn-small btn-block" disabled={busy} onClick={more}>
              {t('actShowMore')}
            </button>
          )}
        </>
      )}
      {state === 'unacked' && list && list.users.length > 0 && (
        <div class="dialog-actions">
          <button type="button" class="btn btn-primary ack-remind" disabled={busy} onClick={() => void remind()}>
            {t('ackRemind')}
          </button>
        </div>
      )}
    </Dialog>
  );
}
