import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionState, User } from '../api/types';
import { loadActionTexts, loadLang, setLang, t } from '../i18n';
import { msg } from '../state/fixtures';
import {
  bestCandidates,
  candidateLabel,
  countOf,
  daysBetween,
  emptyDraft,
  mayExport,
  mayManage,
  maySeeNames,
  optionLabels,
  parseDay,
  parseLocal,
  phaseOf,
  schedulePicks,
  tapPicks,
  toSpec,
  validate,
  type Draft,
} from './actions';
import { remindsMe } from './reminder';

beforeAll(() => Promise.all([loadActionTexts(), loadLang('en')]));

const state = (over: Partial<ActionState> = {}): ActionState => ({
  kind: 'attendance',
  title: '説明会',
  options: [],
  multiple: false,
  deadline: 0,
  public: true,
  changeable: true,
  anonymous: false,
  assignees: [],
  closed: false,
  closed_at: 0,
  closed_by: 0,
  answered: 0,
  pending: 5,
  ...over,
});

const user = (id: number, role: User['role'] = 'staff'): User => ({
  id,
  login: 'u' + id,
  name: 'U' + id,
  reading: '',
  department: null,
  title: '',
  status: '',
  extension: '',
  role,
  disabled: false,
});

describe('option labels', () => {
  it('names the implicit options in the reader language and keeps the asker options', () => {
    expect(optionLabels(state({ kind: 'yesno' }), t)).toEqual(['はい', 'いいえ']);
    expect(optionLabels(state(), t)).toEqual(['出席', '欠席', '未定']);
    expect(optionLabels(state({ kind: 'task' }), t)).toEqual(['完了']);
    expect(optionLabels(state({ kind: 'choice', options: ['A', 'B'] }), t)).toEqual(['A', 'B']);
    setLang('en');
    try {
      expect(optionLabels(state(), t)).toEqual(['Attend', 'Absent', 'Not sure']);
    } finally {
      setLang('ja');
    }
  });

  it('reads counts by option and value, 0 when hidden', () => {
    const a = state({ kind: 'schedule', options: ['x', 'y'], counts: [1, 2, 3, 4, 5, 6] });
    expect(countOf(a, 1, 2)).toBe(6);
    expect(countOf(a, 0, 1)).toBe(2);
    expect(countOf(state({ counts: [3, 1, 0] }), 1)).toBe(1);
    expect(countOf(state(), 0)).toBe(0);
  });
});

describe('best 日程調整 candidates', () => {
  it('most ○, then fewest ×', () => {
    // candidate: ○ △ ×
    const counts = [3, 0, 2, /* 1 */ 4, 1, 1, /* 2 */ 4, 0, 1, /* 3 */ 2, 2, 0];
    expect(bestCandidates(counts, 4)).toEqual([1, 2]);
    expect(bestCandidates([4, 0, 3, 4, 0, 1, 1, 0, 0], 3)).toEqual([1]);
  });

  it('none before anyone says ○, none when hidden', () => {
    expect(bestCandidates([0, 2, 0, 0, 0, 1], 2)).toEqual([]);
    expect(bestCandidates(undefined, 2)).toEqual([]);
    expect(bestCandidates([], 2)).toEqual([]);
  });

  it('a later candidate with more ○ wins even with more ×', () => {
    expect(bestCandidates([1, 0, 0, 2, 0, 5], 2)).toEqual([1]);
  });
});

describe('answering with one tap', () => {
  it('picks, and a second tap withdraws', () => {
    expect(tapPicks(state(), 1)).toEqual([{ option: 1, value: 0 }]);
    const mine = state({ mine: [{ option: 1, value: 0 }] });
    expect(tapPicks(mine, 0)).toEqual([{ option: 0, value: 0 }]);
    expect(tapPicks(mine, 1)).toBeNull();
  });

  it('several choices toggle, in option order', () => {
    const a = state({ kind: 'choice', options: ['A', 'B', 'C'], multiple: true, mine: [{ option: 2, value: 0 }] });
    expect(tapPicks(a, 0)).toEqual([
      { option: 0, value: 0 },
      { option: 2, value: 0 },
    ]);
    expect(tapPicks(a, 2)).toBeNull();
  });

  it('a fixed answer stays; a task can always be undone', () => {
    expect(tapPicks(state({ changeable: false, mine: [{ option: 0, value: 0 }] }), 1)).toBeUndefined();
    expect(tapPicks(state({ changeable: false }), 1)).toEqual([{ option: 1, value: 0 }]);
    expect(tapPicks(state({ kind: 'task', changeable: false, mine: [{ option: 0, value: 0 }] }), 0)).toBeNull();
  });

  it('a schedule answer covers every candidate', () => {
    expect(schedulePicks([0, 2, 1], 3)).toEqual([
      { option: 0, value: 0 },
      { option: 1, value: 2 },
      { option: 2, value: 1 },
    ]);
    expect(schedulePicks([0, -1, 1], 3)).toBeNull();
    expect(schedulePicks([0], 2)).toBeNull();
  });
});

describe('phase and who may do what', () => {
  it('open, past its deadline, closed', () => {
    expect(phaseOf(state(), 5)).toBe('open');
    expect(phaseOf(state({ deadline: 10 }), 5)).toBe('open');
    expect(phaseOf(state({ deadline: 10 }), 10)).toBe('expired');
    expect(phaseOf(state({ deadline: 10, closed: true }), 5)).toBe('closed');
  });

  it('the asker, room owners and admins, tenant admins manage', () => {
    const m = msg(4, { sender: 3 });
    expect(mayManage(m, user(3), 'member')).toBe(true);
    expect(mayManage(m, user(9), 'member')).toBe(false);
    expect(mayManage(m, user(9), 'admin')).toBe(true);
    expect(mayManage(m, user(9, 'admin'), 'member')).toBe(true);
  });

  it('names: never when anonymous, the asker only when not public', () => {
    expect(maySeeNames(state(), 3, 9)).toBe(true);
    expect(maySeeNames(state({ public: false }), 3, 9)).toBe(false);
    expect(maySeeNames(state({ public: false }), 3, 3)).toBe(true);
    expect(maySeeNames(state({ anonymous: true }), 3, 3)).toBe(false);
    expect(mayExport(state({ anonymous: true }), 3, 3)).toBe(true);
    expect(mayExport(state({ anonymous: true }), 3, 9)).toBe(false);
  });

  it('a reminder mentions me while I have not answered', () => {
    const notice = msg(9, { kind: 'system', body: '', system: { action: 'action_reminded', seq: 4, count: 30 }, mentions: [1] });
    const q = (a: Partial<ActionState>) => msg(4, { action: state(a) });
    expect(remindsMe(notice, q({}), 1)).toBe(true);
    expect(remindsMe(notice, q({ mine: [{ option: 0, value: 0 }] }), 1)).toBe(false);
    expect(remindsMe(notice, q({ closed: true }), 1)).toBe(false);
    expect(remindsMe(notice, q({ kind: 'task', assignees: [2] }), 1)).toBe(false);
    // The question is not loaded: the notice's mentions (the first 20) say.
    expect(remindsMe(notice, undefined, 1)).toBe(true);
    expect(remindsMe(notice, undefined, 2)).toBe(false);
    expect(remindsMe({ ...notice, system: { action: 'action_closed', seq: 4 } }, q({}), 1)).toBe(false);
  });
});

describe('composing', () => {
  const NOW = new Date(2026, 11, 6, 12, 0).getTime();
  const draft = (over: Partial<Draft>): Draft => ({ ...emptyDraft(), title: '説明会の出欠', ...over });
  const fields = (d: Draft) => validate(d, NOW).map((p) => p.field + ':' + p.key);

  it('accepts a plain question', () => {
    expect(validate(draft({}), NOW)).toEqual([]);
  });

  it('title 1..200 characters (code points)', () => {
    expect(fields(draft({ title: '  ' }))).toEqual(['title:actErrTitle']);
    expect(fields(draft({ title: '𠮷'.repeat(200) }))).toEqual([]);
    expect(fields(draft({ title: 'あ'.repeat(201) }))).toEqual(['title:actErrTitleLong']);
  });

  it('choice 2..20 options, schedule 1..30 candidates, labels up to 100', () => {
    expect(fields(draft({ kind: 'choice', options: ['A', ' '] }))).toEqual(['options:actErrChoices']);
    expect(fields(draft({ kind: 'choice', options: ['A', 'B'] }))).toEqual([]);
    expect(fields(draft({ kind: 'choice', options: Array.from({ length: 21 }, (_, i) => 'o' + i) }))).toEqual(['options:actErrChoices']);
    expect(fields(draft({ kind: 'choice', options: ['A', 'x'.repeat(101)] }))).toEqual(['options:actErrLabelLong']);
    expect(fields(draft({ kind: 'schedule', options: [] }))).toEqual(['options:actErrCandidates']);
    expect(fields(draft({ kind: 'schedule', options: ['12/10(木)'] }))).toEqual([]);
    expect(fields(draft({ kind: 'schedule', options: Array.from({ length: 31 }, (_, i) => 'd' + i) }))).toEqual([
      'options:actErrCandidates',
    ]);
  });

  it('task 1..100 assignees; the deadline in the future', () => {
    expect(fields(draft({ kind: 'task' }))).toEqual(['assignees:actErrAssignees']);
    expect(fields(draft({ kind: 'task', assignees: [1] }))).toEqual([]);
    expect(fields(draft({ kind: 'task', assignees: Array.from({ length: 101 }, (_, i) => i) }))).toEqual(['assignees:actErrAssignees']);
    expect(fields(draft({ deadline: NOW - 60000 }))).toEqual(['deadline:actErrDeadline']);
    expect(fields(draft({ deadline: NOW + 60000 }))).toEqual([]);
  });

  it('sends only what the kind uses', () => {
    expect(toSpec(draft({ options: ['x'], multiple: true, assignees: [2] }))).toEqual({
      kind: 'attendance',
      title: '説明会の出欠',
      public: true,
      changeable: true,
      anonymous: false,
    });
    expect(toSpec(draft({ kind: 'choice', options: [' A ', '', 'B'], multiple: true, deadline: NOW + 1, public: false }))).toEqual({
      kind: 'choice',
      title: '説明会の出欠',
      options: ['A', 'B'],
      multiple: true,
      deadline: NOW + 1,
      public: false,
      changeable: true,
      anonymous: false,
    });
    expect(toSpec(draft({ kind: 'task', assignees: [2, 3], anonymous: true }))).toEqual({
      kind: 'task',
      title: '説明会の出欠',
      assignees: [2, 3],
      public: true,
    });
  });

  it('candidate labels as 「12/10(木) 14:00」, several days at once', () => {
    const d = parseDay('2026-12-10')!;
    expect(candidateLabel(d, '14:00', 'ja')).toBe('12/10(木) 14:00');
    expect(candidateLabel(d, '', 'ja')).toBe('12/10(木)');
    expect(candidateLabel(d, '09:30', 'en')).toBe('12/10(Thu) 09:30');
    expect(parseDay('2026-02-30')).toBeNull();
    expect(parseDay('')).toBeNull();
    const days = daysBetween(parseDay('2026-12-10')!, parseDay('2026-12-15')!, true, 30).map((x) => candidateLabel(x, '', 'ja'));
    expect(days).toEqual(['12/10(木)', '12/11(金)', '12/14(月)', '12/15(火)']);
    expect(daysBetween(parseDay('2026-12-01')!, parseDay('2026-12-31')!, false, 5)).toHaveLength(5);
    expect(parseLocal('2026-12-10T17:00')).toBe(new Date(2026, 11, 10, 17, 0).getTime());
    expect(parseLocal('')).toBe(0);
  });
});
