// Downloads and previews that check first: a refused file (zone_forbidden for a view-only
// download, withheld, not ready) must give the user the server's reason, not a page of JSON.
import { ApiError, errorFromAnswer } from './client';

/**
 * Asks for the first byte of `url` (GET with Range, so nothing large is fetched; the rest
 * of the answer is dropped). Null if the server would give it, else its error.
 */
export async function probe(url: string, fetchImpl: typeof fetch = fetch): Promise<ApiError | null> {
  const ctl = new AbortController();
  try {
    const r = await fetchImpl(url, {
      headers: { Range: 'bytes=0-0', Accept: '*/*' },
      credentials: 'same-origin',
      cache: 'no-store',
      signal: ctl.signal,
    });
    // 416: the range does not fit an empty file, which is there all the same.
    if (r.ok || r.status === 416) {
      ctl.abort();
      return null;
    }
    let data: unknown = null;
    try {
      data = await r.json();
    } catch {
      data = null;
    }
    return errorFromAnswer(r.status, data, r.statusText, r.headers.get('Retry-After'));
  } catch (e) {
    return new ApiError(0, 'network', String((e as Error)?.message ?? e));
  }
}

/** Saves `url` as a download (the server names the file: Content-Disposition). */
export function saveUrl(url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

