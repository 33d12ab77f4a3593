import { describe, expect, it } from 'vitest';
import { Api, ApiError } from './client';

/** A fetch that never answers, but gives up when its signal aborts (as fetch does). */
function hangingFetch(): typeof fetch {
  return (_input, init) =>
    new Promise<Response>((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
}

describe('Api.request', () => {
  it('fails as a network error when no answer comes within the timeout', async () => {
    const api = new Api({ fetchImpl: hangingFetch(), timeoutMs: 20 });
    const e = await api.me().catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(0);
    expect((e as ApiError).code).toBe('network');
  });

  it('passes the caller\'s abort through as an AbortError', async () => {
    const api = new Api({ fetchImpl: hangingFetch(), timeoutMs: 10000 });
    const ctl = new AbortController();
    const p = api.request('GET', '/api/users', undefined, ctl.signal).catch((x) => x);
    ctl.abort();
    const e = await p;
    expect((e as Error).name).toBe('AbortError');
  });

  it('returns the parsed body of an answer', async () => {
    const api = new Api({
      fetchImpl: async () => new Response('{"user":{"id":1}}', { status: 200 }),
    });
    expect(await api.request('GET', '/api/x')).toEqual({ user: { id: 1 } });
  });
});
