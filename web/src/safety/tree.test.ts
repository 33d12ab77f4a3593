import { describe, expect, it } from 'vitest';
import type { SafetyTallyRow } from '../api/types';
import { count, nest } from './tree';

const row = (dept: number, parent: number, name: string): SafetyTallyRow => ({
  dept,
  parent,
  name,
  path: name,
  targets: 1,
  answered: 0,
  counts: dept === 3 ? [{ question: 0, option: 2, count: 4 }] : [],
});

describe('department tree', () => {
  it('nests 部 → 課 → 係 by parent, in the order the rows came', () => {
    const top = nest([row(1, 0, '市民生活部'), row(2, 1, '危機管理課'), row(3, 2, '防災係'), row(4, 0, '総務部'), row(5, 1, '市民課')]);
    expect(top.map((n) => n.row.name)).toEqual(['市民生活部', '総務部']);
    expect(top[0].children.map((n) => n.row.name)).toEqual(['危機管理課', '市民課']);
    expect(top[0].children[0].children[0].row.name).toBe('防災係');
  });
  it('makes a row whose parent is not shown a top row (a 所属長 sees their subtree)', () => {
    const top = nest([row(2, 1, '危機管理課'), row(3, 2, '防災係')]);
    expect(top.map((n) => n.row.dept)).toEqual([2]);
    expect(top[0].children.map((n) => n.row.dept)).toEqual([3]);
  });
  it('reads a count, 0 when left out', () => {
    expect(count(row(3, 2, '防災係'), 0, 2)).toBe(4);
    expect(count(row(3, 2, '防災係'), 0, 1)).toBe(0);
  });
});
