// Files the server makes on request (an action stamp's export): fetched first, so that a
// refusal is told to the user instead of being saved as a file; loaded with the screens
// that use it.
import { ApiError, errorFromAnswer } from './client';

/** The file name a Content-Disposition header gives (RFC 5987 filename* first), or null. */
export function dispositionName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* malformed: try the plain name */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(header);
  return plain ? (plain[1] ?? plain[2]).trim() : null;
}

/**
 * Fetches `url` and saves what it answers under the server's name: for files made on
 * request (an export), where a refusal must be told, not saved. Throws ApiError.
 */
export async function fetchAndSave(url: string, fallbackName: string, fetchImpl: typeof fetch = fetch): Promise<void> {
  let r: Response;
  try {
    r = await fetchImpl(url, { credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', String((e as Error)?.message ?? e));
  }
  if (!r.ok) {
    let data: unknown = null;
    try {
      data = await r.json();
    } catch {
      data = null;
    }
    throw errorFromAnswer(r.status, data, r.statusText, r.headers.get('Retry-After'));
  }
  const href = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = dispositionName(r.headers.get('Content-Disposition')) ?? fallbackName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
}
