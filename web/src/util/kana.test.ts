import { describe, expect, it } from 'vitest';
import { fold, matches } from './kana';

describe('fold', () => {
  it('folds katakana, half-width and case', () => {
    expect(fold('タナカ')).toBe('たなか');
    expect(fold('ﾀﾅｶ')).toBe('たなか');
    expect(fold('Tanaka')).toBe('tanaka');
    expect(fold('たなか たろう')).toBe('たなかたろう');
  });
  it('matches a name by its reading', () => {
    expect(matches('たなか', '田中 太郎', 'たなか たろう')).toBe(true);
    expect(matches('タナカ', '田中 太郎', 'たなか たろう')).toBe(true);
    expect(matches('さとう', '田中 太郎', 'たなか たろう')).toBe(false);
    expect(matches('', 'x')).toBe(true);
  });
});
