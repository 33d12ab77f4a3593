import { describe, expect, it, vi } from 'vitest';
import type { SearchRequest } from '../api/search';
import type { SearchPage } from '../api/types';
import { NO_FILTERS, resultKey } from './query';
import { searchHit as hit } from '../state/fixtures';
import { PAGE, SearchState, type SearchDeps } from './state';

/** A fetch whose answers the test gives, one by one, in any order. */
function server() {
  const calls: { r: SearchRequest; after: string | null; signal: AbortSignal; answer: (p: SearchPage) => void; fail: (e: unknown) => void }[] = [];
  const fetch = vi.fn(
    (r: SearchRequest, after: string | null, limit: number, signal: AbortSignal) =>
      new Promise<SearchPage>((answer, fail) => {
        expect(limit).toBe(PAGE);
        calls.push({ r, after, signal, answer, fail });
      }),
  );
  return { fetch, calls };
}

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
    key: () => null,
    get length() {
      return m.size;
    },
  };
}

function make(storage: Storage | null = null, user = 7) {
  const srv = server();
  const deps: SearchDeps = {
    fetch: srv.fetch,
    error: (e) => 'failed: ' + String((e as Error).message),
    passing: (e) => (e as Error).message === 'offline',
    storage,
    user: () => user,
  };
  return { srv, state: new SearchState(deps) };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('SearchState', () => {
  it('searches the box with its filters, then pages with もっと見る', async () => {
    const { srv, state } = make();
    state.run('防災', { ...NO_FILTERS, kind: 'messages' });
    expect(state.snap.status).toBe('loading');
    expect(srv.calls[0].r).toMatchObject({ q: '防災', kind: 'messages', order: 'newest' });
    expect(srv.calls[0].after).toBeNull();
    srv.calls[0].answer({ results: [hit({ seq: 9 }), hit({ seq: 8 })], next: 'p2' });
    await flush();
    expect(state.snap.status).toBe('ready');
    expect(state.snap.results.map(resultKey)).toEqual(['m5:9', 'm5:8']);
    expect(state.snap.next).toBe('p2');

    state.more();
    expect(state.snap.status).toBe('more');
    state.more(); // one at a time
    expect(srv.calls.length).toBe(2);
    expect(srv.calls[1].after).toBe('p2');
    srv.calls[1].answer({ results: [hit({ seq: 8 }), hit({ seq: 7 })], next: null });
    await flush();
    expect(state.snap.results.map(resultKey)).toEqual(['m5:9', 'm5:8', 'm5:7']);
    expect(state.snap.next).toBeNull();
    state.more();
    expect(srv.calls.length).toBe(2);
  });

  it('drops the answer of a search overtaken by a newer one, and cancels it', async () => {
    const { srv, state } = make();
    state.run('会議');
    state.run('会議室');
    expect(srv.calls[0].signal.aborted).toBe(true);
    srv.calls[1].answer({ results: [hit({ seq: 2 })], next: null });
    srv.calls[0].answer({ results: [hit({ seq: 1 })], next: 'x' });
    await flush();
    expect(state.snap.asked?.q).toBe('会議室');
    expect(state.snap.results.map(resultKey)).toEqual(['m5:2']);
    expect(state.snap.next).toBeNull();
  });

  it('asks nothing for a blank box or a query the server would refuse', () => {
    const { srv, state } = make();
    state.run('   ');
    expect(state.snap.status).toBe('idle');
    state.run('-下書き');
    expect(state.snap).toMatchObject({ status: 'error', problem: 'onlyExcluded', asked: null });
    state.run('会議', { ...NO_FILTERS, fromDay: '2026-05-02', toDay: '2026-05-01' });
    expect(state.snap.problem).toBe('range');
    expect(srv.fetch).not.toHaveBeenCalled();
  });

  it('says a failure, and tries the same page again', async () => {
    const { srv, state } = make();
    state.run('会議');
    srv.calls[0].fail(new Error('offline'));
    await flush();
    expect(state.snap).toMatchObject({ status: 'error', error: 'failed: offline', retry: true, problem: null });
    state.again();
    srv.calls[1].answer({ results: [hit({ seq: 5 })], next: 'n' });
    await flush();
    state.more();
    srv.calls[2].fail(new Error('bad'));
    await flush();
    expect(state.snap).toMatchObject({ status: 'error', retry: false });
    expect(state.snap.results.length).toBe(1); // what was found stays
    state.again();
    expect(srv.calls[3].after).toBe('n');
  });

  it('searches again when a filter changes, from the first page', async () => {
    const { srv, state } = make();
    state.run('会議');
    srv.calls[0].answer({ results: [hit()], next: 'n' });
    await flush();
    state.scrollTop = 300;
    state.filter({ hasFile: true });
    expect(srv.calls[1].r).toMatchObject({ q: '会議', hasFile: true });
    expect(srv.calls[1].after).toBeNull();
    expect(state.snap.results).toEqual([]);
    expect(state.scrollTop).toBe(0);
  });

  it('opened from the room list or a room header: a new search, the order kept', () => {
    const { srv, state } = make();
    state.run('x', { ...NO_FILTERS, order: 'relevance', hasFile: true, room: 2 });
    const focus = state.snap.focus;
    state.begin('議事録', 0);
    expect(srv.calls[1].r).toMatchObject({ q: '議事録', room: 0, hasFile: false, order: 'relevance' });
    expect(state.snap.focus).toBe(focus + 1);
    state.begin('', 7);
    expect(state.snap).toMatchObject({ q: '', status: 'idle', expanded: true });
    expect(state.snap.filters.room).toBe(7);
    // Neither: the view as it was, its box focused.
    state.begin('', 0);
    expect(state.snap.filters.room).toBe(7);
    expect(state.snap.focus).toBe(focus + 3);
    expect(srv.calls.length).toBe(2);
  });

  it('keeps the box and the filters for a reload', () => {
    const storage = memoryStorage();
    const { state } = make(storage);
    const sender = { id: 7, name: '田中 太郎' };
    state.run('議事録', { ...NO_FILTERS, sender, kind: 'files' });
    const again = make(storage).state;
    expect(again.snap).toMatchObject({ q: '議事録', status: 'idle', expanded: true });
    expect(again.snap.filters).toEqual({ ...NO_FILTERS, sender, kind: 'files' });
    // Not another user's.
    expect(make(storage, 8).state.snap.q).toBe('');
    storage.setItem('tonari.search', '{bad json');
    expect(make(storage).state.snap.q).toBe('');
  });

  it('forgets everything on reset (a logout), the answer under way too', async () => {
    const storage = memoryStorage();
    const { srv, state } = make(storage);
    state.run('議事録', { ...NO_FILTERS, room: 3 });
    state.reset();
    expect(srv.calls[0].signal.aborted).toBe(true);
    srv.calls[0].answer({ results: [hit()], next: null });
    await flush();
    expect(state.snap).toMatchObject({ q: '', status: 'idle', results: [], filters: NO_FILTERS });
    expect(storage.getItem('tonari.search')).toBeNull();
  });
});
