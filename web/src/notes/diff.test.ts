import { describe, expect, it } from 'vitest';
import { cpuMs } from './cpuTime';
import { diffLines, fold, type DiffLine } from './diff';

/** Applies a diff's removals and additions: the old text gives the new one. */
const sides = (d: DiffLine[]) => [
  d.filter((l) => l.op !== '+').map((l) => l.text).join('\n'),
  d.filter((l) => l.op !== '-').map((l) => l.text).join('\n'),
];
const show = (d: DiffLine[]) => d.map((l) => l.op + l.text);

describe('diffLines', () => {
  it('marks added, removed and kept lines', () => {
    expect(show(diffLines('a\nb\nc', 'a\nc\nd'))).toEqual([' a', '-b', ' c', '+d']);
    expect(show(diffLines('', 'x'))).toEqual(['-', '+x']);
    expect(show(diffLines('same', 'same'))).toEqual([' same']);
    expect(show(diffLines('会議\n場所: 3階\n持ち物', '会議\n場所: 4階\n持ち物'))).toEqual([
      ' 会議',
      '-場所: 3階',
      '+場所: 4階',
      ' 持ち物',
    ]);
  });

  it('finds a shortest edit on random texts', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let r = 0; r < 200; r++) {
      const a = Array.from({ length: rnd(12) }, () => 'abc'[rnd(3)]).join('\n');
      const b = Array.from({ length: rnd(12) }, () => 'abc'[rnd(3)]).join('\n');
      const d = diffLines(a, b);
      expect(sides(d)).toEqual([a, b]);
      // The kept lines are a longest common subsequence (checked by dynamic programming).
      const x = a.split('\n');
      const y = b.split('\n');
      const L = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
      for (let i = x.length - 1; i >= 0; i--)
        for (let j = y.length - 1; j >= 0; j--) L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
      expect(d.filter((l) => l.op === ' ').length).toBe(L[0][0]);
    }
  });

  it('a 30,000-character rewrite stays correct and bounded', () => {
    const a = Array.from({ length: 3000 }, (_, i) => 'line ' + i).join('\n');
    const b = Array.from({ length: 3000 }, (_, i) => 'row ' + i).join('\n');
    let d: DiffLine[] = [];
    expect(cpuMs(() => (d = diffLines(a, b)))).toBeLessThan(2000);
    expect(sides(d)).toEqual([a, b]);
  });

  it('folds long unchanged runs, keeping two lines around each change', () => {
    const a = Array.from({ length: 20 }, (_, i) => 'l' + i).join('\n');
    const b = a.replace('l10', 'L10');
    expect(fold(diffLines(a, b)).map((r) => (r.op === 'fold' ? 'fold ' + r.n : r.op + r.text))).toEqual([
      'fold 8',
      ' l8',
      ' l9',
      '-l10',
      '+L10',
      ' l11',
      ' l12',
      'fold 7',
    ]);
    expect(fold(diffLines('a', 'a'))).toEqual([{ op: 'fold', n: 1 }]);
  });
});
