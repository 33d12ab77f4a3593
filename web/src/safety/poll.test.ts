import { describe, expect, it } from 'vitest';
import type { Safety } from '../api/types';
import type { MyCheck } from '../state/safety';
import { pollResult } from './poll';

const check = (id: number, more: Partial<MyCheck> = {}): Safety => ({
  id,
  title: '地震（震度5弱以上）安否確認',
  template: 'earthquake',
  training: false,
  questions: [{ key: 'status', label: '本人の状況', kind: 'choice', options: ['無事', '軽傷', '重傷'], required: true }],
  scope: 'all',
  internet_answer: true,
  started_by: 3,
  started_at: 1000,
  closed_at: 0,
  closed_by: 0,
  origin: 'manual',
  open: true,
  answered_at: 0,
  answer: null,
  ...more,
});

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
