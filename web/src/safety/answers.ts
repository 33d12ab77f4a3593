// The answer queue of the signed-in user (queue.ts), wired to the page: answers go through
// the REST API, a stored one updates the banner at once (safety.answered follows), and the
// queue is flushed when the browser is online again and when the connection is live again.
import { useEffect, useReducer } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { SafetyAnswer, SafetyQuestion } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { applyAnswer } from '../state/safety';
import { putAnswer } from './api';
import { AnswerQueue, type Queued } from './queue';

let queue: AnswerQueue | null = null;
let wired = false;
const listeners = new Set<() => void>();

function done(_q: Queued, rec: unknown, err?: unknown): void {
  if (rec) store.set({ safety: applyAnswer(store.state.safety, rec as Parameters<typeof applyAnswer>[1]) });
  else if (err instanceof ApiError && err.detail.reason === 'closed') store.toast(t('sfClosedNow'), 'error');
  else store.hub.fail(err);
}

/** The queue of whoever is signed in (made on first use; a new one after a change of user). */
export function answers(): AnswerQueue {
  const me = store.state.me?.id ?? 0;
  if (queue?.user === me) return queue;
  queue?.stop();
  queue = new AnswerQueue({
    storage: store.hub.env.storage,
    user: me,
    timers: store.hub.timers,
    me: () => store.state.me?.id ?? 0,
    send: (q) => putAnswer(store.api, q.check, q.client_id, q.answer),
    done,
    changed: () => listeners.forEach((l) => l()),
  });
  if (!wired) {
    wired = true;
    window.addEventListener('online', () => void queue?.flush());
    let conn = store.state.conn;
    let user = store.state.me?.id;
    store.subscribe(() => {
      // A logout, or another user logging in: the old user's queue ends (its answers stay
      // stored for their next session); the next use makes the new user's.
      if (store.state.me?.id !== user) {
        user = store.state.me?.id;
        queue?.stop();
        queue = null;
      }
      if (store.state.conn !== conn && (conn = store.state.conn) === 'live') void queue?.flush();
    });
  }
  void queue.flush();
  return queue;
}

/** The queue, re-rendering the component when it changes. */
export function useAnswers(): AnswerQueue {
  const [, force] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    listeners.add(force as () => void);
    return () => void listeners.delete(force as () => void);
  }, []);
  return answers();
}

/** "無事・出勤可能": the choices of an answer, the first alone, the others after their label. */
export function summary(questions: SafetyQuestion[], a: SafetyAnswer | null | undefined): string {
  if (!a) return '';
  const out: string[] = [];
  questions.forEach((q, i) => {
    const v = a[q.key];
    if (q.kind !== 'choice' || typeof v !== 'number' || !q.options?.[v]) return;
    out.push(i === 0 ? q.options[v] : q.label.length <= 2 ? q.label + q.options[v] : `${q.label}：${q.options[v]}`);
  });
  return out.join('・');
}

/** Whether every required question has its answer (a text or a place left blank has none). */
export function complete(questions: SafetyQuestion[], a: SafetyAnswer): boolean {
  return questions.every((q) => {
    if (!q.required) return true;
    const v = a[q.key];
    if (q.kind === 'choice') return typeof v === 'number';
    if (typeof v === 'string') return !!v.trim();
    return !!v && typeof v === 'object' && (!!v.text?.trim() || typeof v.lat === 'number');
  });
}
