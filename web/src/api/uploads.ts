// Resumable, chunked uploads (docs/api.md, "Files"): POST /api/rooms/{id}/uploads opens a
// session, PUT /api/uploads/{uid} with Upload-Offset sends the next chunk, the last one
// answers with the stored file. A network loss or a 5xx does not start over: the upload
// asks the server where it stands (GET /api/uploads/{uid}, or the offset a 409
// offset_mismatch carries) and goes on from there after a back-off. A 4xx ends it.
import { backoffDelay, type BackoffOptions } from '../realtime/backoff';
import { realTimers, type Timers } from '../realtime/connection';
import { ApiError, errorFromAnswer, type Api } from './client';
import type { FileInfo, UploadInfo } from './types';

/** The server's side of an upload. Every call rejects with an ApiError (status 0: network). */
export interface UploadApi {
  create(room: number, meta: { name: string; size: number; type: string }): Promise<UploadInfo>;
  status(id: string): Promise<{ upload: UploadInfo; file?: FileInfo }>;
  cancel(id: string): Promise<void>;
  /**
   * PUTs `body` at `offset`. `onProgress(n)`: n bytes of this body have gone out so far.
   * Rejects with an AbortError when `signal` aborts.
   */
  put(
    id: string,
    offset: number,
    body: Blob,
    onProgress: (sent: number) => void,
    signal: AbortSignal,
  ): Promise<{ upload: UploadInfo; file?: FileInfo }>;
}

/** What XMLHttpRequest offers that put() uses (a test gives a fake). */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly statusText: string;
  readonly responseText: string;
  getResponseHeader(name: string): string | null;
  upload: { onprogress: ((e: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export const DEFAULT_CHUNK = 4 * 1024 * 1024;

/**
 * The UploadApi of a running tonari: JSON calls through `api` (cookie, X-CSRF-Token), chunks
 * through XMLHttpRequest (fetch reports no upload progress). A chunk that makes no progress
 * for `stallMs` fails as a network error.
 */
export function httpUploadApi(
  api: Api,
  opts: { base?: string; createXhr?: () => XhrLike; timers?: Timers; stallMs?: number } = {},
): UploadApi {
  const base = opts.base ?? '';
  const createXhr = opts.createXhr ?? (() => new XMLHttpRequest() as unknown as XhrLike);
  const timers = opts.timers ?? realTimers;
  const stallMs = opts.stallMs ?? 30000;
  const enc = encodeURIComponent;
  return {
    create: async (room, meta) =>
      (await api.request<{ upload: UploadInfo }>('POST', `/api/rooms/${room}/uploads`, meta)).upload,
    status: (id) => api.request('GET', `/api/uploads/${enc(id)}`),
    cancel: async (id) => {
      await api.request<unknown>('DELETE', `/api/uploads/${enc(id)}`);
    },
    put(id, offset, body, onProgress, signal) {
      return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(new DOMException('aborted', 'AbortError'));
        const xhr = createXhr();
        let stall: unknown = null;
        let stalled = false;
        const arm = () => {
          if (stall !== null) timers.clearTimeout(stall);
          stall = timers.setTimeout(() => {
            stalled = true;
            xhr.abort();
          }, stallMs);
        };
        const done = () => {
          if (stall !== null) timers.clearTimeout(stall);
          stall = null;
          signal.removeEventListener('abort', onAbort);
        };
        const onAbort = () => xhr.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        xhr.open('PUT', `${base}/api/uploads/${enc(id)}`);
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.setRequestHeader('Upload-Offset', String(offset));
        if (api.csrf) xhr.setRequestHeader('X-CSRF-Token', api.csrf);
        xhr.upload.onprogress = (e) => {
          arm();
          onProgress(e.loaded);
        };
        xhr.onload = () => {
          done();
          let data: unknown = null;
          try {
            data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
          } catch {
            data = null;
          }
          if (xhr.status >= 200 && xhr.status < 300 && data && typeof data === 'object' && 'upload' in data) {
            resolve(data as { upload: UploadInfo; file?: FileInfo });
            return;
          }
          if (xhr.status === 401) api.onUnauthenticated?.();
          if (xhr.status >= 200 && xhr.status < 300) {
            reject(new ApiError(502, 'bad_answer', 'the server answered without an upload'));
            return;
          }
          reject(errorFromAnswer(xhr.status, data, xhr.statusText, xhr.getResponseHeader('Retry-After')));
        };
        xhr.onerror = () => {
          done();
          reject(new ApiError(0, 'network', 'network error'));
        };
        xhr.onabort = () => {
          done();
          if (stalled) reject(new ApiError(0, 'network', 'no progress for ' + stallMs / 1000 + ' s'));
          else reject(new DOMException('aborted', 'AbortError'));
        };
        arm();
        xhr.send(body);
      });
    },
  };
}

export type UploadPhase = 'queued' | 'uploading' | 'waiting' | 'done' | 'failed' | 'cancelled';

export interface UploadOptions {
  api: UploadApi;
  room: number;
  file: Blob;
  name: string;
  type: string;
  onChange?: () => void;
  timers?: Timers;
  random?: () => number;
  backoff?: BackoffOptions;
  /** Failures in a row without progress before it stops (the user may then retry). */
  maxFailures?: number;
}

export const UPLOAD_BACKOFF: BackoffOptions = { base: 1000, factor: 2, max: 30000 };

/** A refused or exhausted upload: the last error, and whether trying again could help. */
export interface UploadFailure {
  status: number;
  code: string;
  message: string;
  detail: Record<string, unknown>;
  /** A network error or a 5xx after maxFailures attempts (retry() resumes it). */
  retryable: boolean;
}

function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

/** Worth trying again: no answer, the server's own trouble, or a rate limit. */
export function transient(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status >= 500 || e.status === 429);
}

function failureOf(e: unknown, retryable: boolean): UploadFailure {
  if (e instanceof ApiError) return { status: e.status, code: e.code, message: e.message, detail: e.detail, retryable };
  return { status: 0, code: 'network', message: String((e as Error)?.message ?? e), detail: {}, retryable };
}

/**
 * One file's upload. start() runs it to the end (done, failed or cancelled); `loaded` counts
 * the bytes the server acknowledged plus what went out of the chunk in flight.
 * Not thread-shared: everything runs on the page's event loop.
 */
export class Upload {
  phase: UploadPhase = 'queued';
  /** The server's upload id, once the session exists. */
  id = '';
  /** Bytes the server has stored. */
  offset = 0;
  /** Bytes of the chunk in flight that have gone out. */
  private inflight = 0;
  file: FileInfo | null = null;
  error: UploadFailure | null = null;
  /** Failures in a row (reset by every stored chunk). */
  failures = 0;
  readonly size: number;
  private chunk = DEFAULT_CHUNK;
  private ctl: AbortController | null = null;
  private wait: { timer: unknown; resolve: () => void } | null = null;
  private running: Promise<void> | null = null;
  private readonly o: UploadOptions;
  private readonly timers: Timers;

  constructor(o: UploadOptions) {
    this.o = o;
    this.size = o.file.size;
    this.timers = o.timers ?? realTimers;
  }

  get loaded(): number {
    return Math.min(this.size, this.offset + this.inflight);
  }

  /** Runs the upload; resolves when it is done, failed or cancelled (never rejects). */
  start(): Promise<void> {
    if (this.running) return this.running;
    if (this.phase === 'done' || this.phase === 'cancelled') return Promise.resolve();
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** After a retryable failure: go on from where the server stands. */
  retry(): Promise<void> {
    if (this.phase !== 'failed' || !this.error?.retryable) return Promise.resolve();
    this.failures = 0;
    this.error = null;
    this.phase = 'queued';
    return this.start();
  }

  /** Ends a back-off wait at once (the network came back). */
  wake(): void {
    this.wait?.resolve();
  }

  /** Stops the upload and removes what the server holds of it. */
  cancel(): void {
    if (this.phase === 'done' || this.phase === 'cancelled') return;
    this.phase = 'cancelled';
    this.ctl?.abort();
    if (this.wait) {
      this.timers.clearTimeout(this.wait.timer);
      this.wait.resolve();
    }
    if (this.id) this.o.api.cancel(this.id).catch(() => {});
    this.changed();
  }

  private changed(): void {
    this.o.onChange?.();
  }

  private get cancelled(): boolean {
    return this.phase === 'cancelled';
  }

  private set(phase: UploadPhase): void {
    if (this.cancelled) return;
    this.phase = phase;
    this.changed();
  }

  private fail(e: unknown, retryable: boolean): void {
    if (this.cancelled) return;
    this.error = failureOf(e, retryable);
    this.inflight = 0;
    this.set('failed');
  }

  /** Waits before the next attempt; false if it has failed too often (it is then failed). */
  private async backOff(e: unknown): Promise<boolean> {
    this.failures++;
    this.inflight = 0;
    if (this.failures > (this.o.maxFailures ?? 8)) {
      this.fail(e, true);
      return false;
    }
    this.set('waiting');
    let ms = backoffDelay(this.failures - 1, this.o.backoff ?? UPLOAD_BACKOFF, this.o.random);
    if (e instanceof ApiError && e.retryAfter) ms = Math.max(ms, e.retryAfter * 1000);
    await new Promise<void>((resolve) => {
      const timer = this.timers.setTimeout(resolve, ms);
      this.wait = { timer, resolve };
    });
    if (this.wait) this.timers.clearTimeout(this.wait.timer);
    this.wait = null;
    return !this.cancelled;
  }

  private async run(): Promise<void> {
    this.set('uploading');
    // A retry of an upload whose session exists first asks where the server stands.
    let ask = this.id !== '';
    // The session: created once (a retry after a failed creation creates it then).
    while (!this.id) {
      if (this.cancelled) return;
      try {
        const u = await this.o.api.create(this.o.room, { name: this.o.name, size: this.size, type: this.o.type });
        this.id = u.id;
        this.offset = u.offset;
        if (u.chunk_bytes && u.chunk_bytes > 0) this.chunk = u.chunk_bytes;
        if (this.cancelled) {
          this.o.api.cancel(u.id).catch(() => {});
          return;
        }
      } catch (e) {
        if (!transient(e)) return this.fail(e, false);
        if (!(await this.backOff(e))) return;
        this.set('uploading');
      }
    }
    while (!this.file) {
      if (this.cancelled) return;
      try {
        if (ask) {
          const s = await this.o.api.status(this.id);
          if (this.cancelled) return;
          this.offset = s.upload.offset;
          if (s.file) {
            this.file = s.file;
            break;
          }
          ask = false;
          this.set('uploading');
        }
        const end = Math.min(this.size, this.offset + this.chunk);
        this.ctl = new AbortController();
        const r = await this.o.api.put(
          this.id,
          this.offset,
          this.o.file.slice(this.offset, end),
          (n) => {
            this.inflight = n;
            this.changed();
          },
          this.ctl.signal,
        );
        this.ctl = null;
        this.inflight = 0;
        const progressed = r.upload.offset > this.offset;
        this.offset = r.upload.offset;
        if (r.file) this.file = r.file;
        this.changed();
        if (progressed || this.file) {
          this.failures = 0;
        } else {
          if (!(await this.backOff(new ApiError(502, 'no_progress', 'the server stored nothing of the chunk')))) return;
          ask = true;
        }
      } catch (e) {
        this.ctl = null;
        this.inflight = 0;
        if (this.cancelled || isAbort(e)) return;
        if (e instanceof ApiError && e.code === 'offset_mismatch' && typeof e.detail.offset === 'number') {
          // The server has a different amount (a chunk landed whose answer was lost): go on
          // from there, at once the first times.
          this.offset = e.detail.offset;
          if (this.failures < 2) this.failures++;
          else if (!(await this.backOff(e))) return;
          this.set('uploading');
          continue;
        }
        if (!transient(e)) return this.fail(e, false);
        if (!(await this.backOff(e))) return;
        ask = true;
        this.set('uploading');
      }
    }
    this.offset = this.size;
    this.set('done');
  }
}
