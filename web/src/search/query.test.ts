import { describe, expect, it } from 'vitest';
import { searchQueryString } from '../api/search';
import { searchHit as hit } from '../state/fixtures';
import {
  activeFilters,
  appendPage,
  badRange,
  dayEnd,
  dayStart,
  NO_FILTERS,
  parseTerms,
  queryProblem,
  resultKey,
  toRequest,
} from './query';

describe('search request', () => {
  it('leaves the defaults out of the query string', () => {
    expect(searchQueryString(toRequest(' 会議 ', NO_FILTERS), null, 30)).toBe('q=%E4%BC%9A%E8%AD%B0&limit=30');
  });

  it('says every filter, and where the next page starts', () => {
    const r = toRequest('防災 -訓練', {
      room: 5,
      sender: { id: 7, name: '田中 太郎' },
      fromDay: '2026-04-01',
      toDay: '2026-04-30',
      kind: 'messages',
      hasFile: true,
      order: 'relevance',
    });
    const qs = new URLSearchParams(searchQueryString(r, 'abc', 30));
    expect(Object.fromEntries(qs)).toEqual({
      q: '防災 -訓練',
      room: '5',
      sender: '7',
      from: String(new Date(2026, 3, 1).getTime()),
      to: String(new Date(2026, 4, 1).getTime()),
      kind: 'messages',
      has: 'file',
      order: 'relevance',
      after: 'abc',
      limit: '30',
    });
  });

  it('takes a period as local days, the last one included (to is exclusive)', () => {
    expect(dayStart('2026-12-31')).toBe(new Date(2026, 11, 31).getTime());
    expect(dayEnd('2026-12-31')).toBe(new Date(2027, 0, 1).getTime());
    expect(dayStart('')).toBe(0);
    expect(dayEnd('31/12/2026')).toBe(0);
    expect(badRange({ ...NO_FILTERS, fromDay: '2026-05-02', toDay: '2026-05-01' })).toBe(true);
    expect(badRange({ ...NO_FILTERS, fromDay: '2026-05-01', toDay: '2026-05-01' })).toBe(false);
    expect(badRange({ ...NO_FILTERS, fromDay: '2026-05-01' })).toBe(false);
  });
});

describe('query checks', () => {
  it('splits terms as the server does: spaces (全角 too), phrases, exclusions', () => {
    expect(parseTerms('会議　議事録 -案 "防災 訓練" －下書き “第2回”')).toEqual([
      { text: '会議', excluded: false },
      { text: '議事録', excluded: false },
      { text: '案', excluded: true },
      { text: '防災 訓練', excluded: false },
      { text: '下書き', excluded: true },
      { text: '第2回', excluded: false },
    ]);
    expect(parseTerms('  ')).toEqual([]);
  });

  it('says why the server would refuse a query', () => {
    expect(queryProblem('会議')).toBeNull();
    expect(queryProblem('   ')).toBe('empty');
    expect(queryProblem('""')).toBe('empty');
    expect(queryProblem('-会議 -議事録')).toBe('onlyExcluded');
    expect(queryProblem('a b c d e f g h i j')).toBeNull();
    expect(queryProblem('a b c d e f g h i j k')).toBe('tooManyTerms');
    expect(queryProblem('あ'.repeat(200))).toBeNull();
    expect(queryProblem('あ'.repeat(201))).toBe('tooLong');
  });

  it('counts the filters hidden under 絞り込み', () => {
    expect(activeFilters(NO_FILTERS)).toBe(0);
    expect(activeFilters({ ...NO_FILTERS, kind: 'notes', order: 'relevance' })).toBe(0);
    expect(activeFilters({ ...NO_FILTERS, room: 3, fromDay: '2026-01-01', toDay: '2026-01-02', hasFile: true })).toBe(3);
  });
});

describe('pages of results', () => {
  it('keys each message, note and file once', () => {
    expect(resultKey(hit())).toBe('m5:12');
    expect(resultKey(hit({ room: { id: 6, name: 'x', kind: 'group' } }))).toBe('m6:12');
    expect(resultKey(hit({ kind: 'note', seq: undefined, note: 4 }))).toBe('n4');
    expect(resultKey(hit({ kind: 'file', file: { id: 9, name: '議事録.pdf' } }))).toBe('f9');
  });

  it('appends a page without repeating a result', () => {
    const a = hit({ seq: 1 });
    const b = hit({ kind: 'note', seq: undefined, note: 2 });
    const c = hit({ seq: 3 });
    const list = appendPage([a, b], [{ ...b, at: 5 }, c, c]);
    expect(list.map(resultKey)).toEqual(['m5:1', 'n2', 'm5:3']);
    expect(list[1]).toBe(b);
  });
});
