import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff';

describe('backoffDelay', () => {
  it('grows exponentially and is capped', () => {
    const max = (a: number) => backoffDelay(a, DEFAULT_BACKOFF, () => 1);
    expect(max(0)).toBe(500);
    expect(max(1)).toBe(1000);
    expect(max(2)).toBe(2000);
    expect(max(10)).toBe(DEFAULT_BACKOFF.max);
    expect(max(1000)).toBe(DEFAULT_BACKOFF.max);
  });
  it('jitters between half and the whole delay', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(2000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(3000);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(2, DEFAULT_BACKOFF);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});
