// An action stamp in the timeline: the question, one-tap answers with mine marked, the live
// tally (as the server lets the reader see it), the deadline or 締切済み / 終了, and for who
// may manage it 締め切る and 未回答者に催促. Loaded with the action texts (components/lazy.ts).
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { remindAction } from '../api/collab';
import type { ActionState, Message } from '../api/types';
import { lang, t, type Key } from '../i18n';
import { store } from '../state/app';
import { answer, closeAction, loadAction, withdraw } from '../state/collabActions';
import { useStore } from '../state/useStore';
import { countOf, deadlineText, mayManage, maySeeNames, myValue, optionLabels, phaseOf, tapPicks, type Phase } from '../util/actions';
import { ActionResults } from './ActionResults';
import { ActionSchedule } from './ActionSchedule';
import { ActionTask } from './ActionTask';
import { ask } from './confirm';
import { Icon } from './Icon';
import './actions.css';

const KIND: Record<ActionState['kind'], Key> = {
  yesno: 'actKindYesno',
  attendance: 'actKindAttendance',
  choice: 'actKindChoice',
  schedule: 'actKindSchedule',
  task: 'actKindTask',
};

/** The time now, again when the deadline passes (so the card turns 締切済み by itself). */
function useNow(deadline: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const left = deadline - Date.now();
    if (!deadline || left <= 0 || left > 0x7fffffff) return;
    const timer = setTimeout(() => setNow(Date.now()), left + 50);
    return () => clearTimeout(timer);
  }, [deadline]);
  return now;
}

const stop = (e: Event) => e.stopPropagation();

/** Runs an answer (or withdrawal) once at a time; the server's refusal is told by the store. */
export function useBusy(): [boolean, (run: () => Promise<unknown>) => void] {
  const [busy, setBusy] = useState(false);
  return [
    busy,
    (run) => {
      if (busy) return;
      setBusy(true);
      void run().finally(() => setBusy(false));
    },
  ];
}

export function ActionCard({ m }: { m: Message }) {
  const a = m.action!;
  const me = useStore((s) => s.me)!;
  const role = useStore((s) => s.rooms[m.room]?.summary.role);
  const [busy, run] = useBusy();
  const [results, setResults] = useState(false);
  const now = useNow(a.deadline);
  const phase = phaseOf(a, now);
  const id = 'act-' + m.seq;
  const manage = mayManage(m, me, role);
  // Nothing to show beyond the card to whom the results are hidden (not public, not the asker).
  const canOpenResults = !!a.counts || maySeeNames(a, m.sender, me.id);
  // The asker sees counts that events leave out (results not public): asked for once here,
  // then each action.updated brings them again (state/collab.ts).
  useEffect(() => {
    if (m.sender === me.id && !a.counts) void loadAction(store.collab, m.room, m.seq);
  }, []);

  const close = async () => {
    if (await ask(t('actConfirmClose', { title: a.title }), t('actClose'))) run(() => closeAction(store.collab, m.room, m.seq));
  };
  const remind = async () => {
    if (!(await ask(t('actConfirmRemind', { n: a.pending }), t('actRemindSend')))) return;
    run(async () => {
      try {
        store.toast(t('actReminded', { n: await remindAction(store.api, m.room, m.seq) }));
      } catch (e) {
        const wait = e instanceof ApiError && e.code === 'rate_limited';
        const ms = Number(e instanceof ApiError && (e.detail.retry_after_ms ?? (e.retryAfter ?? 0) * 1000)) || 60000;
        if (wait) store.toast(t('actRemindWait', { n: Math.max(1, Math.ceil(ms / 60000)) }), 'error');
        else store.hub.fail(e);
      }
    });
  };

  return (
    <div class={'action-card phase-' + phase} role="group" aria-labelledby={id} data-kind={a.kind}>
      <div class="action-head">
        <span class="action-kind">{t(KIND[a.kind])}</span>
        {a.anonymous && <span class="tag tag-anon">{t('actBadgeAnonymous')}</span>}
        {!a.public && <span class="tag">{t('actBadgeAskerOnly')}</span>}
        <PhaseLine a={a} phase={phase} />
      </div>
      <p class="action-title" id={id}>
        {a.title}
      </p>
      {a.kind === 'schedule' ? (
        <ActionSchedule m={m} phase={phase} busy={busy} run={run} />
      ) : a.kind === 'task' ? (
        <ActionTask m={m} phase={phase} busy={busy} run={run} />
      ) : (
        <Choices m={m} open={phase === 'open'} busy={busy} run={run} />
      )}
      <p class="action-tally">
        {a.kind === 'task'
          ? t('actDoneOf', { n: a.answered, total: a.answered + a.pending })
          : t('actAnswered', { n: a.answered }) + ' · ' + t('actPending', { n: a.pending })}
      </p>
      {(canOpenResults || manage) && (
        <div class="action-foot">
          {canOpenResults && (
            <button type="button" class="btn btn-small" aria-haspopup="dialog" onClick={() => setResults(true)}>
              {t('actResults')}
            </button>
          )}
          {manage && phase === 'open' && a.pending > 0 && (
            <button type="button" class="btn btn-small" disabled={busy} onClick={() => void remind()}>
              {t('actRemind')}
            </button>
          )}
          {manage && phase !== 'closed' && (
            <button type="button" class="btn btn-small btn-danger" disabled={busy} onClick={() => void close()}>
              {t('actClose')}
            </button>
          )}
        </div>
      )}
      {results && (
        // Inside the message's bubble in the DOM, not part of it: a press in the dialog is not
        // a long press on the message (its reactions).
        <div class="action-results" onPointerDown={stop} onContextMenu={stop}>
          <ActionResults room={m.room} seq={m.seq} onClose={() => setResults(false)} />
        </div>
      )}
    </div>
  );
}

function PhaseLine({ a, phase }: { a: ActionState; phase: Phase }) {
  if (phase === 'closed') return <span class="tag tag-closed">{t('actClosed')}</span>;
  if (phase === 'expired') return <span class="tag tag-closed">{t('actExpired')}</span>;
  if (!a.deadline) return null;
  const at = deadlineText(a.deadline, lang());
  return <span class="action-deadline">{t(a.kind === 'task' ? 'actDueAt' : 'actDeadlineAt', { at })}</span>;
}

/** はい/いいえ, 出欠 and 選択: a button per option; a tap answers, a second one withdraws. */
function Choices({ m, open, busy, run }: { m: Message; open: boolean; busy: boolean; run: (f: () => Promise<unknown>) => void }) {
  const a = m.action!;
  const labels = optionLabels(a, t);
  const fixed = !!a.mine?.length && !a.changeable;
  // With several picks a bar is the share of the answerers; with one, of the answers.
  const total = Math.max(1, a.answered);
  const tap = (option: number) => {
    const picks = tapPicks(a, option);
    if (picks === undefined) return;
    run(() => (picks ? answer(store.collab, m.room, m.seq, picks) : withdraw(store.collab, m.room, m.seq)));
  };
  return (
    <>
      {a.multiple && open && <p class="action-hint">{t('actMultipleHint')}</p>}
      <ul class="action-options">
        {labels.map((label, i) => {
          const picked = myValue(a, i) >= 0;
          const n = countOf(a, i);
          return (
            <li key={i}>
              <button
                type="button"
                class={'action-opt' + (picked ? ' picked' : '')}
                aria-pressed={picked}
                disabled={!open || busy || fixed}
                onClick={() => tap(i)}
              >
                {a.counts && <span class="action-bar" style={{ width: (n / total) * 100 + '%' }} aria-hidden="true" />}
                {picked && <Icon name="check" size={18} />}
                <span class="action-opt-label">{label}</span>
                {a.counts && <span class="action-opt-count">{t('actCount', { n })}</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {fixed && open && <p class="action-hint">{t('actFixed')}</p>}
    </>
  );
}
