// The search view's state, kept while the view is closed (a phone shows a result in place of
// the results; back brings them again, as they were). One search at a time: a new one
// cancels the one under way, and an answer to an older one is dropped. The box and the
// filters are kept in sessionStorage, so a reload of /search shows the same results.
import type { SearchRequest } from '../api/search';
import type { SearchPage, SearchResult } from '../api/types';
import { activeFilters, appendPage, badRange, NO_FILTERS, queryProblem, toRequest, type Filters, type QueryProblem } from './query';

/** idle: nothing asked (or the box is empty); loading: a first page; more: a next page. */
export type Status = 'idle' | 'loading' | 'more' | 'ready' | 'error';

export interface SearchSnapshot {
  /** The box as typed. */
  q: string;
  filters: Filters;
  /** The results of `asked` (the box and filters of the last search), page after page. */
  asked: SearchRequest | null;
  results: SearchResult[];
  next: string | null;
  status: Status;
  /** Why the last search failed (status error): a problem of the query, or the server's answer. */
  problem: QueryProblem | 'range' | null;
  error: string;
  /** The failure may pass (no answer, too many searches, a server error): 再試行 makes sense. */
  retry: boolean;
  /** The 絞り込み section is open. */
  expanded: boolean;
  /** Bumped when the box should take the focus (opened by a shortcut or a button). */
  focus: number;
}

export interface SearchDeps {
  fetch: (r: SearchRequest, after: string | null, limit: number, signal: AbortSignal) => Promise<SearchPage>;
  /** The text of a failure, in the user's language. */
  error: (e: unknown) => string;
  /** True for a failure that may pass. */
  passing: (e: unknown) => boolean;
  storage?: Storage | null;
  /** Who is logged in: what another user saved in this tab is not theirs to see. */
  user: () => number;
}

const KEY = 'tonari.search';
export const PAGE = 30;

export class SearchState {
  snap: SearchSnapshot;
  /** Where the results list was scrolled and which result was opened (restored when back). */
  scrollTop = 0;
  opened = '';
  /** The last `focus` the view has honoured. */
  focused = 0;
  private gen = 0;
  private ctl: AbortController | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: SearchDeps) {
    this.snap = empty();
    try {
      const saved = JSON.parse(deps.storage?.getItem(KEY) ?? 'null') as { user?: unknown; q?: unknown; filters?: Partial<Filters> } | null;
      if (saved && saved.user === deps.user() && typeof saved.q === 'string') {
        const filters = { ...NO_FILTERS, ...saved.filters };
        this.snap = { ...this.snap, q: saved.q, filters, expanded: activeFilters(filters) > 0 };
      }
    } catch {
      /* nothing saved, or not ours */
    }
  }

  /** Forgets everything (the user logged out, or another logged in). */
  reset(): void {
    this.cancel();
    this.scrollTop = 0;
    this.opened = '';
    try {
      this.deps.storage?.removeItem(KEY);
    } catch {
      /* not allowed */
    }
    this.set({ ...empty(), focus: this.snap.focus });
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  set(patch: Partial<SearchSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    this.listeners.forEach((l) => l());
  }

  /**
   * Opened from elsewhere: with `q` (the room list's box) a new search for it, with `room`
   * (a room's header) an empty box searching that room; the order is the user's and stays.
   * Neither: the view as it was. The box takes the focus.
   */
  begin(q: string, room: number): void {
    const focus = this.snap.focus + 1;
    if (!q && !room) {
      this.set({ focus });
      return;
    }
    const filters = { ...NO_FILTERS, order: this.snap.filters.order, room };
    this.set({ focus, expanded: !!room });
    this.run(q, filters);
  }

  /** Searches for `q` with `filters` (the first page); a blank box clears the results. */
  run(q: string, filters: Filters = this.snap.filters): void {
    this.cancel();
    this.scrollTop = 0;
    this.opened = '';
    this.save(q, filters);
    const base = { q, filters, results: [], next: null, error: '', retry: false };
    if (!q.trim()) {
      this.set({ ...base, asked: null, status: 'idle', problem: null });
      return;
    }
    const problem = badRange(filters) ? 'range' : queryProblem(q);
    if (problem) {
      this.set({ ...base, asked: null, status: 'error', problem });
      return;
    }
    const asked = toRequest(q, filters);
    this.set({ ...base, asked, status: 'loading', problem: null });
    void this.load(asked, null);
  }

  /** Changes filters and searches again (if there is something to search for). */
  filter(patch: Partial<Filters>): void {
    this.run(this.snap.q, { ...this.snap.filters, ...patch });
  }

  /** The next page (もっと見る). */
  more(): void {
    const s = this.snap;
    if (s.status !== 'ready' || !s.next || !s.asked) return;
    this.set({ status: 'more' });
    void this.load(s.asked, s.next);
  }

  /** The last failed request again (a first page or a next one). */
  again(): void {
    const s = this.snap;
    if (s.status !== 'error' || !s.asked) return;
    if (s.results.length && s.next) {
      this.set({ status: 'more', error: '' });
      void this.load(s.asked, s.next);
    } else {
      this.run(s.q, s.filters);
    }
  }

  private cancel(): void {
    this.gen++;
    this.ctl?.abort();
    this.ctl = null;
  }

  private async load(asked: SearchRequest, after: string | null): Promise<void> {
    const gen = ++this.gen;
    const ctl = new AbortController();
    this.ctl = ctl;
    try {
      const page = await this.deps.fetch(asked, after, PAGE, ctl.signal);
      if (gen !== this.gen) return;
      this.ctl = null;
      const results = after ? appendPage(this.snap.results, page.results) : appendPage([], page.results);
      // A page that brought nothing new cannot be followed by a useful one.
      const next = page.results.length ? page.next : null;
      this.set({ results, next, status: 'ready' });
    } catch (e) {
      if (gen !== this.gen) return;
      this.ctl = null;
      this.set({ status: 'error', error: this.deps.error(e), retry: this.deps.passing(e) });
    }
  }

  private save(q: string, filters: Filters): void {
    try {
      this.deps.storage?.setItem(KEY, JSON.stringify({ user: this.deps.user(), q, filters }));
    } catch {
      /* full or not allowed: a reload starts empty */
    }
  }
}

function empty(): SearchSnapshot {
  return {
    q: '',
    filters: NO_FILTERS,
    asked: null,
    results: [],
    next: null,
    status: 'idle',
    problem: null,
    error: '',
    retry: false,
    expanded: false,
    focus: 0,
  };
}
