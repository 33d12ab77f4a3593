// The page's handle on the files being attached (state/uploads.ts does the work). That code
// and the upload engine are loaded with the first attachment, or when the browser is idle:
// most page loads never attach anything, and LGWAN links are slow.
import type { Api } from '../api/client';
import type { FileInfo } from '../api/types';
import type { UploadApi } from '../api/uploads';
import type { Timers } from '../realtime/connection';
import type { Attachment, AttachState, Uploads } from './uploads';

export type { Attachment, AttachState };

const NONE: Attachment[] = [];

export class Attachments {
  private impl: Uploads | null = null;
  private loading: Promise<Uploads> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: Api,
    private readonly timers?: Timers,
    private readonly makeApi?: () => UploadApi,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Loads the upload code (once; a failed load is tried again the next time). */
  load(): Promise<Uploads> {
    if (this.impl) return Promise.resolve(this.impl);
    this.loading ??= import('./uploads').then(
      (m) => (this.impl = new m.Uploads(this.api, () => this.listeners.forEach((l) => l()), this.timers, this.makeApi)),
      (e) => {
        this.loading = null;
        throw e;
      },
    );
    return this.loading;
  }

  /** The room's attachments (a new array after every add or remove). */
  list(room: number): Attachment[] {
    return this.impl?.list(room) ?? NONE;
  }

  state(room: number): AttachState {
    return this.impl?.state(room) ?? 'empty';
  }

  /**
   * Attaches files and starts their uploads; resolves to how many did not fit (10 at most).
   * `pastedPrefix`: pasted images, named "<prefix>_<date>_<time>.png" unless they have a name.
   */
  async add(room: number, files: File[], pastedPrefix?: string): Promise<number> {
    return (await this.load()).add(room, files, pastedPrefix);
  }

  remove(room: number, key: number): void {
    this.impl?.remove(room, key);
  }

  retry(room: number, key: number): void {
    this.impl?.retry(room, key);
  }

  /** When the room's uploads are all done: their files, in order, and the list is cleared. */
  take(room: number): FileInfo[] {
    return this.impl?.take(room) ?? [];
  }

  /** The network is back: uploads waiting to try again go now. */
  wake(): void {
    this.impl?.wake();
  }

  /** Logout: every upload stops. */
  clearAll(): void {
    this.impl?.clearAll();
  }
}
