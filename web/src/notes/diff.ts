// A line diff between two versions of a note (Myers' O(ND) algorithm), for the version
// history. Written here rather than taken from npm's `diff`: lines are all we compare, and this
// is ~60 lines in the lazy notes chunk.

export interface DiffLine {
  /** ' ': in both, '-': only in the old text, '+': only in the new one. */
  op: ' ' | '-' | '+';
  text: string;
}

/** Past this many differing lines the middle is shown as removed, then added (bounds the work). */
const MAX_EDITS = 1000;

/** The lines of `a` and `b` in order, each marked kept, removed or added (removals first). */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  // The common start and end cost nothing: only the middle goes through Myers.
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let end = 0;
  while (end < x.length - start && end < y.length - start && x[x.length - 1 - end] === y[y.length - 1 - end]) end++;
  const same = (t: string): DiffLine => ({ op: ' ', text: t });
  return [
    ...x.slice(0, start).map(same),
    ...middle(x.slice(start, x.length - end), y.slice(start, y.length - end)),
    ...x.slice(x.length - end).map(same),
  ];
}

function middle(xs: string[], ys: string[]): DiffLine[] {
  // Lines as numbers: the inner loop compares integers.
  const ids = new Map<string, number>();
  const id = (l: string) => ids.get(l) ?? (ids.set(l, ids.size), ids.size - 1);
  const x = xs.map(id);
  const y = ys.map(id);
  const n = x.length;
  const m = y.length;
  const max = Math.min(n + m, MAX_EDITS);
  const off = max + 1;
  // v[k + off]: the furthest x reached on diagonal k. trace[d]: diagonals -d-1..d+1 of v
  // before step d (what the walk back needs), so the trace grows as d², not d·(n+m).
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[k - 1 + off] < v[k + 1 + off]) ? v[k + 1 + off] : v[k - 1 + off] + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) {
        i++;
        j++;
      }
      v[k + off] = i;
      if (i >= n && j >= m) return backtrack(trace, xs, ys);
    }
  }
  return [...xs.map((t): DiffLine => ({ op: '-', text: t })), ...ys.map((t): DiffLine => ({ op: '+', text: t }))];
}

/** Walks the trace back from the end of both texts, collecting the lines in reverse. */
function backtrack(trace: Int32Array[], x: string[], y: string[]): DiffLine[] {
  const out: DiffLine[] = [];
  let i = x.length;
  let j = y.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const at = (k: number) => trace[d][k + d + 1];
    const k = i - j;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const pi = at(prevK);
    const pj = pi - prevK;
    while (i > pi && j > pj) {
      out.push({ op: ' ', text: x[--i] });
      j--;
    }
    if (d === 0) break;
    if (i === pi) out.push({ op: '+', text: y[--j] });
    else out.push({ op: '-', text: x[--i] });
  }
  return out.reverse();
}

/** A run of unchanged lines left out of the view. */
export type DiffRow = DiffLine | { op: 'fold'; n: number };

/** The diff as shown: `context` unchanged lines around each change, longer runs folded. */
export function fold(lines: DiffLine[], context = 2): DiffRow[] {
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: DiffRow[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && keep[j] === keep[i]) j++;
    if (keep[i]) out.push(...lines.slice(i, j));
    else out.push({ op: 'fold', n: j - i });
    i = j;
  }
  return out;
}
