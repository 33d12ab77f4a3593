// Files the user is attaching, per room: each is uploaded as soon as it is picked (two at a
// time), shown above that room's composer, and sent with the next message once every upload
// has finished. They survive switching rooms (like drafts), not a reload or a logout.
// Loaded with the first attachment (state/attachments.ts is the handle the page holds).
import type { Api } from '../api/client';
import type { FileInfo } from '../api/types';
import { httpUploadApi, Upload, type UploadApi } from '../api/uploads';
import type { Timers } from '../realtime/connection';
import { pastedName } from '../util/pasted';

export const MAX_FILES = 10;
const PARALLEL = 2;

export interface Attachment {
  /** Unique on the page. */
  key: number;
  name: string;
  size: number;
  type: string;
  /** An object URL to preview an image (revoked when the attachment goes). */
  preview: string | null;
  upload: Upload;
}

/** empty: nothing attached; busy: uploads running; failed: one stopped; ready: all uploaded. */
export type AttachState = 'empty' | 'busy' | 'failed' | 'ready';

const NONE: Attachment[] = [];

/** Image types a browser previews from the file itself (HEIC is not one of them). */
const PREVIEWABLE = /^image\/(jpeg|png|gif|webp|bmp|avif)$/i;

export class Uploads {
  private readonly rooms = new Map<number, Attachment[]>();
  private readonly uploadApi: UploadApi;
  private seq = 0;

  /** `onChange` is called after every change (an attachment added or gone, an upload moving). */
  constructor(
    api: Api,
    private readonly onChange: () => void,
    private readonly timers?: Timers,
    makeApi?: () => UploadApi,
  ) {
    this.uploadApi = makeApi ? makeApi() : httpUploadApi(api, { timers });
  }

  private notify(): void {
    this.onChange();
  }

  /** The room's attachments (a new array after every add or remove). */
  list(room: number): Attachment[] {
    return this.rooms.get(room) ?? NONE;
  }

  state(room: number): AttachState {
    const list = this.list(room);
    if (!list.length) return 'empty';
    if (list.some((a) => a.upload.phase === 'failed')) return 'failed';
    if (list.every((a) => a.upload.phase === 'done')) return 'ready';
    return 'busy';
  }

  /**
   * Attaches files to the room's next message and starts their uploads. `pastedPrefix`:
   * the files were pasted (a screenshot comes as "image.png"; it gets a dated name).
   * Returns how many did not fit under MAX_FILES.
   */
  add(room: number, files: File[], pastedPrefix?: string): number {
    const list = this.list(room);
    const room_left = Math.max(0, MAX_FILES - list.length);
    const take = files.slice(0, room_left);
    if (!take.length) return files.length;
    const now = new Date();
    const added = take.map((file): Attachment => {
      const name = (pastedPrefix ? pastedName(file.name, file.type, now, pastedPrefix) : file.name) || 'file';
      const type = file.type || 'application/octet-stream';
      let preview: string | null = null;
      if (PREVIEWABLE.test(type) && typeof URL !== 'undefined' && URL.createObjectURL) {
        try {
          preview = URL.createObjectURL(file);
        } catch {
          preview = null;
        }
      }
      const upload: Upload = new Upload({
        api: this.uploadApi,
        room,
        file,
        name,
        type,
        timers: this.timers,
        onChange: () => {
          if (upload.phase !== 'uploading' && upload.phase !== 'waiting') this.pump();
          this.notify();
        },
      });
      return { key: ++this.seq, name, size: file.size, type, preview, upload };
    });
    this.rooms.set(room, [...list, ...added]);
    this.pump();
    this.notify();
    return files.length - take.length;
  }

  /** Stops an upload (if still running) and takes the file off the message. */
  remove(room: number, key: number): void {
    const list = this.list(room);
    const a = list.find((x) => x.key === key);
    if (!a) return;
    this.drop(a);
    const rest = list.filter((x) => x !== a);
    if (rest.length) this.rooms.set(room, rest);
    else this.rooms.delete(room);
    this.pump();
    this.notify();
  }

  retry(room: number, key: number): void {
    const a = this.list(room).find((x) => x.key === key);
    if (!a) return;
    void a.upload.retry();
    this.notify();
  }

  /** The network is back: uploads waiting to try again go now. */
  wake(): void {
    for (const list of this.rooms.values()) for (const a of list) a.upload.wake();
  }

  /** When the room's uploads are all done: their files, in order, and the list is cleared. */
  take(room: number): FileInfo[] {
    if (this.state(room) !== 'ready') return [];
    const list = this.list(room);
    for (const a of list) this.revoke(a);
    this.rooms.delete(room);
    this.notify();
    return list.map((a) => a.upload.file!);
  }

  /** Logout: every upload stops. */
  clearAll(): void {
    for (const list of this.rooms.values()) for (const a of list) this.drop(a);
    this.rooms.clear();
    this.notify();
  }

  private drop(a: Attachment): void {
    a.upload.cancel();
    this.revoke(a);
  }

  private revoke(a: Attachment): void {
    if (a.preview) URL.revokeObjectURL(a.preview);
    a.preview = null;
  }

  /** Starts queued uploads, oldest first, while fewer than PARALLEL run. */
  private pump(): void {
    let running = 0;
    const queued: Upload[] = [];
    for (const list of this.rooms.values()) {
      for (const a of list) {
        const p = a.upload.phase;
        if (p === 'uploading' || p === 'waiting') running++;
        else if (p === 'queued') queued.push(a.upload);
      }
    }
    for (const u of queued) {
      if (running >= PARALLEL) break;
      running++;
      void u.start();
    }
  }
}
