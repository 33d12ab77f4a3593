// REST calls of full-text search (docs/api.md, "Search"): the search itself and a room's
// history around one message (a result opened in its context). Kept out of client.ts so
// they load with the search view, not with the first page.
import type { Api } from './client';
import type { AroundPage, FileInfo, SearchPage } from './types';

export type SearchKind = 'all' | 'messages' | 'notes' | 'files';
export type SearchOrder = 'newest' | 'relevance';

/** The parameters of GET /api/search; 0 means "not filtered". */
export interface SearchRequest {
  q: string;
  room: number;
  sender: number;
  /** Epoch ms, from inclusive, to exclusive. */
  from: number;
  to: number;
  kind: SearchKind;
  hasFile: boolean;
  order: SearchOrder;
}

/** The query string of one page: defaults are left out, so the URL says only what is asked. */
export function searchQueryString(r: SearchRequest, after: string | null, limit: number): string {
  const qs = new URLSearchParams({ q: r.q });
  if (r.room) qs.set('room', String(r.room));
  if (r.sender) qs.set('sender', String(r.sender));
  if (r.from) qs.set('from', String(r.from));
  if (r.to) qs.set('to', String(r.to));
  if (r.kind !== 'all') qs.set('kind', r.kind);
  if (r.hasFile) qs.set('has', 'file');
  if (r.order !== 'newest') qs.set('order', r.order);
  if (after) qs.set('after', after);
  qs.set('limit', String(limit));
  return qs.toString();
}

export function search(api: Api, r: SearchRequest, after: string | null, limit: number, signal?: AbortSignal): Promise<SearchPage> {
  return api.request<SearchPage>('GET', '/api/search?' + searchQueryString(r, after, limit), undefined, signal);
}

/** Up to `limit` messages centred on `seq` (limit/2 before it, the rest from it on). */
export function messagesAround(api: Api, room: number, seq: number, limit: number): Promise<AroundPage> {
  return api.request<AroundPage>('GET', `/api/rooms/${room}/messages?around=${seq}&limit=${limit}`);
}

/** The message a file is attached to (its seq; 0 if it is not attached). */
export async function fileSeq(api: Api, id: number): Promise<number> {
  return (await api.request<{ file: FileInfo }>('GET', `/api/files/${id}`)).file.seq;
}
