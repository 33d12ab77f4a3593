import { describe, expect, it } from 'vitest';
import type { Safety } from '../api/types';
import type { MyCheck } from '../state/safety';
import { safetyCheck } from '../state/fixtures';
import { pollResult } from './poll';

const check = (id: number, more: Partial<MyCheck> = {}): Safety => safetyCheck(id, { answered_at: 0, answer: null, ...more });

describe('the answer-only poll', () => {
  it('tells the new checks, drops the closed ones, keeps an answer newer than the list', () => {
    const told: number[] = [];
    const old: MyCheck[] = [check(1, { answered_at: 50, answer: { status: 0 } }), check(2)];
    const now = pollResult(old, [check(1), check(3)], (s) => told.push(s.id));
    expect(now.map((x) => x.id)).toEqual([1, 3]);
    expect(told).toEqual([3]);
    expect(now[0].answer).toEqual({ status: 0 });
    expect(now[0].answered_at).toBe(50);
  });
  it('takes the server\'s answer when it is the newer (given elsewhere, or by a proxy)', () => {
    const old: MyCheck[] = [check(1, { answered_at: 50, answer: { status: 0 } })];
    const now = pollResult(old, [check(1, { answered_at: 60, answer: { status: 2 }, proxy: true })], () => {});
    expect(now[0].answer).toEqual({ status: 2 });
    expect(now[0].proxy).toBe(true);
  });
});
