import { describe, expect, it } from 'vitest';
import type { User } from '../api/types';
import { safetyCheck } from './fixtures';
import { applyAnswer, isSafetyManager, mergeCheck, replaceChecks, type MyCheck } from './safety';

const check = safetyCheck;

describe('safety state', () => {
  it('merges by id: a started frame after welcome adds nothing twice', () => {
    let l: MyCheck[] = replaceChecks([], [check(1, { answered_at: 0, answer: null })]);
    l = mergeCheck(l, check(1));
    l = mergeCheck(l, check(2));
    expect(l.map((x) => x.id)).toEqual([1, 2]);
  });
  it('keeps my answer and the reminder when a frame without them comes', () => {
    let l: MyCheck[] = [{ ...check(1), answered_at: 5, answered_by: 7, proxy: false, answer: { status: 0 } }];
    l = mergeCheck(l, { ...check(1), reminded: { by_name: '高橋', at: 9 } });
    l = mergeCheck(l, check(1, { title: '続報' }));
    expect(l[0].answer).toEqual({ status: 0 });
    expect(l[0].reminded?.by_name).toBe('高橋');
    expect(l[0].title).toBe('続報');
  });
  it('welcome is the state: closed checks leave, my answer is as it says, reminders stay', () => {
    const l: MyCheck[] = [
      { ...check(1), answer: { status: 0 }, answered_at: 5, reminded: { by_name: '高橋', at: 9 } },
      check(2),
    ];
    const now = replaceChecks(l, [check(1, { answered_at: 0, answer: null })]);
    expect(now.map((x) => x.id)).toEqual([1]);
    expect(now[0].answer).toBeNull();
    expect(now[0].reminded?.at).toBe(9);
  });
  it('applies my answer, never an older one', () => {
    const rec = (at: number, status: number) => ({ check: 1, user: 7, by: 7, by_name: '田中', proxy: false, at, answer: { status }, client_id: 'c' + at });
    let l: MyCheck[] = [check(1), check(2)];
    l = applyAnswer(l, rec(20, 1));
    l = applyAnswer(l, rec(10, 0));
    expect(l[0].answer).toEqual({ status: 1 });
    expect(l[0].answered_at).toBe(20);
    expect(l[1].answer).toBeUndefined();
  });
});

describe('isSafetyManager', () => {
  it('is 危機管理, 所属長 or an administrator', () => {
    const u = (more: Partial<User>) => ({ role: 'user', ...more }) as User;
    expect(isSafetyManager(null)).toBe(false);
    expect(isSafetyManager(u({}))).toBe(false);
    expect(isSafetyManager(u({ crisis: true }))).toBe(true);
    expect(isSafetyManager(u({ dept_head: true }))).toBe(true);
    expect(isSafetyManager(u({ role: 'admin' }))).toBe(true);
  });
});
