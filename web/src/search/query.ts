// What the search view asks, as the user sets it (the box and the filters), turned into a
// request of GET /api/search; the checks the server would refuse a query for, said in the
// user's words before asking; pages of results put together without duplicates.
import type { SearchKind, SearchOrder, SearchRequest } from '../api/search';
import type { SearchResult } from '../api/types';

/** The filters as the view shows them. Days are the date inputs' values (YYYY-MM-DD, '' open). */
export interface Filters {
  room: number;
  sender: { id: number; name: string } | null;
  fromDay: string;
  toDay: string;
  kind: SearchKind;
  hasFile: boolean;
  order: SearchOrder;
}

export const NO_FILTERS: Filters = {
  room: 0,
  sender: null,
  fromDay: '',
  toDay: '',
  kind: 'all',
  hasFile: false,
  order: 'newest',
};

// The server's limits (src/search/fulltext.h: kMaxQueryTerms, kMaxQueryChars).
export const MAX_TERMS = 10;
export const MAX_CHARS = 200;

/** Local midnight at the start of `day` (YYYY-MM-DD) in ms; 0 for '' or a malformed day. */
export function dayStart(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return 0;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}

/** The day after `day` (the end of a range that includes `day`); 0 for '' or malformed. */
export function dayEnd(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return 0;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime();
}

export function toRequest(q: string, f: Filters): SearchRequest {
  return {
    q: q.trim(),
    room: f.room,
    sender: f.sender?.id ?? 0,
    from: dayStart(f.fromDay),
    to: dayEnd(f.toDay),
    kind: f.kind,
    hasFile: f.hasFile,
    order: f.order,
  };
}

/**
 * The terms of a search box as the server parses them: white space (ASCII or 全角) between
 * terms, "a phrase" (", ＂ or “ ”) is one, a leading - or － excludes. Only for the checks
 * below; the server decides what matches.
 */
export function parseTerms(q: string): { text: string; excluded: boolean }[] {
  const out: { text: string; excluded: boolean }[] = [];
  const re = /([-－]?)(?:["＂“]([^"＂”]*)["＂”]?|([^\s　]+))/g;
  for (const m of q.matchAll(re)) {
    const text = m[2] ?? m[3] ?? '';
    if (text.trim()) out.push({ text, excluded: m[1] !== '' });
  }
  return out;
}

export type QueryProblem = 'empty' | 'onlyExcluded' | 'tooManyTerms' | 'tooLong';

/** Why the server would refuse the box's query (fulltext.h parse_query), or null. */
export function queryProblem(q: string): QueryProblem | null {
  if (Array.from(q.trim()).length > MAX_CHARS) return 'tooLong';
  const terms = parseTerms(q);
  if (!terms.length) return 'empty';
  if (terms.length > MAX_TERMS) return 'tooManyTerms';
  if (terms.every((t) => t.excluded)) return 'onlyExcluded';
  return null;
}

/** How many filters differ from the defaults, not counting the kind and the order (always shown). */
export function activeFilters(f: Filters): number {
  return (f.room ? 1 : 0) + (f.sender ? 1 : 0) + (f.fromDay || f.toDay ? 1 : 0) + (f.hasFile ? 1 : 0);
}

/** A range whose start is after its end finds nothing: the view says so instead of asking. */
export function badRange(f: Filters): boolean {
  return !!f.fromDay && !!f.toDay && dayStart(f.fromDay) > dayStart(f.toDay);
}

/** One key per result (a message, a note, a file), for lists and de-duplication. */
export function resultKey(r: SearchResult): string {
  return r.kind === 'note' ? `n${r.note}` : r.kind === 'file' ? `f${r.file?.id}` : `m${r.room.id}:${r.seq}`;
}

/**
 * The next page appended to the results so far. A result already listed is not repeated: a
 * note saved again between two pages moves to the newest and could come twice.
 */
export function appendPage(list: SearchResult[], page: SearchResult[]): SearchResult[] {
  const seen = new Set(list.map(resultKey));
  const out = list.slice();
  for (const r of page) {
    const k = resultKey(r);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}
