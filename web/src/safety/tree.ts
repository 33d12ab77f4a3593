// The dashboard's department rows nested 部 → 課 → 係 by `parent` (the server sends each row
// with its subtree's sums; a row whose parent is 0 or not among the rows is a top row).
import type { SafetyTallyRow } from '../api/types';

export interface DeptNode {
  row: SafetyTallyRow;
  children: DeptNode[];
}

/** The rows as a forest, each level in the order the rows came. */
export function nest(rows: SafetyTallyRow[]): DeptNode[] {
  const nodes = new Map<number, DeptNode>();
  for (const row of rows) nodes.set(row.dept, { row, children: [] });
  const top: DeptNode[] = [];
  for (const row of rows) {
    const n = nodes.get(row.dept)!;
    const p = row.parent ? nodes.get(row.parent) : undefined;
    if (p && p !== n) p.children.push(n);
    else top.push(n);
  }
  return top;
}

/** How many picked `option` of question `question` in `row`. */
export function count(row: SafetyTallyRow, question: number, option: number): number {
  return row.counts.find((c) => c.question === question && c.option === option)?.count ?? 0;
}
