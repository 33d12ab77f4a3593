// 安否確認 as the connection tells it: the open checks I am a target of (welcome's `safety`,
// then safety.started / answered / reminded / closed) and, for managers, each check's latest
// tally (safety.updated, coalesced by the server). Part of the initial load, so only this:
// the banner, the answer sheet and the dashboard (safety/) load once a check is open or a
// manager opens them (components/lazy.ts).
import type { Safety, SafetyAnswerRecord, SafetyTally, ServerFrame, User } from '../api/types';
import type { Hub } from './hub';

/** Whether `me` manages 安否確認 (危機管理, 所属長 or an administrator): the list and dashboards. */
export function isSafetyManager(me: User | null | undefined): boolean {
  return !!me && (!!me.crisis || !!me.dept_head || me.role === 'admin');
}

/** An open check of mine; `reminded`: the last reminder (who, when it came). */
export type MyCheck = Safety & { reminded?: { by_name: string; at: number } };

/** A manager's live view of a check: the check as it is now, the tally of `scope` (0: all). */
export interface LiveTally {
  safety: Safety;
  scope: number;
  tally: SafetyTally;
}

/**
 * `s` put in `list` by id. A frame about the check without my answer (started, reminded)
 * keeps the answer and the reminder known; welcome (`whole`) gives my answer as it is.
 */
export function mergeCheck(list: MyCheck[], s: MyCheck, whole = false): MyCheck[] {
  const old = list.find((x) => x.id === s.id);
  if (!old) return [...list, s];
  const keep = whole || s.answered_at !== undefined ? {} : { answered_at: old.answered_at, answered_by: old.answered_by, proxy: old.proxy, answer: old.answer };
  return list.map((x) => (x === old ? { reminded: old.reminded, ...s, ...keep } : x));
}

/** welcome's list is the state: the checks it leaves out were closed meanwhile. */
export function replaceChecks(list: MyCheck[], now: Safety[]): MyCheck[] {
  return now.reduce((out, s) => mergeCheck(out, { ...s, reminded: list.find((x) => x.id === s.id)?.reminded }, true), [] as MyCheck[]);
}

/** My answer recorded (by me anywhere, or by a proxy); an older one never wins. */
export function applyAnswer(list: MyCheck[], a: SafetyAnswerRecord): MyCheck[] {
  return list.map((x) =>
    x.id === a.check && a.at >= (x.answered_at ?? 0)
      ? { ...x, answered_at: a.at, answered_by: a.by, proxy: a.proxy, answer: a.answer }
      : x,
  );
}

export class SafetyPart {
  constructor(private readonly hub: Hub) {}

  /** Applies a welcome or a safety.* frame; false if it is neither. */
  onFrame(f: ServerFrame): boolean {
    const { hub } = this;
    const list = hub.state.safety;
    switch (f.type) {
      case 'welcome':
        hub.set({ safety: replaceChecks(list, f.safety ?? []) });
        return true;
      case 'safety.started':
        if (!list.some((x) => x.id === f.safety.id)) this.notify(f.safety);
        hub.set({ safety: mergeCheck(list, f.safety) });
        return true;
      case 'safety.reminded':
        this.notify(f.safety, f.by_name);
        hub.set({ safety: mergeCheck(list, { ...f.safety, reminded: { by_name: f.by_name, at: Date.now() } }) });
        return true;
      case 'safety.answered':
        hub.set({ safety: applyAnswer(list, f.answer) });
        return true;
      case 'safety.closed': {
        const live = hub.state.safetyLive[f.safety.id];
        hub.set({
          safety: list.filter((x) => x.id !== f.safety.id),
          ...(live && { safetyLive: { ...hub.state.safetyLive, [f.safety.id]: { ...live, safety: f.safety } } }),
        });
        return true;
      }
      case 'safety.updated':
        hub.set({ safetyLive: { ...hub.state.safetyLive, [f.safety.id]: { safety: f.safety, scope: f.scope, tally: f.tally } } });
        return true;
    }
    return false;
  }

  /**
   * A browser notification where the user allowed them (the banner shows it anyway). A click
   * opens the check: its banner (SafetyBanner.tsx) opens the answer sheet, or a manager's
   * dashboard; through the service worker, /safety/N does the same (SafetyView.tsx).
   */
  notify({ id, title }: Safety, by?: string): void {
    const { state, env, texts } = this.hub;
    if (state.settings.notify && texts.safety) env.notify?.(texts.safety(), by ? texts.safety(by) + title : title, 'safety-' + id, () => this.hub.set({ safetyAsk: id }));
  }
}
