// The upload engine against an in-memory server that keeps what it was sent: chunking by
// chunk_bytes, progress, resuming from the server's offset after a lost answer or a 5xx
// (never from the start), 409 offset_mismatch, cancel, and the 4xx that end an upload.
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualTimers } from '../realtime/fakes';
import { ApiError, Api } from './client';
import type { FileInfo, UploadInfo } from './types';
import { httpUploadApi, Upload, type UploadApi, type XhrLike } from './uploads';
import { uploadErrorText } from '../util/fileErrors';
import { loadFileTexts, t } from '../i18n';

beforeAll(() => loadFileTexts());

type PutFault = 'network-before' | 'network-after' | '503' | { code: number; body: unknown } | null;

/** A server for one upload: stores bytes, answers like docs/api.md. Faults are scripted per PUT. */
class FakeServer implements UploadApi {
  stored = new Uint8Array(0);
  size = 0;
  chunk: number;
  id = 'a'.repeat(32);
  puts: { offset: number; length: number }[] = [];
  statusCalls = 0;
  cancelled: string[] = [];
  faults: PutFault[] = [];
  createFault: ApiError | null = null;
  statusFaults: ApiError[] = [];
  /** Calls onProgress with these fractions of the body before answering. */
  progressSteps = [0.5, 1];
  hold: { release: () => void } | null = null;
  holdNext = false;

  constructor(chunk = 4) {
    this.chunk = chunk;
  }

  private info(): UploadInfo {
    return { id: this.id, offset: this.stored.length, size: this.size };
  }
  private file(): FileInfo {
    return {
      id: 42,
      room: 5,
      seq: 0,
      uploader: 7,
      name: '破裂箇所.jpg',
      size: this.size,
      type: 'image/jpeg',
      from: 'internet',
      state: 'processing',
      thumbnail: false,
      created_at: 1,
    };
  }
  async create(_room: number, meta: { name: string; size: number; type: string }): Promise<UploadInfo> {
    if (this.createFault) throw this.createFault;
    this.size = meta.size;
    return { ...this.info(), chunk_bytes: this.chunk };
  }
  async status(): Promise<{ upload: UploadInfo; file?: FileInfo }> {
    this.statusCalls++;
    const f = this.statusFaults.shift();
    if (f) throw f;
    return this.stored.length === this.size ? { upload: this.info(), file: this.file() } : { upload: this.info() };
  }
  async cancel(id: string): Promise<void> {
    this.cancelled.push(id);
  }
  async put(id: string, offset: number, body: Blob, onProgress: (n: number) => void, signal: AbortSignal) {
    expect(id).toBe(this.id);
    this.puts.push({ offset, length: body.size });
    expect(body.size).toBeLessThanOrEqual(this.chunk);
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((resolve, reject) => {
        this.hold = { release: resolve };
        signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    const fault = this.faults.shift() ?? null;
    if (fault === 'network-before') throw new ApiError(0, 'network', 'network error');
    if (fault === '503') throw new ApiError(503, 'unavailable', 'try later');
    if (fault && typeof fault === 'object') {
      const err = (fault.body as { error: Record<string, unknown> }).error;
      throw new ApiError(fault.code, String(err.code), String(err.message), undefined, err);
    }
    if (offset !== this.stored.length) {
      throw new ApiError(409, 'offset_mismatch', 'wrong offset', undefined, { code: 'offset_mismatch', offset: this.stored.length });
    }
    for (const f of this.progressSteps) onProgress(Math.round(body.size * f));
    const bytes = new Uint8Array(await body.arrayBuffer());
    const next = new Uint8Array(this.stored.length + bytes.length);
    next.set(this.stored);
    next.set(bytes, this.stored.length);
    this.stored = next;
    // The chunk is stored; the answer is lost on the way back.
    if (fault === 'network-after') throw new ApiError(0, 'network', 'network error');
    return this.stored.length === this.size ? { upload: this.info(), file: this.file() } : { upload: this.info() };
  }
}

const bytes = (n: number): Uint8Array<ArrayBuffer> => {
  const b = new Uint8Array(new ArrayBuffer(n));
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
};

function makeUpload(srv: FakeServer, data: Uint8Array<ArrayBuffer>, timers = new ManualTimers()) {
  const changes: number[] = [];
  const up: Upload = new Upload({
    api: srv,
    room: 5,
    file: new Blob([data], { type: 'image/jpeg' }),
    name: '破裂箇所.jpg',
    type: 'image/jpeg',
    timers,
    random: () => 0.5,
    maxFailures: 4,
    onChange: () => changes.push(up.loaded),
  });
  return { up, timers, changes };
}

const flush = async () => {
  for (let i = 0; i < 30; i++) await new Promise((r) => setTimeout(r, 0));
};

/** Runs the upload to its end, advancing the manual clock through every back-off. */
async function finish(up: Upload, timers: ManualTimers) {
  const done = up.start();
  for (let i = 0; i < 50 && ['uploading', 'waiting', 'queued'].includes(up.phase); i++) {
    await flush();
    timers.advance(60000);
  }
  await done;
}

describe('Upload', () => {
  it('sends the file in chunks of chunk_bytes and ends with the stored file', async () => {
    const srv = new FakeServer(4);
    const data = bytes(10);
    const { up, timers, changes } = makeUpload(srv, data);
    await finish(up, timers);
    expect(up.phase).toBe('done');
    expect(srv.puts).toEqual([
      { offset: 0, length: 4 },
      { offset: 4, length: 4 },
      { offset: 8, length: 2 },
    ]);
    expect(srv.stored).toEqual(data);
    expect(up.file?.id).toBe(42);
    expect(up.loaded).toBe(10);
    // Progress moves within a chunk (XHR upload progress) and never goes back.
    expect(changes).toContain(2);
    expect(changes).toContain(6);
    for (let i = 1; i < changes.length; i++) expect(changes[i]).toBeGreaterThanOrEqual(changes[i - 1]);
  });

  it('after a lost answer asks the server where it stands and goes on from there', async () => {
    const srv = new FakeServer(4);
    srv.faults = [null, 'network-after'];
    const data = bytes(12);
    const { up, timers } = makeUpload(srv, data);
    await finish(up, timers);
    expect(up.phase).toBe('done');
    expect(srv.statusCalls).toBe(1);
    // The second chunk was stored though its answer was lost: the next PUT starts at 8.
    expect(srv.puts.map((p) => p.offset)).toEqual([0, 4, 8]);
    expect(srv.stored).toEqual(data);
  });

  it('retries a 5xx and a network error with back-off, without starting over', async () => {
    const srv = new FakeServer(4);
    srv.faults = [null, '503', 'network-before'];
    const data = bytes(10);
    const { up, timers } = makeUpload(srv, data);
    const done = up.start();
    await flush();
    expect(up.phase).toBe('waiting');
    expect(timers.pending().length).toBe(1);
    await finish(up, timers);
    await done;
    expect(up.phase).toBe('done');
    expect(srv.puts.map((p) => p.offset)).toEqual([0, 4, 4, 4, 8]);
    expect(srv.statusCalls).toBe(2);
    expect(srv.stored).toEqual(data);
  });

  it('follows the offset a 409 offset_mismatch carries', async () => {
    const srv = new FakeServer(4);
    const data = bytes(10);
    const { up, timers } = makeUpload(srv, data);
    // The server already holds 8 bytes (an earlier attempt from this page).
    srv.size = 10;
    srv.stored = data.slice(0, 8);
    srv.create = async () => ({ id: srv.id, offset: 0, size: 10, chunk_bytes: 4 });
    await finish(up, timers);
    expect(up.phase).toBe('done');
    expect(srv.puts.map((p) => p.offset)).toEqual([0, 8]);
    expect(srv.stored).toEqual(data);
  });

  it('gives up after repeated network errors, then retry() resumes from the server offset', async () => {
    const srv = new FakeServer(4);
    srv.faults = [null, 'network-before', 'network-before', 'network-before', 'network-before', 'network-before'];
    const data = bytes(10);
    const { up, timers } = makeUpload(srv, data);
    await finish(up, timers);
    expect(up.phase).toBe('failed');
    expect(up.error?.retryable).toBe(true);
    expect(uploadErrorText(up.error!, t)).toBe('通信が不安定なためアップロードが止まりました');
    const before = srv.puts.length;
    const again = up.retry();
    await finish(up, timers);
    await again;
    expect(up.phase).toBe('done');
    expect(srv.puts[before].offset).toBe(4);
    expect(srv.stored).toEqual(data);
  });

  it('cancel aborts the chunk in flight and deletes the upload on the server', async () => {
    const srv = new FakeServer(4);
    srv.holdNext = true;
    const { up } = makeUpload(srv, bytes(10));
    const done = up.start();
    await flush();
    expect(srv.hold).not.toBeNull();
    up.cancel();
    await done;
    expect(up.phase).toBe('cancelled');
    expect(srv.cancelled).toEqual([srv.id]);
    expect(srv.stored.length).toBe(0);
  });

  it('a cancel during the session creation deletes the session once it exists', async () => {
    const srv = new FakeServer(4);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const create = srv.create.bind(srv);
    srv.create = async (room, meta) => {
      await gate;
      return create(room, meta);
    };
    const { up } = makeUpload(srv, bytes(10));
    const done = up.start();
    up.cancel();
    release();
    await done;
    expect(up.phase).toBe('cancelled');
    expect(srv.cancelled).toEqual([srv.id]);
    expect(srv.puts).toEqual([]);
  });

  it('stops on a 4xx with the error the user reads', async () => {
    const cases: [ApiError, string][] = [
      [
        new ApiError(413, 'payload_too_large', 'too large', undefined, { code: 'payload_too_large', max_bytes: 104857600 }),
        'ファイルが大きすぎます（上限 100 MB）',
      ],
      [new ApiError(413, 'payload_too_large', 'the file is 209715200 bytes; at most 50 MiB per file'), 'ファイルが大きすぎます（上限 50 MB）'],
      [new ApiError(413, 'quota_exceeded', 'quota'), 'この自治体のファイル保存容量の上限に達しました'],
      [new ApiError(403, 'zone_forbidden', 'zone'), 'この接続（インターネット側）からの利用は許可されていません'],
      [new ApiError(404, 'not_found', 'no room'), 'アップロードを続けられません（期限切れか、トークのメンバーではありません）。もう一度添付してください'],
    ];
    for (const [err, text] of cases) {
      const srv = new FakeServer(4);
      srv.createFault = err;
      const { up, timers } = makeUpload(srv, bytes(10));
      await finish(up, timers);
      expect(up.phase).toBe('failed');
      expect(up.error?.retryable).toBe(false);
      expect(uploadErrorText(up.error!, t)).toBe(text);
      expect(srv.puts).toEqual([]);
    }
  });

  it('a 4xx on a chunk (the upload expired) ends it without retrying', async () => {
    const srv = new FakeServer(4);
    srv.faults = [null, { code: 404, body: { error: { code: 'not_found', message: 'no such upload' } } }];
    const { up, timers } = makeUpload(srv, bytes(10));
    await finish(up, timers);
    expect(up.phase).toBe('failed');
    expect(up.error?.code).toBe('not_found');
    expect(srv.puts.length).toBe(2);
    expect(srv.statusCalls).toBe(0);
  });
});

/** A scripted XMLHttpRequest: records what was sent, answers when the test says. */
class FakeXhr implements XhrLike {
  static last: FakeXhr;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: Blob | null = null;
  status = 0;
  statusText = '';
  responseText = '';
  aborted = false;
  private respHeaders: Record<string, string> = {};
  upload: { onprogress: ((e: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(n: string, v: string) {
    this.headers[n] = v;
  }
  send(body: Blob) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  getResponseHeader(n: string) {
    return this.respHeaders[n] ?? null;
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

describe('httpUploadApi', () => {
  const setup = () => {
    const api = new Api({ fetchImpl: async () => new Response('{}') });
    api.csrf = 'csrf-token-1';
    const timers = new ManualTimers();
    const up = httpUploadApi(api, { createXhr: () => new FakeXhr(), timers, stallMs: 30000 });
    return { api, timers, up };
  };

  it('PUTs the chunk with Upload-Offset and the CSRF header, reporting progress', async () => {
    const { up } = setup();
    const seen: number[] = [];
    const p = up.put('abc', 8, new Blob([bytes(4)]), (n) => seen.push(n), new AbortController().signal);
    const x = FakeXhr.last;
    expect(x.method).toBe('PUT');
    expect(x.url).toBe('/api/uploads/abc');
    expect(x.headers['Upload-Offset']).toBe('8');
    expect(x.headers['X-CSRF-Token']).toBe('csrf-token-1');
    expect(x.headers['Content-Type']).toBe('application/octet-stream');
    expect(x.body?.size).toBe(4);
    x.upload.onprogress?.({ loaded: 2 });
    x.answer(200, { upload: { id: 'abc', offset: 12, size: 20 } });
    expect(await p).toEqual({ upload: { id: 'abc', offset: 12, size: 20 } });
    expect(seen).toEqual([2]);
  });

  it('turns an error answer into an ApiError that keeps its fields', async () => {
    const { up } = setup();
    const p = up.put('abc', 0, new Blob([bytes(4)]), () => {}, new AbortController().signal);
    FakeXhr.last.answer(409, { error: { code: 'offset_mismatch', message: 'offset is 4', offset: 4 } });
    const e = (await p.catch((x) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(409);
    expect(e.code).toBe('offset_mismatch');
    expect(e.detail.offset).toBe(4);
  });

  it('a network error is status 0; a chunk that stalls fails the same way', async () => {
    const { up, timers } = setup();
    const p1 = up.put('abc', 0, new Blob([bytes(4)]), () => {}, new AbortController().signal);
    FakeXhr.last.onerror?.();
    expect(((await p1.catch((x) => x)) as ApiError).status).toBe(0);

    const p2 = up.put('abc', 0, new Blob([bytes(4)]), () => {}, new AbortController().signal);
    const x = FakeXhr.last;
    timers.advance(20000);
    x.upload.onprogress?.({ loaded: 1 }); // progress re-arms the stall timer
    timers.advance(20000);
    expect(x.aborted).toBe(false);
    timers.advance(10001);
    expect(x.aborted).toBe(true);
    const e = (await p2.catch((y) => y)) as ApiError;
    expect(e.status).toBe(0);
    expect(e.code).toBe('network');
  });

  it('aborting the signal aborts the request as an AbortError', async () => {
    const { up } = setup();
    const ctl = new AbortController();
    const p = up.put('abc', 0, new Blob([bytes(4)]), () => {}, ctl.signal);
    ctl.abort();
    expect(FakeXhr.last.aborted).toBe(true);
    expect(((await p.catch((x) => x)) as Error).name).toBe('AbortError');
  });
});
