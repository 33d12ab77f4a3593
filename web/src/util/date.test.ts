import { describe, expect, it } from 'vitest';
import { formatDay, formatListTime, formatTime } from './date';

const at = (y: number, mo: number, d: number, h = 9, mi = 5) => new Date(y, mo - 1, d, h, mi).getTime();

describe('dates', () => {
  it('formats days the Japanese way', () => {
    const now = at(2026, 11, 22, 12);
    expect(formatDay(at(2026, 11, 20), 'ja', now)).toBe('2026年11月20日（金）');
    expect(formatDay(at(2026, 11, 22), 'ja', now)).toBe('今日 2026年11月22日（日）');
    expect(formatDay(at(2026, 11, 21), 'ja', now)).toBe('昨日 2026年11月21日（土）');
    expect(formatDay(at(2026, 11, 20), 'en', now)).toBe('Fri, Nov 20, 2026');
  });
  it('formats times and list times', () => {
    const now = at(2026, 11, 22, 12);
    expect(formatTime(at(2026, 11, 22, 9, 5))).toBe('9:05');
    expect(formatListTime(at(2026, 11, 22, 14, 30), 'ja', now)).toBe('14:30');
    expect(formatListTime(at(2026, 11, 21), 'ja', now)).toBe('昨日');
    expect(formatListTime(at(2026, 3, 4), 'ja', now)).toBe('3/4');
    expect(formatListTime(at(2025, 3, 4), 'ja', now)).toBe('2025/3/4');
  });
});
