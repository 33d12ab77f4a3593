// My answers to 安否確認, kept in localStorage until the server has stored them: in a
// disaster a phone's link comes and goes. Each answer has its client_id, and the server
// stores an answer once per client_id, so sending one again after a lost reply never counts
// it twice. The queue sends at once, then again with back-off while the server cannot be
// reached (no answer, 5xx, 429), and when told to (`flush`: the browser is online again,
// the connection is live again). A refusal (the check closed, bad input) ends it: `done`
// says why. The storage key has the user's id: another account on this browser never sends
// my answers. Two tabs of the same user share the stored list: each removes only what it
// finished itself.
import { ApiError } from '../api/client';
import type { SafetyAnswer, SafetyAnswerRecord } from '../api/types';
import { backoffDelay } from '../realtime/backoff';
import type { Timers } from '../realtime/connection';
import { newClientId } from '../state/outbox';

export interface Queued {
  client_id: string;
  check: number;
  answer: SafetyAnswer;
  at: number;
}

export interface QueueDeps {
  storage: Storage | null;
  user: number;
  timers: Timers;
  /** Who is signed in now: the queue sends only while it is `user`. */
  me?: () => number;
  send: (q: Queued) => Promise<SafetyAnswerRecord>;
  /** Stored (the server's record), or refused for good (`err`). */
  done: (q: Queued, rec: SafetyAnswerRecord | null, err?: unknown) => void;
  /** The list changed (shown as 送信待ち). */
  changed: () => void;
}

/** An error after which the same request may well work: keep the answer and try again. */
export function passing(e: unknown): boolean {
  return !(e instanceof ApiError) || e.status === 0 || e.status === 401 || e.status === 429 || e.status >= 500;
}

export class AnswerQueue {
  private items: Queued[];
  private sending: string | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private stopped = false;
  /** The client_ids this queue has finished with (stored, refused, replaced). */
  private readonly gone = new Set<string>();
  private readonly key: string;

  constructor(private readonly deps: QueueDeps) {
    this.key = 'tonari.safetyAnswers.' + deps.user;
    this.items = this.stored();
  }

  private stored(): Queued[] {
    try {
      const v = JSON.parse(this.deps.storage?.getItem(this.key) || '[]');
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  }

  get user(): number {
    return this.deps.user;
  }

  /** The answers not stored yet, oldest first. */
  list(): readonly Queued[] {
    return this.items;
  }

  /** The answer waiting for check `id`, if any. */
  of(id: number): Queued | undefined {
    return this.items.filter((q) => q.check === id).pop();
  }

  /** Queues a new answer (it replaces one of the same check not yet on its way) and sends it. */
  add(check: number, answer: SafetyAnswer, now = Date.now()): Queued {
    const q: Queued = { client_id: newClientId(now), check, answer, at: now };
    const keep = this.items.filter((x) => x.check !== check || x.client_id === this.sending);
    this.items.forEach((x) => keep.includes(x) || this.gone.add(x.client_id));
    this.items = [...keep, q];
    this.save();
    this.attempt = 0;
    void this.flush();
    return q;
  }

  /**
   * Ends this queue for good (its user logged out, or another logged in): no more sends nor
   * retries. What is queued stays stored for the user's next session.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends what is queued, one at a time (does nothing while a send is on its way). */
  async flush(): Promise<void> {
    const { deps } = this;
    if (this.sending !== null || this.stopped) return;
    if (this.timer !== null) deps.timers.clearTimeout(this.timer);
    this.timer = null;
    while (this.items.length) {
      // Never under another user's session: the answer waits for its own user.
      if (deps.me && deps.me() !== deps.user) return this.stop();
      const q = this.items[0];
      this.sending = q.client_id;
      let rec: SafetyAnswerRecord | null = null;
      let err: unknown;
      try {
        rec = await deps.send(q);
      } catch (e) {
        err = e;
      }
      this.sending = null;
      if (this.stopped) return;
      if (!rec && passing(err)) {
        this.timer = deps.timers.setTimeout(() => void this.flush(), backoffDelay(this.attempt++, { base: 1000, factor: 2, max: 30000 }));
        return;
      }
      this.attempt = 0;
      this.gone.add(q.client_id);
      this.items = this.items.filter((x) => x !== q);
      this.save();
      deps.done(q, rec, err);
    }
  }

  /**
   * Stores the list, merged with what another tab of the same user stored meanwhile: only
   * what this queue itself finished leaves the storage.
   */
  private save(): void {
    try {
      const mine = new Set(this.items.map((x) => x.client_id));
      const others = this.stored().filter((x) => !mine.has(x.client_id) && !this.gone.has(x.client_id));
      const all = [...others, ...this.items].sort((a, b) => a.at - b.at);
      if (all.length) this.deps.storage?.setItem(this.key, JSON.stringify(all));
      else this.deps.storage?.removeItem(this.key);
    } catch {
      /* private mode, quota: the answer still goes from memory */
    }
    this.deps.changed();
  }
}
