import { describe, expect, it } from 'vitest';
import type { SafetyQuestion } from '../api/types';
import { complete } from './answers';
import { cleanQuestions, freeKey, problems, questionsReducer as r, sameQuestions, scratch } from './questions';

const status: SafetyQuestion = { key: 'status', label: '本人の状況', kind: 'choice', options: ['無事', '軽傷', '重傷'], required: true };
const work: SafetyQuestion = { key: 'work', label: '出勤', kind: 'choice', options: ['可能', '不可', '遅れて可能'], required: true };
const place: SafetyQuestion = { key: 'location', label: '現在地', kind: 'location', required: false };
const comment: SafetyQuestion = { key: 'comment', label: 'コメント', kind: 'text', required: false };
const tpl = [status, work, place, comment];
const texts = (qs: SafetyQuestion[]) => problems(qs).map((p) => [p.q, p.opt ?? null, p.text]);

describe('editing the questions of a check', () => {
  it('starts from a copy of the template, which the edits leave alone', () => {
    let qs = r([], { type: 'reset', qs: tpl });
    qs = r(qs, { type: 'label', i: 0, text: 'あなたの状況' });
    qs = r(qs, { type: 'option', i: 0, j: 1, text: 'けが（軽い）' });
    expect(qs[0]).toMatchObject({ key: 'status', label: 'あなたの状況', options: ['無事', 'けが（軽い）', '重傷'] });
    expect(status.label).toBe('本人の状況');
    expect(status.options).toEqual(['無事', '軽傷', '重傷']);
    expect(sameQuestions(qs, tpl)).toBe(false);
    expect(sameQuestions(r(qs, { type: 'reset', qs: tpl }), tpl)).toBe(true);
  });

  it('adds questions with the first free ascii key, each kind as it should be', () => {
    let qs = r(tpl, { type: 'add', kind: 'choice' });
    qs = r(qs, { type: 'add', kind: 'text' });
    qs = r(r(qs, { type: 'remove', i: 4 }), { type: 'add', kind: 'location' });
    expect(qs.map((q) => q.key)).toEqual(['status', 'work', 'location', 'comment', 'q2', 'q1']);
    expect(qs[4]).toEqual({ key: 'q2', label: '', kind: 'text', required: false });
    expect(qs[5]).toEqual({ key: 'q1', label: '', kind: 'location', required: false });
    expect(r(tpl, { type: 'add', kind: 'choice' })[4].options).toEqual(['', '']);
    expect(freeKey([{ ...status, key: 'q1' }, { ...status, key: 'q3' }])).toBe('q2');
  });

  it('keeps 2 to 10 options, 1 to 10 questions', () => {
    let qs = r([status], { type: 'removeOption', i: 0, j: 0 });
    expect(qs[0].options).toEqual(['軽傷', '重傷']);
    expect(r(qs, { type: 'removeOption', i: 0, j: 0 })).toBe(qs);
    for (let n = 0; n < 12; n++) qs = r(qs, { type: 'addOption', i: 0 });
    expect(qs[0].options).toHaveLength(10);
    expect(r(qs, { type: 'remove', i: 0 })).toBe(qs);
    for (let n = 0; n < 12; n++) qs = r(qs, { type: 'add', kind: 'text' });
    expect(qs).toHaveLength(10);
  });

  it('moves a question up and down, not past either end', () => {
    const down = r(tpl, { type: 'move', i: 0, by: 1 });
    expect(down.map((q) => q.key)).toEqual(['work', 'status', 'location', 'comment']);
    expect(r(down, { type: 'move', i: 1, by: -1 }).map((q) => q.key)).toEqual(['status', 'work', 'location', 'comment']);
    expect(r(tpl, { type: 'move', i: 0, by: -1 })).toBe(tpl);
    expect(r(tpl, { type: 'move', i: 3, by: 1 })).toBe(tpl);
  });

  it('toggles 必須', () => {
    const qs = r(tpl, { type: 'required', i: 3, on: true });
    expect(qs[3].required).toBe(true);
    expect(r(qs, { type: 'required', i: 3, on: false })[3].required).toBe(false);
  });

  it('starts from scratch with 本人の状況 alone', () => {
    expect(scratch([{ questions: tpl }])).toEqual([status]);
    expect(scratch([])).toEqual([status]);
    expect(scratch([{ questions: tpl }])[0].options).not.toBe(status.options);
  });
});

describe('the server rules, checked first', () => {
  it('finds nothing wrong with a template', () => {
    expect(problems(tpl)).toEqual([]);
  });

  it('wants at least one choice question, and 1 to 10 questions', () => {
    expect(texts([place, comment])).toEqual([[-1, null, 'sfQNoChoice']]);
    expect(texts([])).toEqual([
      [-1, null, 'sfQCount'],
      [-1, null, 'sfQNoChoice'],
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ ...comment, key: 'q' + i }));
    expect(texts([status, ...eleven])[0]).toEqual([-1, null, 'sfQCount']);
  });

  it('wants labels and options filled in, on one line, not too long', () => {
    const qs = r(tpl, { type: 'add', kind: 'choice' });
    expect(texts(qs)).toEqual([
      [4, null, 'sfQBlank'],
      [4, 0, 'sfQBlank'],
      [4, 1, 'sfQBlank'],
    ]);
    const long = [{ ...status, label: 'あ'.repeat(101), options: ['い'.repeat(51), '二\n行', '  '] }];
    expect(texts(long)).toEqual([
      [0, null, 'sfQLong'],
      [0, 0, 'sfQLong'],
      [0, 1, 'sfQControl'],
      [0, 2, 'sfQBlank'],
    ]);
    // Characters, not UTF-16 units: 100 emoji are 100 characters, as the server counts.
    expect(problems([{ ...status, label: '🙂'.repeat(100) }])).toEqual([]);
    expect(problems([{ ...status, options: ['一つだけ'] }]).map((p) => p.text)).toEqual(['sfQOptCount']);
  });

  it('sends labels trimmed and options only for a choice', () => {
    const qs = cleanQuestions([{ ...status, label: ' 避難所の開設 ', options: [' 開設済み', '未開設 '] }, { ...comment, options: [] }]);
    expect(qs).toEqual([
      { key: 'status', label: '避難所の開設', kind: 'choice', options: ['開設済み', '未開設'], required: true },
      { key: 'comment', label: 'コメント', kind: 'text', required: false },
    ]);
    expect(sameQuestions([{ ...status, label: ' 本人の状況' }], [status])).toBe(true);
  });
});

describe('a complete answer to arbitrary questions', () => {
  it('needs each required question answered, a blank text or place is no answer', () => {
    const qs: SafetyQuestion[] = [{ ...status, required: false }, { key: 'q1', label: '避難所', kind: 'choice', options: ['開設済み', '未開設'], required: true }, { ...place, required: true }];
    expect(complete(qs, { q1: 1 })).toBe(false);
    expect(complete(qs, { q1: 1, location: { text: '  ' } })).toBe(false);
    expect(complete(qs, { q1: 1, location: { text: '本庁舎' } })).toBe(true);
    expect(complete(qs, { q1: 0, location: { lat: 37.39, lon: 136.9 } })).toBe(true);
    expect(complete([{ ...comment, required: true }], { comment: ' ' })).toBe(false);
  });
});
