// The questions of a check being started (StartDialog.tsx's 質問を編集): a reducer over the
// list, and the server's rules for it (src/services/safety_rules.cc, docs/api.md "安否確認"),
// checked here first so that the manager sees what is wrong beside the question. Keys stay
// as the template has them; a new question gets the first free q1, q2….
import type { SafetyQuestion } from '../api/types';
import type { Key } from '../i18n';

export const MAX_QUESTIONS = 10;
export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;
export const LABEL_MAX = 100;
export const OPTION_MAX = 50;

type Kind = SafetyQuestion['kind'];

export type QAction =
  | { type: 'reset'; qs: SafetyQuestion[] }
  | { type: 'label'; i: number; text: string }
  | { type: 'option'; i: number; j: number; text: string }
  | { type: 'addOption'; i: number }
  | { type: 'removeOption'; i: number; j: number }
  | { type: 'required'; i: number; on: boolean }
  | { type: 'remove'; i: number }
  | { type: 'move'; i: number; by: -1 | 1 }
  | { type: 'add'; kind: Kind; label?: string };

/** 本人の状況 alone: where 最初から作成 starts (taken from a template where one has it). */
export function scratch(templates: { questions: SafetyQuestion[] }[]): SafetyQuestion[] {
  const status = templates.flatMap((x) => x.questions).find((q) => q.key === 'status' && q.kind === 'choice');
  return [clone(status ?? { key: 'status', label: '本人の状況', kind: 'choice', options: ['無事', '軽傷', '重傷'], required: true })];
}

function clone(q: SafetyQuestion): SafetyQuestion {
  return q.kind === 'choice' ? { ...q, options: [...(q.options ?? [])] } : { ...q, options: undefined };
}

/** The first of q1, q2… that no question has. */
export function freeKey(qs: SafetyQuestion[]): string {
  const used = new Set(qs.map((q) => q.key));
  let n = 1;
  while (used.has('q' + n)) n++;
  return 'q' + n;
}

/** Question `i` changed by `f`; the same list when `f` changes nothing. */
function at(qs: SafetyQuestion[], i: number, f: (q: SafetyQuestion) => SafetyQuestion): SafetyQuestion[] {
  const q = qs[i];
  if (!q) return qs;
  const next = f(q);
  return next === q ? qs : qs.map((x, k) => (k === i ? next : x));
}

export function questionsReducer(qs: SafetyQuestion[], a: QAction): SafetyQuestion[] {
  switch (a.type) {
    case 'reset':
      return a.qs.map(clone);
    case 'label':
      return at(qs, a.i, (q) => ({ ...q, label: a.text }));
    case 'option':
      return at(qs, a.i, (q) => ({ ...q, options: (q.options ?? []).map((o, j) => (j === a.j ? a.text : o)) }));
    case 'addOption':
      return at(qs, a.i, (q) => ((q.options?.length ?? 0) >= MAX_OPTIONS ? q : { ...q, options: [...(q.options ?? []), ''] }));
    case 'removeOption':
      return at(qs, a.i, (q) => ((q.options?.length ?? 0) <= MIN_OPTIONS ? q : { ...q, options: q.options!.filter((_, j) => j !== a.j) }));
    case 'required':
      return at(qs, a.i, (q) => ({ ...q, required: a.on }));
    case 'remove':
      return qs.length <= 1 ? qs : qs.filter((_, k) => k !== a.i);
    case 'move': {
      const j = a.i + a.by;
      if (a.i < 0 || a.i >= qs.length || j < 0 || j >= qs.length) return qs;
      const out = [...qs];
      [out[a.i], out[j]] = [out[j], out[a.i]];
      return out;
    }
    case 'add': {
      if (qs.length >= MAX_QUESTIONS) return qs;
      const q: SafetyQuestion = { key: freeKey(qs), label: a.label ?? '', kind: a.kind, required: false };
      if (a.kind === 'choice') q.options = ['', ''];
      return [...qs, q];
    }
  }
}

/** What is wrong: `q` the question's index (-1: the list), `opt` an option's. */
export interface Problem {
  q: number;
  opt?: number;
  text: Key;
  n?: number;
}

const control = /[\u0000-\u001f\u007f-\u009f]/;
const chars = (s: string) => [...s].length;

function line(s: string, max: number): Key | null {
  if (!s.trim()) return 'sfQBlank';
  if (control.test(s)) return 'sfQControl';
  if (chars(s.trim()) > max) return 'sfQLong';
  return null;
}

/** The server's rules: 1–10 questions, at least one choice of 2–10 options, labels 1–100 and options 1–50 characters on one line. */
export function problems(qs: SafetyQuestion[]): Problem[] {
  const out: Problem[] = [];
  if (!qs.length || qs.length > MAX_QUESTIONS) out.push({ q: -1, text: 'sfQCount', n: MAX_QUESTIONS });
  if (!qs.some((q) => q.kind === 'choice')) out.push({ q: -1, text: 'sfQNoChoice' });
  qs.forEach((q, i) => {
    const l = line(q.label, LABEL_MAX);
    if (l) out.push({ q: i, text: l, n: LABEL_MAX });
    if (q.kind !== 'choice') return;
    const opts = q.options ?? [];
    if (opts.length < MIN_OPTIONS || opts.length > MAX_OPTIONS) out.push({ q: i, text: 'sfQOptCount' });
    opts.forEach((o, j) => {
      const e = line(o, OPTION_MAX);
      if (e) out.push({ q: i, opt: j, text: e, n: OPTION_MAX });
    });
  });
  return out;
}

/** The questions as they are sent: labels and options trimmed, options only for a choice. */
export function cleanQuestions(qs: SafetyQuestion[]): SafetyQuestion[] {
  return qs.map((q) => {
    const out: SafetyQuestion = { key: q.key, label: q.label.trim(), kind: q.kind, required: q.required };
    if (q.kind === 'choice') out.options = (q.options ?? []).map((o) => o.trim());
    return out;
  });
}

/** Whether the questions (cleaned) are the template's own: then the request leaves them out. */
export function sameQuestions(a: SafetyQuestion[], b: SafetyQuestion[]): boolean {
  return JSON.stringify(cleanQuestions(a)) === JSON.stringify(cleanQuestions(b));
}
