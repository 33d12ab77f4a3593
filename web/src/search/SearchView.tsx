// The search view (the details pane's place; a phone's whole screen): the box, the filters
// (kind, 添付ファイルあり, and under 絞り込み the room, the sender and the period), the order,
// and the results page by page (もっと見る). A result opens in its room at that message
// (search/open.ts). When the view comes back (back on a phone) it is as it was left: the
// results, where they were scrolled, the focus on the result that was opened.
import { useEffect, useLayoutEffect, useReducer, useRef } from 'preact/hooks';
import type { SearchKind } from '../api/search';
import { Icon } from '../components/Icon';
import { LoadError } from '../components/LoadError';
import { PanelHead } from '../components/PanelHead';
import { t, type Key } from '../i18n';
import { MAX_CHARS, MAX_TERMS, activeFilters, resultKey } from './query';
import { openResult, searchState } from './open';
import { SearchFilters } from './SearchFilters';
import { SearchResultItem } from './SearchResultItem';
import './search.css';

export { searchState };

const KINDS: [SearchKind, Key][] = [
  ['all', 'searchKindAll'],
  ['messages', 'searchKindMessages'],
  ['notes', 'searchKindNotes'],
  ['files', 'searchKindFiles'],
];

const PROBLEMS: Record<string, [Key, Record<string, number>?]> = {
  empty: ['searchEmpty'],
  onlyExcluded: ['searchOnlyExcluded'],
  tooManyTerms: ['searchTooMany', { n: MAX_TERMS }],
  tooLong: ['searchTooLong', { n: MAX_CHARS }],
  range: ['searchBadRange'],
};

/** Re-renders on every change of the search state. */
function useSearch() {
  const state = searchState();
  const [, force] = useReducer((n: number) => n + 1, 0);
  useEffect(() => state.subscribe(() => force(0)), [state]);
  return state;
}

export function SearchView() {
  const state = useSearch();
  const s = state.snap;
  const f = s.filters;
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  // Reloaded at /search with a saved search: its results again.
  useEffect(() => {
    if (s.status === 'idle' && s.q.trim()) state.run(s.q);
  }, []);

  // Asked to take the focus (a shortcut, a header's button, the room list's box); a view
  // coming back to its results leaves it on the result that was opened (below).
  useEffect(() => {
    if (s.focus === state.focused && s.results.length) return;
    state.focused = s.focus;
    inputRef.current?.focus();
  }, [s.focus]);

  // Back from a result: scrolled as it was, the focus on that result.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    el.scrollTop = state.scrollTop;
    const opened = state.opened && el.querySelector<HTMLElement>(`[data-key="${state.opened}"]`);
    if (opened && document.activeElement === document.body) opened.focus({ preventScroll: true });
    return () => {
      state.scrollTop = el.scrollTop;
    };
  }, []);

  // もっと見る: the focus goes on to the first result it brought.
  const focusFrom = useRef<number | null>(null);
  const loadMore = () => {
    if (s.status !== 'ready') return;
    focusFrom.current = s.results.length;
    state.more();
  };
  useEffect(() => {
    const i = focusFrom.current;
    if (i === null || s.status === 'more') return;
    focusFrom.current = null;
    const a = document.activeElement;
    if (a === document.body || a?.classList.contains('search-more')) listRef.current?.querySelectorAll<HTMLElement>('.sr-item')[i]?.focus();
  }, [s.status]);

  const submit = (e: Event) => {
    e.preventDefault();
    state.run(inputRef.current?.value ?? s.q);
  };

  // Arrow keys move between results (Tab goes on to もっと見る).
  const onListKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
    const items = Array.from(listRef.current?.querySelectorAll<HTMLElement>('.sr-item') ?? []);
    if (!items.length) return;
    const i = items.indexOf(document.activeElement as HTMLElement);
    const j = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : e.key === 'ArrowDown' ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
    e.preventDefault();
    items[j].focus();
  };

  const problem = s.problem && PROBLEMS[s.problem];
  const n = s.results.length;
  const none = f.kind === 'notes' ? 'searchNoneNotes' : f.kind === 'files' ? 'searchNoneFiles' : 'searchNone';
  let status = '';
  if (s.status === 'loading') status = t('searching');
  else if (s.asked && (s.status === 'ready' || s.status === 'more')) status = n ? t(s.next ? 'searchCountMore' : 'searchCount', { n }) : t(none);
  const active = activeFilters(f);

  return (
    <div class="details search-view" aria-labelledby="search-title">
      <PanelHead title={t('searchTitle')} id="search-title" />
      <div class="search-top">
        <form class="search-form" role="search" onSubmit={submit}>
          <div class="search-box">
            <Icon name="search" size={18} />
            <input
              ref={inputRef}
              id="search-q"
              type="search"
              enterKeyHint="search"
              aria-label={t('searchKeyword')}
              aria-describedby="search-hint"
              placeholder={t('searchKeywordPlaceholder')}
              value={s.q}
              onInput={(e) => state.set({ q: e.currentTarget.value })}
            />
          </div>
          <button type="submit" class="btn btn-primary btn-small">
            {t('searchGo')}
          </button>
        </form>
        <p id="search-hint" class={s.asked ? 'sr-only' : 'search-hint'}>
          {t('searchHint')}
        </p>
        <fieldset class="search-kinds">
          <legend class="sr-only">{t('searchKind')}</legend>
          {KINDS.map(([k, label]) => (
            <label key={k} class="search-chip">
              <input type="radio" name="search-kind" checked={f.kind === k} onChange={() => state.filter({ kind: k })} />
              {t(label)}
            </label>
          ))}
          <label class="search-chip">
            <input type="checkbox" checked={f.hasFile} onChange={(e) => state.filter({ hasFile: e.currentTarget.checked })} />
            {t('searchHasFile')}
          </label>
        </fieldset>
        <div class="search-bar">
          <button
            type="button"
            class={'btn btn-small search-more-filters' + (active ? ' is-on' : '')}
            aria-expanded={s.expanded}
            aria-controls="search-filters"
            onClick={() => state.set({ expanded: !s.expanded })}
          >
            {active ? t('searchFiltersN', { n: active }) : t('searchFilters')}
            <Icon name="down" size={16} />
          </button>
          <label class="search-order">
            <span class="sr-only">{t('searchOrder')}</span>
            <select value={f.order} onChange={(e) => state.filter({ order: e.currentTarget.value as 'newest' | 'relevance' })}>
              <option value="newest">{t('searchNewest')}</option>
              <option value="relevance">{t('searchRelevance')}</option>
            </select>
          </label>
        </div>
        {s.expanded && <SearchFilters state={state} />}
      </div>
      <div class="search-results" ref={listRef}>
        <p class="search-status" role="status">
          {status}
        </p>
        {s.status === 'idle' && <p class="muted search-start">{t('searchStart')}</p>}
        {problem && (
          <p class="form-error" role="alert">
            {t(problem[0], problem[1])}
          </p>
        )}
        {n > 0 && (
          <ul class="sr-list" aria-label={t('searchResultsList')} onKeyDown={onListKey}>
            {s.results.map((r) => (
              <SearchResultItem key={resultKey(r)} r={r} onOpen={openResult} />
            ))}
          </ul>
        )}
        {s.status === 'error' &&
          !problem &&
          (s.retry ? (
            <LoadError text={s.error} onRetry={() => state.again()} tag="search" />
          ) : (
            <p class="form-error" role="alert">
              {s.error}
            </p>
          ))}
        {(s.status === 'ready' || s.status === 'more') && s.next && (
          <button type="button" class="btn btn-block search-more" aria-disabled={s.status === 'more'} onClick={loadMore}>
            {t(s.status === 'more' ? 'searchLoadingMore' : 'searchMore')}
          </button>
        )}
      </div>
    </div>
  );
}
