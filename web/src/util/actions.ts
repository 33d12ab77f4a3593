// アクションスタンプ (action stamps): the rules the screens need and nothing else — the
// labels of the implicit options, the tally's shape, the best 日程調整 candidates, what one
// tap answers, who may see and do what (as the server decides it: services/policies.h),
// and the composer's checks with the server's limits (docs/api.md). Pure: no state, no DOM.
import type { ActionKind, ActionPick, ActionSpecInput, ActionState, Message, RoomRole, User } from '../api/types';
import type { Key } from '../i18n';

type T = (key: Key, vars?: Record<string, string | number>) => string;

/** The server's limits (services/actions.h); characters are code points. */
export const LIMITS = {
  title: 200,
  label: 100,
  choice: { min: 2, max: 20 },
  schedule: { min: 1, max: 30 },
  assignees: { min: 1, max: 100 },
} as const;

export const KINDS: ActionKind[] = ['yesno', 'attendance', 'choice', 'schedule', 'task'];

/** How many values each option's answer takes: ○△× for 日程調整, else "chosen". */
export function valuesPer(kind: ActionKind): number {
  return kind === 'schedule' ? 3 : 1;
}

/** The options' labels: the asker's, or the implicit ones in the reader's language. */
export function optionLabels(a: Pick<ActionState, 'kind' | 'options'>, t: T): string[] {
  switch (a.kind) {
    case 'yesno':
      return [t('actYes'), t('actNo')];
    case 'attendance':
      return [t('actAttend'), t('actAbsent'), t('actUndecided')];
    case 'task':
      return [t('actDone')];
    default:
      return a.options;
  }
}

/** How many picked `value` of `option`; 0 when the counts are not the caller's to see. */
export function countOf(a: Pick<ActionState, 'kind' | 'counts'>, option: number, value = 0): number {
  return a.counts?.[option * valuesPer(a.kind) + value] ?? 0;
}

/**
 * 日程調整: the candidates to highlight — the most ○, then among those the fewest ×.
 * None while no candidate has a ○ (nothing is "best" yet). `counts` as ActionState.counts.
 */
export function bestCandidates(counts: number[] | undefined, options: number): number[] {
  if (!counts) return [];
  let most = 0;
  let fewest = Infinity;
  let best: number[] = [];
  for (let i = 0; i < options; i++) {
    const ok = counts[i * 3] ?? 0;
    const no = counts[i * 3 + 2] ?? 0;
    if (ok === 0 || ok < most || (ok === most && no > fewest)) continue;
    if (ok > most || no < fewest) best = [];
    most = ok;
    fewest = no;
    best.push(i);
  }
  return best;
}

/** The caller's pick for `option` (its value), or -1. */
export function myValue(a: Pick<ActionState, 'mine'>, option: number): number {
  return a.mine?.find((p) => p.option === option)?.value ?? -1;
}

export type Phase = 'open' | 'expired' | 'closed';

/** closed: 締め切られた (終了); expired: past its deadline (締切済み); else open. */
export function phaseOf(a: Pick<ActionState, 'closed' | 'deadline'>, now: number): Phase {
  if (a.closed) return 'closed';
  return a.deadline && now >= a.deadline ? 'expired' : 'open';
}

/**
 * What a tap on `option` sends for a yes/no, 出欠, choice or task question: the new picks, or
 * null to withdraw the answer (a second tap on what is already picked, when that may be
 * undone). undefined: the tap changes nothing (a fixed answer).
 */
export function tapPicks(a: ActionState, option: number): ActionPick[] | null | undefined {
  const mine = a.mine ?? [];
  const picked = mine.some((p) => p.option === option);
  const undoable = a.changeable || a.kind === 'task';
  if (mine.length && !undoable) return undefined;
  if (a.kind === 'choice' && a.multiple) {
    const next = picked ? mine.filter((p) => p.option !== option) : [...mine, { option, value: 0 }];
    next.sort((x, y) => x.option - y.option);
    return next.length ? next : null;
  }
  return picked ? null : [{ option, value: 0 }];
}

/** A 日程調整 answer: every candidate once, in order; null while some has none. */
export function schedulePicks(values: number[], options: number): ActionPick[] | null {
  const out: ActionPick[] = [];
  for (let i = 0; i < options; i++) {
    const v = values[i];
    if (v === undefined || v < 0 || v > 2) return null;
    out.push({ option: i, value: v });
  }
  return out;
}

// ---- who may see and do what (the server checks again) ---------------------------------

/** 締め切る and 催促: the asker, the room's owners and admins, a tenant admin who is a member. */
export function mayManage(m: Message, me: User, role: RoomRole | undefined): boolean {
  return m.sender === me.id || role === 'owner' || role === 'admin' || me.role === 'admin';
}

/** Who answered what, and who has not: never when anonymous; only the asker when not public. */
export function maySeeNames(a: ActionState, asker: number, me: number): boolean {
  return !a.anonymous && (a.public || asker === me);
}

/** The export: as maySeeNames, and the asker of an anonymous question gets its counts. */
export function mayExport(a: ActionState, asker: number, me: number): boolean {
  return maySeeNames(a, asker, me) || (a.anonymous && asker === me);
}

// ---- composing a question ----------------------------------------------------------------

export interface Draft {
  kind: ActionKind;
  title: string;
  /** choice: the options as typed; schedule: the candidates' labels. */
  options: string[];
  multiple: boolean;
  /** ms since the epoch; 0: none. */
  deadline: number;
  public: boolean;
  changeable: boolean;
  anonymous: boolean;
  assignees: number[];
}

export const emptyDraft = (): Draft => ({
  kind: 'attendance',
  title: '',
  options: [],
  multiple: false,
  deadline: 0,
  public: true,
  changeable: true,
  anonymous: false,
  assignees: [],
});

export type Field = 'title' | 'options' | 'deadline' | 'assignees';
export interface Problem {
  field: Field;
  key: Key;
  vars?: Record<string, number>;
}

const chars = (s: string) => Array.from(s).length;

/** The options that are sent: trimmed, blank ones left out. */
export function cleanOptions(options: string[]): string[] {
  return options.map((o) => o.trim()).filter(Boolean);
}

/** What keeps the draft from being sent, in the order of the form (the server's limits). */
export function validate(d: Draft, now: number): Problem[] {
  const out: Problem[] = [];
  const title = d.title.trim();
  if (!title) out.push({ field: 'title', key: 'actErrTitle' });
  else if (chars(title) > LIMITS.title) out.push({ field: 'title', key: 'actErrTitleLong', vars: { max: LIMITS.title } });
  if (d.kind === 'choice' || d.kind === 'schedule') {
    const opts = cleanOptions(d.options);
    const { min, max } = LIMITS[d.kind];
    if (opts.length < min || opts.length > max)
      out.push({ field: 'options', key: d.kind === 'choice' ? 'actErrChoices' : 'actErrCandidates', vars: { min, max } });
    else if (opts.some((o) => chars(o) > LIMITS.label))
      out.push({ field: 'options', key: 'actErrLabelLong', vars: { max: LIMITS.label } });
  }
  if (d.kind === 'task') {
    const { min, max } = LIMITS.assignees;
    if (d.assignees.length < min || d.assignees.length > max) out.push({ field: 'assignees', key: 'actErrAssignees', vars: { min, max } });
  }
  if (d.deadline && d.deadline <= now) out.push({ field: 'deadline', key: 'actErrDeadline' });
  return out;
}

/** The draft as the composer sends it (only the fields its kind uses). */
export function toSpec(d: Draft): ActionSpecInput {
  const spec: ActionSpecInput = { kind: d.kind, title: d.title.trim(), public: d.public };
  if (d.kind === 'choice' || d.kind === 'schedule') spec.options = cleanOptions(d.options);
  if (d.kind === 'choice') spec.multiple = d.multiple;
  if (d.kind === 'task') spec.assignees = d.assignees;
  else {
    spec.changeable = d.changeable;
    spec.anonymous = d.anonymous;
  }
  if (d.deadline) spec.deadline = d.deadline;
  return spec;
}

// ---- 日程調整 candidates ---------------------------------------------------------------

const WD_JA = ['日', '月', '火', '水', '木', '金', '土'];
const WD_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A local date of an <input type=date> value ("2026-12-10"); null if it is not one. */
export function parseDay(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3]);
  return d.getMonth() === +m[2] - 1 ? d : null;
}

/** The <input type=date> value of a local date. */
export function dayValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** A candidate's label as it is sent: 「12/10(木) 14:00」 (time "" : the day only). */
export function candidateLabel(day: Date, time: string, lang: 'ja' | 'en'): string {
  const wd = lang === 'en' ? WD_EN[day.getDay()] : WD_JA[day.getDay()];
  const base = `${day.getMonth() + 1}/${day.getDate()}(${wd})`;
  return time ? `${base} ${time}` : base;
}

/** The days from `from` to `to` (both included, at most `max`), weekdays only if asked. */
export function daysBetween(from: Date, to: Date, weekdaysOnly: boolean, max: number): Date[] {
  const out: Date[] = [];
  for (let d = new Date(from); d <= to && out.length < max; d.setDate(d.getDate() + 1)) {
    const wd = d.getDay();
    if (!weekdaysOnly || (wd !== 0 && wd !== 6)) out.push(new Date(d));
  }
  return out;
}

/** An <input type=datetime-local> value as ms (local time); 0 if empty or not one. */
export function parseLocal(v: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v);
  return m ? new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]).getTime() : 0;
}

export function localValue(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${dayValue(d)}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A deadline as people read it: 12/10(木) 17:00 (the year when it is not this one). */
export function deadlineText(ms: number, lang: 'ja' | 'en', now = Date.now()): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const label = candidateLabel(d, `${d.getHours()}:${p(d.getMinutes())}`, lang);
  return d.getFullYear() === new Date(now).getFullYear() ? label : `${d.getFullYear()}/${label}`;
}
