// The attachments of a composer through the page's handle (state/attachments.ts): at most 10
// per message, two uploads at a time, the files handed over only once all are stored, × stops
// an upload and deletes it on the server.
import { describe, expect, it } from 'vitest';
import type { Api } from '../api/client';
import type { FileInfo, UploadInfo } from '../api/types';
import type { UploadApi } from '../api/uploads';
import { ManualTimers } from '../realtime/fakes';
import { Attachments } from './attachments';
import { fileInfo } from './fixtures';

/** Each PUT waits until the test releases it; every upload is one chunk. */
class HeldServer implements UploadApi {
  next = 0;
  sizes = new Map<string, number>();
  held: { id: string; finish: () => void }[] = [];
  cancelled: string[] = [];
  async create(_room: number, meta: { size: number }): Promise<UploadInfo> {
    const id = 'u' + ++this.next;
    this.sizes.set(id, meta.size);
    return { id, offset: 0, size: meta.size, chunk_bytes: 1 << 20 };
  }
  async status(id: string) {
    return { upload: { id, offset: 0, size: this.sizes.get(id)! } };
  }
  async cancel(id: string) {
    this.cancelled.push(id);
  }
  put(id: string, _offset: number, body: Blob, _p: (n: number) => void, signal: AbortSignal) {
    return new Promise<{ upload: UploadInfo; file?: FileInfo }>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      this.held.push({
        id,
        finish: () =>
          resolve({
            upload: { id, offset: body.size, size: body.size },
            file: fileInfo({ id: Number(id.slice(1)) + 100, seq: 0, state: 'processing' }),
          }),
      });
    });
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};
const files = (n: number) => Array.from({ length: n }, (_, i) => new File([new Uint8Array(10 + i)], `写真${i + 1}.jpg`, { type: 'image/jpeg' }));

function setup() {
  const srv = new HeldServer();
  const att = new Attachments({} as Api, new ManualTimers(), () => srv);
  let changes = 0;
  att.subscribe(() => changes++);
  return { srv, att, changes: () => changes };
}

describe('Attachments', () => {
  it('uploads two at a time and hands the files over once all are stored', async () => {
    const { srv, att, changes } = setup();
    expect(att.state(5)).toBe('empty');
    expect(await att.add(5, files(3))).toBe(0);
    await flush();
    expect(att.list(5).map((a) => a.name)).toEqual(['写真1.jpg', '写真2.jpg', '写真3.jpg']);
    expect(att.list(5).map((a) => a.upload.phase)).toEqual(['uploading', 'uploading', 'queued']);
    expect(srv.held.length).toBe(2);
    expect(att.state(5)).toBe('busy');
    expect(att.take(5)).toEqual([]); // not yet
    srv.held.shift()!.finish();
    await flush();
    expect(att.list(5).map((a) => a.upload.phase)).toEqual(['done', 'uploading', 'uploading']);
    srv.held.shift()!.finish();
    srv.held.shift()!.finish();
    await flush();
    expect(att.state(5)).toBe('ready');
    expect(changes()).toBeGreaterThan(3);
    expect(att.take(5).map((f) => f.id)).toEqual([101, 102, 103]);
    expect(att.state(5)).toBe('empty');
  });

  it('takes at most 10 files for one message', async () => {
    const { att } = setup();
    expect(await att.add(5, files(8))).toBe(0);
    expect(await att.add(5, files(4))).toBe(2);
    expect(att.list(5).length).toBe(10);
    // Another room has its own ten.
    expect(await att.add(6, files(1))).toBe(0);
  });

  it('× stops an upload, deletes it on the server, and lets the next one start', async () => {
    const { srv, att } = setup();
    await att.add(5, files(3));
    await flush();
    const first = att.list(5)[0];
    att.remove(5, first.key);
    await flush();
    expect(first.upload.phase).toBe('cancelled');
    expect(srv.cancelled).toEqual(['u1']);
    expect(att.list(5).map((a) => a.upload.phase)).toEqual(['uploading', 'uploading']);
    // Logout stops the rest.
    att.clearAll();
    await flush();
    expect(srv.cancelled.sort()).toEqual(['u1', 'u2', 'u3']);
    expect(att.list(5)).toEqual([]);
  });

  it("keeps each room's attachments apart", async () => {
    const { srv, att } = setup();
    await att.add(5, files(1));
    await att.add(6, [new File([new Uint8Array(4)], 'image.png', { type: 'image/png' })], 'スクリーンショット');
    await flush();
    expect(att.list(6)[0].name).toMatch(/^スクリーンショット_\d{8}_\d{6}\.png$/);
    for (const h of srv.held.splice(0)) h.finish();
    await flush();
    expect(att.take(6).length).toBe(1);
    expect(att.list(5).length).toBe(1);
  });
});
